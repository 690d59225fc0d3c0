"""The hybrid through the block transition (sequencer/hybrid.py, docs/hybrid.md): a MoveToFast
is credited by the next fast block, a fast-chain exit is paid by the next ZK block's
MoveFromFast, a game's report becomes GameMints; a fast chain that forges exits beyond the
escrow or reports beyond a round's cap gets them refused, with the escrow and the cap intact,
and a replica replaying the blocks agrees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from tests.unit.node.test_app import FAST_ID, T0, _app, run_block
from zkbraid.errors import BraidError
from zkbraid.fast.system_contracts import FAST_EXIT, GAME_REPORTS, load_system_artifact
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.node.replay import replay
from zkbraid.sequencer.hybrid import Status
from zkbraid.zk.genesis import dev_eth_address, dev_l2_key
from zkbraid.zk.transactions import (
    MoveFromFast,
    sign_create_collection,
    sign_move_to_fast,
)

GAME = 7  # the collection id
W3 = Web3()


@pytest.fixture
def net() -> Devnet:
    return devnet(4, verifying_key_hash=None)


class Clock:
    """Block times 150 ms apart: past both the fast and the hybrid ZK interval."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> int:
        self.t += 150
        return self.t


def _fast_call(net: Devnet, sender: int, nonce: int, to: bytes, data: str, value: int = 0) -> bytes:
    raw = (
        net.accounts[sender]
        .sign_transaction(
            {
                "to": Web3.to_checksum_address(to),
                "value": value,
                "data": data,
                "gas": 500_000,
                "maxFeePerGas": 10**10,
                "maxPriorityFeePerGas": 0,
                "nonce": nonce,
                "chainId": FAST_ID,
            }
        )
        .raw_transaction
    )
    return wrap(TxKind.FAST, bytes(raw))


def _encode(name: str, fn: str, *args: Any) -> str:
    contract = W3.eth.contract(abi=load_system_artifact(name).abi)
    data: str = contract.encode_abi(fn, args=list(args))
    return data


def _zk(tx: Any) -> bytes:
    return wrap(TxKind.ZK, tx.encode())


def _run(app: BraidApp, clock: Clock, txs: list[bytes]) -> list[bytes]:
    for raw in txs:
        app.check_tx(raw)
    return run_block(app, clock(), txs)


def test_moves_both_ways_and_an_exit_beyond_the_escrow(tmp_path: Path, net: Devnet) -> None:
    app, clock = _app(tmp_path, net), Clock()
    fees = net.params.fees
    alice = dev_eth_address(1)
    fast_before = app.fast.account(alice).balance
    move = sign_move_to_fast(
        dev_l2_key(1), chain_id=net.params.zk.chain_id, from_index=1, amount=100, nonce=0,
        fee=fees.move_to_fast,
    )  # fmt: skip
    zk_before = app.zk.balance(1, 0)
    _run(app, clock, [_zk(move)])  # the ZK block: debited into the escrow
    assert app.zk.balance(1, 0) == zk_before - 100 and app.zk.escrow_balance(0) == 100
    assert app.state.hybrid.has_fast_news()
    _run(app, clock, [])  # the next fast block: credited, and the root in the oracle
    assert app.fast.account(alice).balance == fast_before + 100
    assert not app.state.hybrid.has_fast_news()

    # back: 60 exit to account 1 and are paid out of the escrow by the next ZK block
    exit_60 = _fast_call(net, 1, 0, FAST_EXIT, _encode("FastExit", "exit", 1), value=60)
    _run(app, clock, [exit_60])
    assert [e.exit_id for e in app.state.hybrid.pending_exits()] == [0]
    proposal = _run(app, clock, [])
    assert len(proposal) == 2  # the marker and one MoveFromFast
    assert app.zk.balance(1, 0) == zk_before - 40 and app.zk.escrow_balance(0) == 40
    paid = app.state.hybrid.exit(0)
    assert paid is not None and paid.status is Status.DONE and paid.settled_by

    # a forged exit (coin the fast chain made itself) beyond the escrow: refused, nothing paid
    exit_41 = _fast_call(net, 2, 0, FAST_EXIT, _encode("FastExit", "exit", 2), value=41)
    _run(app, clock, [exit_41])
    balance_2 = app.zk.balance(2, 0)
    _run(app, clock, [])
    refused = app.state.hybrid.exit(1)
    assert refused is not None and refused.status is Status.REFUSED
    assert refused.reason.startswith(b"EscrowInsufficient")
    assert app.zk.escrow_balance(0) == 40 and app.zk.balance(2, 0) == balance_2
    assert app.state.hybrid.pending_exits() == []
    assert _run(app, clock, []) == []  # nothing left to do

    # an exit to an index that is no account: refused when observed
    exit_nobody = _fast_call(net, 2, 1, FAST_EXIT, _encode("FastExit", "exit", 999), value=5)
    _run(app, clock, [exit_nobody])
    nobody = app.state.hybrid.exit(2)
    assert nobody is not None and nobody.status is Status.REFUSED
    assert app.state.hybrid.pending_exits() == []

    # users cannot submit a MoveFromFast: the proposer makes it
    forged = MoveFromFast(net.params.zk.chain_id, 0, 3, 0, 1)
    with pytest.raises(BraidError) as e:
        app.check_tx(_zk(forged))
    assert e.value.name == "ProposerOnly"

    replica = BraidApp(net.params, LedgerStore(str(tmp_path / "replica.sqlite")), net.zk_genesis)
    replay(app.store, replica)
    assert replica.info() == app.info()


