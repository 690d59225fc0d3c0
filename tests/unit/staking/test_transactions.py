"""The staking transactions' encodings, signed texts and decoding errors, the consensus keys, and
the parameters' bounds."""

from __future__ import annotations

import base64
import hashlib

import pytest
import rlp

from zkbraid.config import ChainParams
from zkbraid.market.fees import ONE_ZKPOW
from zkbraid.market.transactions import MalformedSequencerTx
from zkbraid.sequencer.admission import decode
from zkbraid.staking.keys import consensus_address, consensus_public_key, priv_validator_key
from zkbraid.staking.params import (
    GenesisValidator,
    InvalidStakingParams,
    StakingParams,
)
from zkbraid.staking.transactions import (
    BOND,
    UNBOND,
    BadStakingSignature,
    Bond,
    Unbond,
    bond_text,
    decode_staking_tx,
    sign_bond,
    sign_unbond,
    unbond_text,
    zkpow_text,
)
from zkbraid.zk.genesis import dev_eth_address, dev_eth_private_key

KEY = dev_eth_private_key(1)
ADDRESS = dev_eth_address(1)
CONSENSUS = bytes(range(32))


def test_bond_and_unbond_round_trip_and_verify() -> None:
    bond = sign_bond(KEY, CONSENSUS, 1_500 * ONE_ZKPOW, 3)
    assert bond.validator == ADDRESS and bond.encode()[0] == BOND
    assert decode_staking_tx(bond.encode()) == bond
    bond.check_signature()
    unbond = sign_unbond(KEY, 10, 0)
    assert unbond.encode()[0] == UNBOND and decode_staking_tx(unbond.encode()) == unbond
    unbond.check_signature()


def test_signed_texts_are_readable() -> None:
    assert bond_text(ADDRESS, CONSENSUS, 1_500 * ONE_ZKPOW, 3) == (
        f"zkbraid: bond 1500 ZKPoW to validator 0x{ADDRESS.hex()}\n"
        f"consensus key: 0x{CONSENSUS.hex()}\n"
        "amount: 1500000000000000000000 base units\n"
        "nonce: 3"
    )
    assert unbond_text(ADDRESS, ONE_ZKPOW // 4, 0).startswith("zkbraid: unbond 0.25 ZKPoW from")
    assert zkpow_text(1) == "0.000000000000000001 ZKPoW"
    assert zkpow_text(0) == "0 ZKPoW"


def test_invalid_signatures() -> None:
    bond = sign_bond(KEY, CONSENSUS, 100, 0)
    with pytest.raises(BadStakingSignature, match="not signed by"):
        Bond(bond.validator, CONSENSUS, 101, 0, bond.signature).check_signature()
    with pytest.raises(BadStakingSignature, match="not signed by"):
        # a bond's signature never serves as an unbond's
        Unbond(bond.validator, 100, 0, bond.signature).check_signature()
    with pytest.raises(BadStakingSignature, match="malformed"):
        Unbond(bond.validator, 100, 0, b"\x00" * 65).check_signature()


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"", "not a staking transaction"),
        (b"\x03" + rlp.encode([]), "not a staking transaction"),
        (bytes([BOND]) + b"\xff", "bad RLP"),
        (bytes([BOND]) + rlp.encode([b"\x01" * 20, CONSENSUS, 1, 0]), "exactly 5"),
        (bytes([BOND]) + rlp.encode([b"\x01" * 19, CONSENSUS, 1, 0, b"s" * 65]), "20 bytes"),
        (bytes([BOND]) + rlp.encode([b"\x01" * 20, b"k" * 31, 1, 0, b"s" * 65]), "32 bytes"),
        (bytes([BOND]) + rlp.encode([b"\x01" * 20, CONSENSUS, b"\x00\x01", 0, b"s" * 65]), "zero"),
        (bytes([BOND]) + rlp.encode([b"\x01" * 20, CONSENSUS, 2**128, 0, b"s" * 65]), "128"),
        (bytes([UNBOND]) + rlp.encode([b"\x01" * 20, 1, 2**64, b"s" * 65]), "64 bits"),
        (bytes([UNBOND]) + rlp.encode([b"\x01" * 20, 1, 0, b"s" * 64]), "65 bytes"),
        (bytes([UNBOND]) + rlp.encode([b"\x01" * 20, [b"1"], 0, b"s" * 65]), "byte-string"),
    ],
)
def test_invalid_encodings(payload: bytes, match: str) -> None:
    with pytest.raises(MalformedSequencerTx, match=match):
        decode_staking_tx(payload)


def test_the_sequencer_envelope_decodes_staking_transactions() -> None:
    from zkbraid.fast.chain import FastChain
    from zkbraid.fast.params import FastParams
    from zkbraid.ledger.envelope import TxKind, wrap
    from zkbraid.ledger.kv import memory_store

    fast = FastChain(memory_store().namespace("fast"), FastParams())
    bond = sign_bond(KEY, CONSENSUS, 100, 0)
    decoded = decode(wrap(TxKind.SEQUENCER, bond.encode()), fast)
    assert decoded.tx == bond and decoded.kind is TxKind.SEQUENCER


def test_consensus_keys_are_cometbfts() -> None:
    # RFC 8032, test 1
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = consensus_public_key(seed)
    assert public.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert consensus_address(public) == hashlib.sha256(public).digest()[:20]
    key_file = priv_validator_key(seed)
    assert key_file["address"] == consensus_address(public).hex().upper()
    assert base64.b64decode(key_file["pub_key"]["value"]) == public
    assert base64.b64decode(key_file["priv_key"]["value"]) == seed + public


@pytest.mark.parametrize(
    "overrides",
    [
        {"power_unit": 0},
        {"min_bond": 5, "power_unit": 10},
        {"unbonding_period_ms": -1},
        {"slash_double_sign_bps": 10_001},
        {"max_validators": 0},
        {"max_unbonding_entries": 0},
    ],
)
def test_invalid_staking_params(overrides: dict[str, int]) -> None:
    with pytest.raises(InvalidStakingParams):
        StakingParams(**overrides)


def test_invalid_genesis_validators() -> None:
    p = StakingParams()
    v = GenesisValidator(ADDRESS, CONSENSUS, p.min_bond)
    ChainParams(genesis_validators=(v,))
    with pytest.raises(InvalidStakingParams, match="used twice"):
        ChainParams(genesis_validators=(v, GenesisValidator(dev_eth_address(2), CONSENSUS, 10**21)))
    with pytest.raises(InvalidStakingParams, match="below min_bond"):
        ChainParams(genesis_validators=(GenesisValidator(ADDRESS, CONSENSUS, p.min_bond - 1),))
    with pytest.raises(InvalidStakingParams, match="20-byte"):
        ChainParams(genesis_validators=(GenesisValidator(ADDRESS[:19], CONSENSUS, p.min_bond),))
