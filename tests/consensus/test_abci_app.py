"""The ABCI 2.0 application over the braid application: requests built with the generated
classes, answered as CometBFT expects (heights, empty blocks, results, errors, the socket's
Flush discipline)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from zkbraid.consensus.cometbft.abci_server import (
    AbciApp,
    AbciServer,
    CheckOutcomes,
    Heights,
    HeightsLost,
    error_code,
    frame,
    read_frame,
    txs_size,
)
from zkbraid.consensus.cometbft.proto.tendermint.abci import types_pb2 as abci
from zkbraid.consensus.engine import FinalizedBlock
from zkbraid.errors import BraidError
from zkbraid.ledger.block import ChainKind
from zkbraid.ledger.envelope import TxKind, block_marker, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.zk.genesis import dev_l2_key
from zkbraid.zk.transactions import sign_transfer

T0_S = 1_800_000_000
FAST = block_marker(ChainKind.FAST)


@dataclass
class Chain:
    net: Devnet
    app: BraidApp
    store: LedgerStore
    abci: AbciApp
    checks: CheckOutcomes
    committed: list[FinalizedBlock] = field(default_factory=list)


def _chain(path: Path, net: Devnet) -> Chain:
    store = LedgerStore(str(path))
    app = BraidApp(net.params, store, net.zk_genesis)
    checks = CheckOutcomes()
    committed: list[FinalizedBlock] = []
    handler = AbciApp(app, threading.RLock(), Heights(store), committed.append, checks)
    return Chain(net, app, store, handler, checks, committed)


@pytest.fixture
def chain(tmp_path: Path) -> Chain:
    return _chain(tmp_path / "node.sqlite", devnet(3, verifying_key_hash=None))


def call(chain: Chain, **request: Any) -> Any:
    """Sends one request; returns its response's value (never an exception response)."""
    (kind,) = request
    response = chain.abci.handle(abci.Request(**request))
    assert response.WhichOneof("value") == kind, response
    return getattr(response, kind)


def fast_transfer(net: Devnet, sender: int, nonce: int) -> bytes:
    raw = Account.sign_transaction(
        {
            "to": "0x000000000000000000000000000000000000dEaD",
            "value": 1,
            "gas": 21000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 1,
            "nonce": nonce,
            "chainId": net.params.fast.chain_id,
        },
        net.accounts[sender].key,
    ).raw_transaction
    return wrap(TxKind.FAST, bytes(raw))


def zk_transfer(net: Devnet, amount: int, nonce: int) -> bytes:
    tx = sign_transfer(
        dev_l2_key(0),
        chain_id=net.params.zk.chain_id,
        from_index=0,
        to_index=1,
        token=0,
        amount=amount,
        nonce=nonce,
        fee=net.params.fees.transfer,
    )
    return wrap(TxKind.ZK, tx.encode())


def block(chain: Chain, height: int, t_ms: int, txs: list[bytes]) -> abci.ResponseFinalizeBlock:
    """CometBFT's steps of one height, the proposal the app's own; returns FinalizeBlock's."""
    seconds, ms = divmod(t_ms, 1000)
    time = {"seconds": seconds, "nanos": ms * 1_000_000 + 417}  # ns below the ms are dropped
    prepared = call(
        chain,
        prepare_proposal=abci.RequestPrepareProposal(
            height=height, time=time, txs=txs, max_tx_bytes=1 << 20
        ),
    )
    proposal = list(prepared.txs)
    processed = call(
        chain,
        process_proposal=abci.RequestProcessProposal(height=height, time=time, txs=proposal),
    )
    assert processed.status == abci.ResponseProcessProposal.ACCEPT
    done = call(
        chain,
        finalize_block=abci.RequestFinalizeBlock(height=height, time=time, txs=proposal),
    )
    call(chain, commit=abci.RequestCommit())
    return done  # type: ignore[no-any-return]


