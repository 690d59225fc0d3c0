"""Proof of stake through ABCI: InitChain answers the chain's genesis validators (and refuses a
CometBFT genesis that lists others), the misbehaviour of PrepareProposal/ProcessProposal/
FinalizeBlock reaches the application (and slashes), FinalizeBlock returns the block's
validator updates; CometBFT's home made from the devnet's derived keys (CometBFT itself reads
the same ids); the test-only byzantine proposer's blocks are refused."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from tests.consensus.test_abci_app import T0_S, call, fast_transfer
from zkbraid.consensus.cometbft.abci_server import (
    AbciApp,
    CheckOutcomes,
    Heights,
    misbehavior_of,
    validator_update_pb,
)
from zkbraid.consensus.cometbft.byzantine import UNKNOWN_KIND_TX, corrupt
from zkbraid.consensus.cometbft.engine import COMETBFT
from zkbraid.consensus.cometbft.home import (
    GenesisDoc,
    HomeMismatch,
    NodeKeys,
    check_home,
    node_id,
    write_home,
)
from zkbraid.consensus.cometbft.proto.tendermint.abci import types_pb2 as abci
from zkbraid.consensus.engine import Misbehavior, ValidatorUpdate
from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, read_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import DEV_VALIDATOR_BOND, Devnet, dev_consensus_seed, devnet
from zkbraid.node.network import NetworkSpec, genesis_validator_set, layout, node_keys
from zkbraid.sequencer.header import MarkerExtra
from zkbraid.staking.keys import consensus_address, consensus_public_key
from zkbraid.staking.transactions import sign_bond
from zkbraid.zk.genesis import dev_eth_private_key

KEY_9 = consensus_public_key(dev_consensus_seed(9))
KEY_8 = consensus_public_key(dev_consensus_seed(8))
POWER = DEV_VALIDATOR_BOND // 10**18


class Chain:
    def __init__(self, path: Path, net: Devnet) -> None:
        self.net = net
        self.store = LedgerStore(str(path))
        self.app = BraidApp(net.params, self.store, net.zk_genesis)
        self.abci = AbciApp(
            self.app,
            threading.RLock(),
            Heights(self.store),
            checks=CheckOutcomes(),
            validator_set=self.app.validator_set,
        )


@pytest.fixture
def chain(tmp_path: Path) -> Chain:
    return Chain(tmp_path / "node.sqlite", devnet(3, verifying_key_hash=None, validators=2))


def _pb_set(*updates: tuple[bytes, int]) -> list[abci.ValidatorUpdate]:
    return [validator_update_pb(ValidatorUpdate(k, p)) for k, p in updates]


def _duplicate_vote(key: bytes, height: int = 1) -> abci.Misbehavior:
    return abci.Misbehavior(
        type=abci.DUPLICATE_VOTE,
        validator=abci.Validator(address=consensus_address(key), power=POWER),
        height=height,
        time={"seconds": T0_S, "nanos": 250_000_417},
        total_voting_power=2 * POWER,
    )


def _time(t_ms: int) -> dict[str, int]:
    return {"seconds": t_ms // 1000, "nanos": (t_ms % 1000) * 1_000_000}


def test_misbehavior_reaches_the_app_as_the_interface_names_it() -> None:
    other = abci.Misbehavior(type=abci.UNKNOWN, validator=abci.Validator(address=b"\x01" * 20))
    assert misbehavior_of([_duplicate_vote(KEY_9, 7), other]) == [
        Misbehavior("duplicate_vote", consensus_address(KEY_9), 7, T0_S * 1000 + 250, 2 * POWER),
        Misbehavior("unknown", b"\x01" * 20, 0, 0, 0),
    ]
    light = abci.Misbehavior(type=abci.LIGHT_CLIENT_ATTACK)
    assert misbehavior_of([light])[0].kind == "light_client_attack"


def test_init_chain_answers_the_chains_genesis_validators(chain: Chain) -> None:
    want = _pb_set(*sorted([(KEY_8, POWER), (KEY_9, POWER)]))  # by consensus key
    for given in ([], list(reversed(want))):  # none (the app's), or the same in any order
        init = call(chain, init_chain=abci.RequestInitChain(chain_id="c", validators=given))
        assert list(init.validators) == want
        assert init.app_hash == chain.app.genesis_app_hash


def test_invalid_init_chain_with_other_genesis_validators(chain: Chain) -> None:
    for given in (_pb_set((KEY_9, POWER)), _pb_set((KEY_9, POWER), (KEY_8, POWER + 1))):
        response = chain.abci.handle(
            abci.Request(init_chain=abci.RequestInitChain(chain_id="c", validators=given))
        )
        assert response.WhichOneof("value") == "exception"
        assert "genesis" in response.exception.error


def test_a_double_vote_slashes_through_abci(chain: Chain) -> None:
    """CometBFT hands the block's evidence to the proposer (PrepareProposal), every validator
    (ProcessProposal) and FinalizeBlock: the marker carries it, the offender's power goes to 0
    in the block's validator updates, and a proposal that drops it is refused."""
    evidence = [_duplicate_vote(KEY_8)]
    t = T0_S * 1000
    prepared = call(
        chain,
        prepare_proposal=abci.RequestPrepareProposal(
            height=3, time=_time(t), max_tx_bytes=1 << 20, misbehavior=evidence
        ),
    )
    txs = list(prepared.txs)
    chain_kind, extra = read_marker(txs[0])
    assert chain_kind is ChainKind.FAST
    assert MarkerExtra.decode(chain_kind, extra).evidence[0].validator == consensus_address(KEY_8)
    dropped = call(
        chain,
        process_proposal=abci.RequestProcessProposal(
            height=3, time=_time(t), txs=[block_marker(ChainKind.FAST)], misbehavior=evidence
        ),
    )
    assert dropped.status == abci.ResponseProcessProposal.REJECT
    processed = call(
        chain,
        process_proposal=abci.RequestProcessProposal(
            height=3, time=_time(t), txs=txs, misbehavior=evidence
        ),
    )
    assert processed.status == abci.ResponseProcessProposal.ACCEPT
    done = call(
        chain,
        finalize_block=abci.RequestFinalizeBlock(
            height=3, time=_time(t), txs=txs, misbehavior=evidence
        ),
    )
    call(chain, commit=abci.RequestCommit())
    assert list(done.validator_updates) == _pb_set((KEY_8, 0))
    record = chain.app.state.staking.by_consensus_address(consensus_address(KEY_8))
    assert record is not None and record.jailed and record.power == 0
    assert record.slashed == DEV_VALIDATOR_BOND * 500 // 10_000


