"""The ZK chain's declarations and rule table are complete: every type byte has one
declaration (zk/transactions.py) and one rule (zk/rules/), and each rule's parts fit what the
fee schedule, the public data and the circuit expect."""

from dataclasses import fields
from typing import Any

import pytest

from zkbraid.market.fees import FeeSchedule
from zkbraid.proving.statement import N_TX_DATA
from zkbraid.zk.rules import RULES, ZkRule
from zkbraid.zk.rules.pubdata import FIELD_BYTES
from zkbraid.zk.transactions import ZK_FAMILY, SignedByL2Key, SystemTransaction, TxType
from zkbraid.zk.tx_fields import SignedTx, SystemTx


@pytest.mark.parametrize("tx_type", list(TxType), ids=lambda t: t.name)
def test_every_type_byte_has_a_declaration_and_a_rule(tx_type: TxType) -> None:
    declaration = ZK_FAMILY.declarations.get(tx_type)
    assert declaration is not None, f"{tx_type.name} has no declaration in zk/transactions.py"
    assert declaration.TYPE is tx_type
    rule = RULES.get(tx_type)
    assert rule is not None, f"{tx_type.name} has no rule in zk/rules/"
    assert rule.tx_type is declaration


def test_nothing_is_declared_or_ruled_without_a_type_byte() -> None:
    assert list(ZK_FAMILY.declarations) == list(RULES) == list(TxType)


def test_signed_and_system_types_are_the_unions() -> None:
    signed = {cls for cls in ZK_FAMILY.declarations.values() if issubclass(cls, SignedTx)}
    system = {cls for cls in ZK_FAMILY.declarations.values() if issubclass(cls, SystemTx)}
    assert signed == set(SignedByL2Key.__args__)
    assert system == set(SystemTransaction.__args__)


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.tx_type.__name__)
def test_fee_keys_name_the_fee_schedule(rule: ZkRule[Any]) -> None:
    schedule = {f.name for f in fields(FeeSchedule)}
    if issubclass(rule.tx_type, SystemTx):
        assert rule.fee_key is None  # a system transaction pays no fee
    else:
        assert rule.fee_key in schedule


def test_every_fee_schedule_field_is_some_rule_s() -> None:
    keys = [rule.fee_key for rule in RULES.values() if rule.fee_key is not None]
    assert sorted(keys) == sorted(f.name for f in fields(FeeSchedule))


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.tx_type.__name__)
def test_pubdata_layouts_fit_the_public_inputs(rule: ZkRule[Any]) -> None:
    layout = rule.pubdata
    assert layout.header_length < FIELD_BYTES  # the header is one field element
    assert len(layout.wide) <= N_TX_DATA - 1
    names = [f.name for f in (*layout.header, *layout.wide)]
    assert len(names) == len(set(names))