def test_a_block_through_abci(chain: Chain) -> None:
    net, app = chain.net, chain.app
    info = call(chain, info=abci.RequestInfo())
    assert (info.last_block_height, info.data) == (0, "zkbraid")
    init = call(chain, init_chain=abci.RequestInitChain(chain_id="zkbraid-devnet"))
    assert init.app_hash == app.genesis_app_hash
    f = fast_transfer(net, 0, 0)
    checked = call(chain, check_tx=abci.RequestCheckTx(tx=f, type=abci.NEW))
    assert checked.code == 0 and len(checked.data) == 32
    done = block(chain, 1, T0_S * 1000, [f])
    assert len(done.tx_results) == 2  # the chain marker, then the transfer
    assert done.tx_results[0].code == 0 and done.tx_results[1].code == 0
    assert done.tx_results[1].data == checked.data
    assert done.app_hash == app.state.app_hash() == app.info().last_app_hash
    assert [b.height for b in chain.committed] == [1]
    info = call(chain, info=abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (1, done.app_hash)
    assert chain.store.header(1) is not None


def test_empty_blocks_are_no_braided_blocks(chain: Chain) -> None:
    """CometBFT's heights go on through empty blocks; the braided height and the app hash stay,
    and the next braided block is the next braided height."""
    net, app = chain.net, chain.app
    f = fast_transfer(net, 0, 0)
    call(chain, check_tx=abci.RequestCheckTx(tx=f))
    first = block(chain, 1, T0_S * 1000, [f])
    f2 = fast_transfer(net, 0, 1)
    call(chain, check_tx=abci.RequestCheckTx(tx=f2))
    for height in (2, 3, 4):  # within the fast interval nothing is due: empty proposals
        done = block(chain, height, T0_S * 1000 + 10 * height, [f2])
        assert list(done.tx_results) == [] and done.app_hash == first.app_hash
    assert app.info().last_height == 1 and len(chain.committed) == 1
    assert call(chain, info=abci.RequestInfo()).last_block_height == 4
    # the transaction waited in the mempool, rechecked after every commit, as CometBFT does
    assert call(chain, check_tx=abci.RequestCheckTx(tx=f2, type=abci.RECHECK)).code == 0
    done = block(chain, 5, T0_S * 1000 + 150, [f2])
    assert len(done.tx_results) == 2 and done.app_hash != first.app_hash
    assert app.info().last_height == 2 and chain.store.header(2) is not None
    assert call(chain, info=abci.RequestInfo()).last_block_height == 5


def test_the_handshake_after_a_restart(tmp_path: Path) -> None:
    net = devnet(3, verifying_key_hash=None)
    chain = _chain(tmp_path / "node.sqlite", net)
    f = fast_transfer(net, 0, 0)
    call(chain, check_tx=abci.RequestCheckTx(tx=f))
    done = block(chain, 1, T0_S * 1000, [f])
    block(chain, 2, T0_S * 1000 + 5, [])
    chain.store.close()
    again = _chain(tmp_path / "node.sqlite", net)
    info = call(again, info=abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (2, done.app_hash)


def test_a_failing_transaction_is_a_result_with_its_error(chain: Chain) -> None:
    net = chain.net
    poor = zk_transfer(net, 10**30, 0)  # beyond the balance: CheckTx refuses it by name
    refused = call(chain, check_tx=abci.RequestCheckTx(tx=poor))
    assert refused.code != 0 and refused.codespace == "InsufficientBalance" and refused.log
    # a proposer may still include it: it fails in its block, with its error
    zk = block_marker(ChainKind.ZK)
    time = {"seconds": T0_S}
    accepted = call(
        chain,
        process_proposal=abci.RequestProcessProposal(height=1, time=time, txs=[zk, poor]),
    )
    assert accepted.status == abci.ResponseProcessProposal.ACCEPT
    done = call(
        chain, finalize_block=abci.RequestFinalizeBlock(height=1, time=time, txs=[zk, poor])
    )
    call(chain, commit=abci.RequestCommit())
    result = done.tx_results[1]
    assert result.code != 0 and result.codespace == "InsufficientBalance" and result.log


def test_invalid_proposal_is_rejected(chain: Chain) -> None:
    z = zk_transfer(chain.net, 1, 0)
    for txs in ([FAST, z], [z], [b"\x09"]):
        status = call(
            chain,
            process_proposal=abci.RequestProcessProposal(height=1, time={"seconds": T0_S}, txs=txs),
        ).status
        assert status == abci.ResponseProcessProposal.REJECT


def test_recheck_drops_and_wakes_the_waiters(chain: Chain) -> None:
    net = chain.net
    f = fast_transfer(net, 0, 0)
    call(chain, check_tx=abci.RequestCheckTx(tx=f))
    block(chain, 1, T0_S * 1000, [f])
    # the same nonce again, once ordered: a recheck refuses it, and the next (empty) commit
    # tells the node, whose waiters then find it dropped
    stale = fast_transfer(net, 0, 0)
    rechecked = call(chain, check_tx=abci.RequestCheckTx(tx=stale, type=abci.RECHECK))
    assert rechecked.code != 0
    block(chain, 2, T0_S * 1000 + 10, [])
    assert len(chain.committed) == 2 and chain.committed[-1].tx_results == []
    block(chain, 3, T0_S * 1000 + 20, [])
    assert len(chain.committed) == 2


def test_check_outcomes_reach_the_broadcast(chain: Chain) -> None:
    net = chain.net
    good, poor = fast_transfer(net, 1, 0), zk_transfer(net, 10**30, 0)
    chain.checks.expect(good)
    chain.checks.expect(poor)
    call(chain, check_tx=abci.RequestCheckTx(tx=good))
    call(chain, check_tx=abci.RequestCheckTx(tx=poor))
    tx_hash, error = chain.checks.take(good), chain.checks.take(poor)
    assert isinstance(tx_hash, bytes) and len(tx_hash) == 32
    assert isinstance(error, BraidError) and error.name == "InsufficientBalance"
    assert error_code(error) == -error.code > 0
    assert chain.checks.take(good) is None  # taken once; unawaited ones are never kept


def test_proposals_fit_max_tx_bytes(chain: Chain) -> None:
    net = chain.net
    txs = [fast_transfer(net, 0, n) for n in range(5)]
    for t in txs:
        call(chain, check_tx=abci.RequestCheckTx(tx=t))
    limit = txs_size([FAST, *txs[:3]])
    prepared = call(
        chain,
        prepare_proposal=abci.RequestPrepareProposal(
            height=1, time={"seconds": T0_S}, txs=txs, max_tx_bytes=limit
        ),
    )
    assert list(prepared.txs) == [FAST, *txs[:3]]


def test_vote_extensions_are_empty_and_accepted(chain: Chain) -> None:
    assert call(chain, extend_vote=abci.RequestExtendVote(height=1)).vote_extension == b""
    verified = call(chain, verify_vote_extension=abci.RequestVerifyVoteExtension(height=1))
    assert verified.status == abci.ResponseVerifyVoteExtension.ACCEPT


def test_state_sync_is_not_offered(chain: Chain) -> None:
    assert list(call(chain, list_snapshots=abci.RequestListSnapshots()).snapshots) == []
    offered = call(chain, offer_snapshot=abci.RequestOfferSnapshot())
    assert offered.result == abci.ResponseOfferSnapshot.REJECT
    assert call(chain, load_snapshot_chunk=abci.RequestLoadSnapshotChunk()).chunk == b""
    applied = call(chain, apply_snapshot_chunk=abci.RequestApplySnapshotChunk())
    assert applied.result == abci.ResponseApplySnapshotChunk.ABORT
    assert call(chain, echo=abci.RequestEcho(message="hi")).message == "hi"
    assert call(chain, query=abci.RequestQuery(path="/")).value == chain.app.genesis_app_hash


def test_invalid_commit_without_finalize_is_an_exception(chain: Chain) -> None:
    response = chain.abci.handle(abci.Request(commit=abci.RequestCommit()))
    assert response.WhichOneof("value") == "exception" and "FinalizeBlock" in (
        response.exception.error
    )
    assert chain.abci.failure is not None


class MemoryMeta:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def meta(self, key: str) -> str | None:
        return self.values.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.values[key] = value


def test_heights_survive_a_death_between_record_and_commit() -> None:
    store = MemoryMeta()
    heights = Heights(store)
    assert heights.cometbft_height(0) == 0
    heights.record(0, 1)  # empty blocks before the first braided one
    heights.record(1, 2)
    heights.record(1, 3)
    heights.record(1, 4)
    heights.record(2, 5)  # written, then the node dies before the app commits block 2
    again = Heights(store)
    assert again.cometbft_height(2) == 5  # it committed: CometBFT goes on after 5
    assert again.cometbft_height(1) == 4  # it did not: CometBFT replays 5
    with pytest.raises(HeightsLost):
        again.cometbft_height(7)


def test_invalid_heights_of_another_engine(tmp_path: Path) -> None:
    with pytest.raises(HeightsLost):
        Heights(MemoryMeta()).cometbft_height(3)  # blocks the solo engine ordered


# -- the socket server -------------------------------------------------------------------------


@pytest.fixture
def served(chain: Chain) -> Iterator[tuple[Chain, socket.socket]]:
    server = AbciServer(chain.abci, "tcp://127.0.0.1:0")
    server.start()
    host, port = server.address.removeprefix("tcp://").split(":")
    conn = socket.create_connection((host, int(port)))
    yield chain, conn
    conn.close()
    server.stop()


def _recv_frames(conn: socket.socket, n: int) -> list[abci.Response]:
    reader = conn.makefile("rb")
    out = []
    for _ in range(n):
        body = read_frame(reader)
        assert body is not None
        response = abci.Response()
        response.ParseFromString(body)
        out.append(response)
    return out


def test_answers_are_written_out_on_flush_in_order(
    served: tuple[Chain, socket.socket],
) -> None:
    chain, conn = served
    f = fast_transfer(chain.net, 0, 0)
    requests = [
        abci.Request(echo=abci.RequestEcho(message="one")),
        abci.Request(info=abci.RequestInfo()),
        abci.Request(check_tx=abci.RequestCheckTx(tx=f)),
        abci.Request(check_tx=abci.RequestCheckTx(tx=b"\x09")),
    ]
    conn.sendall(b"".join(frame(r.SerializeToString()) for r in requests))
    conn.settimeout(0.3)
    with pytest.raises(TimeoutError):
        conn.recv(1)  # nothing before the Flush
    conn.settimeout(5)
    conn.sendall(frame(abci.Request(flush=abci.RequestFlush()).SerializeToString()))
    responses = _recv_frames(conn, 5)
    kinds = [r.WhichOneof("value") for r in responses]
    assert kinds == ["echo", "info", "check_tx", "check_tx", "flush"]
    assert responses[0].echo.message == "one"
    assert responses[2].check_tx.code == 0
    assert responses[3].check_tx.codespace == "MalformedEnvelope"


def test_unix_socket(tmp_path: Path, chain: Chain) -> None:
    path = tmp_path / "abci.sock"
    server = AbciServer(chain.abci, f"unix://{path}")
    server.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(path))
            conn.sendall(
                frame(abci.Request(echo=abci.RequestEcho(message="u")).SerializeToString())
                + frame(abci.Request(flush=abci.RequestFlush()).SerializeToString())
            )
            echo, flush = _recv_frames(conn, 2)
            assert echo.echo.message == "u" and flush.HasField("flush")
    finally:
        server.stop()
    assert not path.exists()