def test_finalize_block_returns_a_bonds_validator_update(chain: Chain) -> None:
    new_key = consensus_public_key(bytes([5]) * 32)
    bond = wrap(
        TxKind.SEQUENCER,
        sign_bond(dev_eth_private_key(1), new_key, DEV_VALIDATOR_BOND, 0).encode(),
    )
    assert call(chain, check_tx=abci.RequestCheckTx(tx=bond)).code == 0
    t = T0_S * 1000
    prepared = call(
        chain,
        prepare_proposal=abci.RequestPrepareProposal(
            height=1, time=_time(t), txs=[bond], max_tx_bytes=1 << 20
        ),
    )
    done = call(
        chain,
        finalize_block=abci.RequestFinalizeBlock(height=1, time=_time(t), txs=prepared.txs),
    )
    assert [r.code for r in done.tx_results] == [0, 0]
    assert list(done.validator_updates) == _pb_set((new_key, POWER))
    call(chain, commit=abci.RequestCommit())
    empty = call(
        chain,
        finalize_block=abci.RequestFinalizeBlock(height=2, time=_time(t + 5), txs=[]),
    )
    assert list(empty.validator_updates) == []  # an empty CometBFT block is no braided block


@pytest.mark.parametrize("mode", ["invalid_tx", "wrong_root"])
def test_invalid_byzantine_proposals_are_refused(chain: Chain, mode: str) -> None:
    """The test-only byzantine proposer (byzantine.py) corrupts honest proposals, and empty
    ones: an honest validator refuses each in ProcessProposal."""
    f = fast_transfer(chain.net, 0, 0)
    chain.app.check_tx(f)
    t = T0_S * 1000
    honest = chain.app.prepare_proposal(1, t, [f])
    meta = chain.app.state.bridge.meta
    for txs in (honest, []):
        bad = corrupt(mode, txs, meta.l1_height, meta.l1_timestamp, meta.next_settled_batch)
        assert bad and bad != txs
        if mode == "invalid_tx":
            assert bad[-1] == UNKNOWN_KIND_TX
        else:
            assert read_marker(bad[0])[0] is ChainKind.ZK
        status = call(
            chain,
            process_proposal=abci.RequestProcessProposal(height=1, time=_time(t), txs=bad),
        ).status
        assert status == abci.ResponseProcessProposal.REJECT
    assert chain.app.process_proposal(1, t, honest)