def test_a_games_report_mints_at_most_the_cap(tmp_path: Path, net: Devnet) -> None:
    app, clock = _app(tmp_path, net), Clock()
    game = dev_eth_address(2)  # the reporting contract: here dev 2's account calls directly
    create = sign_create_collection(
        dev_l2_key(0), chain_id=net.params.zk.chain_id, creator_index=0, collection_id=GAME,
        minter=game, cap=2, nonce=0, fee=net.params.fees.create_collection,
    )  # fmt: skip
    _run(app, clock, [_zk(create)])
    _run(app, clock, [])
    winners = [dev_eth_address(0), dev_eth_address(1), dev_eth_address(3)]
    report = _encode("GameReports", "report", GAME, 1, winners, [11, 12, 13])
    impostor = _encode("GameReports", "report", GAME, 1, [dev_eth_address(1)], [14])
    nobody = _encode("GameReports", "report", GAME, 1, [b"\x42" * 20], [15])
    _run(
        app,
        clock,
        [
            _fast_call(net, 2, 0, GAME_REPORTS, report),
            _fast_call(net, 1, 0, GAME_REPORTS, impostor),
            _fast_call(net, 2, 1, GAME_REPORTS, nobody),
        ],
    )
    hybrid = app.state.hybrid
    assert [p.report_id for p in hybrid.pending_prizes()] == [0, 1, 2, 3]
    no_account = hybrid.prize(4)
    assert no_account is not None and no_account.status is Status.REFUSED
    _run(app, clock, [])  # the ZK block of four GameMints
    statuses = [hybrid.prize(i) for i in range(4)]
    assert [p.status if p else None for p in statuses] == [
        Status.DONE, Status.DONE, Status.REFUSED, Status.REFUSED,
    ]  # fmt: skip
    assert statuses[2] is not None and statuses[2].reason.startswith(b"RoundCapReached")
    assert statuses[3] is not None and statuses[3].reason.startswith(b"NotCollectionGame")
    collection = app.zk.collection(GAME)
    assert collection is not None and (collection.round, collection.minted) == (1, 2)
    minted = [app.zk.nft(i) for i in range(2)]
    assert [(n.owner, n.collection_id, n.content_hash) for n in minted if n] == [
        (0, GAME, 11), (1, GAME, 12),
    ]  # fmt: skip
    assert app.zk.nft(2) is None