# -- CometBFT's home and the network's layout ----------------------------------------------------


def test_the_network_layout(tmp_path: Path) -> None:
    spec = layout(4, 20_000, chain_args=("--validators", "4"), fast_block_ms=50)
    assert [n.name for n in spec.nodes] == ["v0", "v1", "v2", "v3"]
    assert [n.account for n in spec.nodes] == [9, 8, 7, 6]
    assert [(n.api_port, n.rpc_port, n.p2p_port) for n in spec.nodes][1] == (20010, 20012, 20013)
    settings = spec.cometbft_settings("v1", spec.genesis(devnet(3, validators=4).params))
    assert settings.timeout_commit_ms == 50 and settings.moniker == "v1"
    assert len(settings.persistent_peers) == 3
    assert f"{spec.nodes[0].keys.node_id}@127.0.0.1:20003" in settings.persistent_peers
    assert settings.keys == node_keys(8)
    assert settings.genesis is not None and len(settings.genesis.validators) == 4
    spec.save(tmp_path)
    assert NetworkSpec.load(tmp_path / "network.json") == spec
    # the twin of a validator (tests' double signer): the same consensus key, another node key
    assert node_keys(6, 1).consensus_seed == node_keys(6).consensus_seed
    assert node_keys(6, 1).node_id != node_keys(6).node_id


def test_the_genesis_validator_set_is_the_apps(tmp_path: Path) -> None:
    net = devnet(3, verifying_key_hash=None, validators=4)
    app = BraidApp(net.params, LedgerStore(str(tmp_path / "n.sqlite")), net.zk_genesis)
    assert list(genesis_validator_set(net.params)) == app.validator_set()
    assert {u.consensus_key for u in app.validator_set()} >= {KEY_9, KEY_8}


def test_genesis_json() -> None:
    doc = GenesisDoc((ValidatorUpdate(KEY_9, 1000), ValidatorUpdate(KEY_8, 7)), 1_796_000_000_123)
    j = doc.to_json()
    assert j["genesis_time"] == "2026-11-30T00:53:20.123Z" and j["chain_id"] == "zkbraid-devnet"
    assert {v["address"] for v in j["validators"]} == {
        consensus_address(k).hex().upper() for k in (KEY_9, KEY_8)
    }
    assert sorted(v["power"] for v in j["validators"]) == ["1000", "7"]


@pytest.mark.skipif(not COMETBFT.exists(), reason="CometBFT is not installed")
def test_cometbft_reads_the_home_it_is_given(tmp_path: Path) -> None:
    """CometBFT itself derives the same node id and validator key from the files written."""
    subprocess.run(
        [str(COMETBFT), "init", "--home", str(tmp_path)], check=True, capture_output=True
    )
    keys = NodeKeys(dev_consensus_seed(9), bytes([3]) * 32)
    genesis = GenesisDoc((ValidatorUpdate(KEY_9, POWER),), 1_796_000_000_000)
    write_home(tmp_path, genesis, keys)

    def cometbft(*args: str) -> str:
        run = subprocess.run(
            [str(COMETBFT), *args, "--home", str(tmp_path)],
            check=True,
            capture_output=True,
            text=True,
        )
        return run.stdout.strip()

    assert cometbft("show-node-id") == node_id(bytes([3]) * 32) == keys.node_id
    shown = json.loads(cometbft("show-validator"))
    assert (
        shown["value"]
        == json.loads((tmp_path / "config" / "genesis.json").read_text())["validators"][0][
            "pub_key"
        ]["value"]
    )
    check_home(tmp_path, genesis, keys)
    check_home(tmp_path, GenesisDoc(genesis.validators), keys)  # the time is the first one's
    with pytest.raises(HomeMismatch, match="consensus key"):
        check_home(tmp_path, genesis, NodeKeys(dev_consensus_seed(8), bytes([3]) * 32))
    with pytest.raises(HomeMismatch, match="validator set"):
        check_home(tmp_path, GenesisDoc((ValidatorUpdate(KEY_8, 1),)), keys)
