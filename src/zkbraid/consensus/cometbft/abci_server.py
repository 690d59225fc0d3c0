"""The ABCI 2.0 socket server: CometBFT drives the node's `Application` through it.

The protocol (CometBFT v0.38, abci/types/messages.go): every message is an unsigned-varint
length, then a `Request` or `Response` protobuf (the bindings are generated from CometBFT's own
.proto files, `protogen.py`). CometBFT opens four connections (consensus, mempool, query,
snapshot), sends requests on each in order and buffers them until it sends `Flush`: each request
is answered in order, and the answers are written out when the `Flush` is answered. A missing
Flush answer halts the chain silently; a wrong response type, an exception response or a closed
connection shuts CometBFT down, which is what a failing block should do.

`AbciApp` answers one request at a time, holding the node's lock for every call into the
application (the API's handlers take the same lock, so they never see a block half-executed).
Heights: CometBFT's blocks are numbered one after the other, braided blocks too, but an empty
CometBFT block is no braided block (node/app.py), so the two heights differ. The application
is given braided heights (its head's plus one); the CometBFT height it has processed is kept in
the node's store (`Heights`), written before the application commits, for Info's handshake.

Proof of stake: InitChain answers with the chain's genesis validators (CometBFT's genesis.json
must list the same, home.py writes it so); the misbehaviour CometBFT hands PrepareProposal,
ProcessProposal and FinalizeBlock (the evidence the block carries) goes to the application,
which copies it into the braided block and slashes from it; FinalizeBlock returns the block's
validator updates (ed25519 key and power), which CometBFT applies two heights later.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp

from zkbraid import __version__
from zkbraid.consensus.cometbft.proto.tendermint.abci import types_pb2 as abci
from zkbraid.consensus.cometbft.proto.tendermint.crypto import keys_pb2
from zkbraid.consensus.cometbft.proto.tendermint.types.validator_pb2 import BLOCK_ID_FLAG_COMMIT
from zkbraid.consensus.engine import Application, FinalizedBlock, Misbehavior, ValidatorUpdate
from zkbraid.errors import BraidError

log = logging.getLogger("zkbraid.abci")

APP_VERSION = 1
"""The application's protocol version, reported in Info (CometBFT records it in its state)."""
MAX_MESSAGE_BYTES = 128 * 1024 * 1024
"""The largest message read: a FinalizeBlock carries a whole block (22 MB by default)."""


# -- framing -----------------------------------------------------------------------------------


class Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


class FramingError(ValueError):
    """Bytes on an ABCI connection that are not a length-prefixed message."""


def encode_varint(n: int) -> bytes:
    """The unsigned varint of `n` (protobuf's, Go's binary.PutUvarint)."""
    if n < 0:
        raise ValueError("an unsigned varint cannot encode a negative number")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def read_varint(stream: Readable) -> int | None:
    """Reads one unsigned varint; None at the end of the stream before its first byte.

    Raises FramingError: the stream ends inside the varint, or it is longer than 10 bytes.
    """
    result = shift = 0
    for i in range(10):
        byte = stream.read(1)
        if not byte:
            if i == 0:
                return None
            raise FramingError("the connection closed inside a length prefix")
        result |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return result
        shift += 7
    raise FramingError("a length prefix longer than 10 bytes")


def frame(message: bytes) -> bytes:
    """A message with its length prefix."""
    return encode_varint(len(message)) + message


def read_frame(stream: Readable, limit: int = MAX_MESSAGE_BYTES) -> bytes | None:
    """Reads one length-prefixed message; None at the end of the stream between messages.

    Raises FramingError: a message longer than `limit`, or cut short.
    """
    length = read_varint(stream)
    if length is None:
        return None
    if length > limit:
        raise FramingError(f"a message of {length} bytes exceeds the limit of {limit}")
    body = stream.read(length)
    if len(body) != length:
        raise FramingError(f"the connection closed {length - len(body)} bytes into a message")
    return body


def txs_size(txs: list[bytes]) -> int:
    """The bytes `txs` take in a block's data (CometBFT's ComputeProtoSizeForTxs): each is a
    field 1 of `Data`, a tag byte, its length and itself."""
    return sum(1 + len(encode_varint(len(tx))) + len(tx) for tx in txs)


def time_ms(ts: Timestamp) -> int:
    """A block's time (google.protobuf.Timestamp) in milliseconds, as the block transition
    reads it."""
    return int(ts.seconds) * 1000 + int(ts.nanos) // 1_000_000


# -- staking: misbehaviour in, validator updates out -------------------------------------------

MISBEHAVIOR_KINDS = {
    abci.DUPLICATE_VOTE: "duplicate_vote",
    abci.LIGHT_CLIENT_ATTACK: "light_client_attack",
}
"""ABCI's MisbehaviorType as the engine interface names it (consensus/engine.py)."""


def misbehavior_of(items: Iterable[abci.Misbehavior]) -> list[Misbehavior]:
    """A request's misbehaviour (the evidence its block carries) for the application, in
    CometBFT's order; a kind the interface does not name is "unknown" (the app ignores it)."""
    return [
        Misbehavior(
            kind=MISBEHAVIOR_KINDS.get(m.type, "unknown"),
            validator=bytes(m.validator.address),
            height=int(m.height),
            time_ms=time_ms(m.time),
            total_voting_power=int(m.total_voting_power),
        )
        for m in items
    ]


def validator_update_pb(update: ValidatorUpdate) -> abci.ValidatorUpdate:
    """A validator update as ABCI carries it: the ed25519 public key and the power."""
    return abci.ValidatorUpdate(
        pub_key=keys_pb2.PublicKey(ed25519=update.consensus_key), power=update.power
    )


class GenesisMismatch(RuntimeError):
    """CometBFT's genesis validators (its genesis.json) are not the chain's."""


# -- heights -----------------------------------------------------------------------------------


class MetaStore(Protocol):
    """Where `Heights` keeps its record (the node's LedgerStore)."""

    def meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


class HeightsLost(RuntimeError):
    """The store's braided head has no recorded CometBFT height: the data dir was ordered by
    another engine (solo), or the record was removed."""


@dataclass(frozen=True)
class HeightRecord:
    braided: int
    """The application's head height after the CometBFT block."""
    cometbft: int
    """The CometBFT height of the last block processed at that head."""


class Heights:
    """The CometBFT height the application has processed, by its braided head.

    Two records are kept: the newest, and the newest with a lower braided height. The record of
    a block that makes a braided block is written before the application commits it; if the
    node dies between the two, the head is still the previous one, whose record is the second,
    and CometBFT replays the block. Empty CometBFT blocks update the newest record in place (a
    lost update only makes CometBFT replay some empty blocks).
    """

    KEY = "cometbft_heights"

    def __init__(self, store: MetaStore) -> None:
        self._store = store
        raw = store.meta(self.KEY)
        records = [] if raw is None else [HeightRecord(*r) for r in json.loads(raw)]
        self._newest = records[0] if records else None
        self._before = records[1] if len(records) > 1 else None

    def cometbft_height(self, braided_head: int) -> int:
        """The CometBFT height of the last block processed with `braided_head` as the head.

        Raises HeightsLost.
        """
        for record in (self._newest, self._before):
            if record is not None and record.braided == braided_head:
                return record.cometbft
        if braided_head == 0:
            return 0
        raise HeightsLost(
            f"no CometBFT height is recorded for braided block {braided_head}: this data dir was"
            " not ordered by CometBFT (start a new devnet with --reset)"
        )

    def record(self, braided_head: int, cometbft_height: int) -> None:
        """Records that CometBFT block `cometbft_height` leaves the head at `braided_head`."""
        newest = HeightRecord(braided_head, cometbft_height)
        if self._newest is not None and self._newest.braided != braided_head:
            self._before = self._newest
        self._newest = newest
        records = [r for r in (self._newest, self._before) if r is not None]
        self._store.set_meta(self.KEY, json.dumps([[r.braided, r.cometbft] for r in records]))


# -- CheckTx outcomes for the engine's broadcasts ---------------------------------------------


CheckOutcome = bytes | BraidError
"""A checked transaction's hash, or the named error that refused it."""


class CheckOutcomes:
    """Hands the outcome of CheckTx to the broadcast that is waiting for it (the engine), so a
    refused transaction raises the very error the application raised, as the solo engine's
    broadcast does. Only awaited transactions are kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._awaited: dict[bytes, CheckOutcome | None] = {}

    def expect(self, raw: bytes) -> None:
        with self._lock:
            self._awaited[raw] = None

    def record(self, raw: bytes, outcome: CheckOutcome) -> None:
        with self._lock:
            if raw in self._awaited:
                self._awaited[raw] = outcome

    def take(self, raw: bytes) -> CheckOutcome | None:
        with self._lock:
            return self._awaited.pop(raw, None)


# -- the application side ----------------------------------------------------------------------


class AbciApp:
    """Answers ABCI requests by driving an `Application`, one request at a time."""

    def __init__(
        self,
        app: Application,
        lock: threading.RLock,
        heights: Heights,
        on_commit: Callable[[FinalizedBlock], None] = lambda _: None,
        checks: CheckOutcomes | None = None,
        on_dropped: Callable[[bytes], None] = lambda _: None,
        validator_set: Callable[[], Sequence[ValidatorUpdate]] | None = None,
    ) -> None:
        """`on_commit` runs after every Commit that made a braided block, and after an empty
        one when a recheck has dropped transactions since (their waiters wake); `on_dropped`
        with each transaction a recheck refuses; `validator_set` gives the chain's validator set
        (BraidApp.validator_set), which InitChain answers with (None, or an empty set: the
        chain has none of its own and CometBFT keeps its genesis file's)."""
        self._app = app
        self._validator_set = validator_set
        self._lock = lock
        self._heights = heights
        self._on_commit = on_commit
        self._checks = checks or CheckOutcomes()
        self._on_dropped = on_dropped
        self._serial = threading.Lock()
        self._finalized: tuple[int, FinalizedBlock, bool] | None = None
        """The CometBFT height, the block and whether it is a braided block, until Commit."""
        self._dropped = False
        self.failure: BaseException | None = None
        """The first unexpected error of a request (CometBFT was answered with an exception
        and stops)."""
        from zkbraid.consensus.cometbft.byzantine import mode_from_env

        self._byzantine = mode_from_env()
        """TEST-ONLY (byzantine.py): how this node corrupts its proposals; None: it does not."""

    def handle(self, request: abci.Request) -> abci.Response:
        """The response to one request (an exception response when answering it failed)."""
        kind = request.WhichOneof("value")
        try:
            if kind is None:
                raise ValueError("a request without a value")
            handler = getattr(self, f"_{kind}", None)
            if handler is None:
                raise ValueError(f"unknown request {kind}")
            with self._serial:
                response = handler(getattr(request, kind))
            return abci.Response(**{kind: response})
        except Exception as e:
            log.exception("answering ABCI %s failed", kind)
            if self.failure is None:
                self.failure = e
            return abci.Response(exception=abci.ResponseException(error=f"{kind}: {e}"))

    # -- connection and state queries -------------------------------------------------------

    def _echo(self, req: abci.RequestEcho) -> abci.ResponseEcho:
        return abci.ResponseEcho(message=req.message)

    def _flush(self, req: abci.RequestFlush) -> abci.ResponseFlush:
        return abci.ResponseFlush()

    def _info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        with self._lock:
            info = self._app.info()
        return abci.ResponseInfo(
            data="zkbraid",
            version=__version__,
            app_version=APP_VERSION,
            last_block_height=self._heights.cometbft_height(info.last_height),
            last_block_app_hash=info.last_app_hash,
        )

    def _init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        # The chain's genesis is the node's own (its chain parameters): CometBFT's genesis
        # carries no app state. The validators are the chain's genesis validators: CometBFT's
        # genesis.json must list the same ones (consensus/cometbft/home.py writes it so), or
        # none, and InitChain answers with them.
        with self._lock:
            info = self._app.info()
            ours = [] if self._validator_set is None else list(self._validator_set())
        if info.last_height != 0:
            raise HeightsLost(f"InitChain for an application at braided block {info.last_height}")
        if not ours:
            return abci.ResponseInitChain(app_hash=info.last_app_hash)
        theirs = sorted((bytes(v.pub_key.ed25519), int(v.power)) for v in req.validators)
        want = sorted((u.consensus_key, u.power) for u in ours)
        if theirs and theirs != want:
            raise GenesisMismatch(
                f"CometBFT's genesis lists {len(theirs)} validators"
                f" ({', '.join(f'0x{k.hex()[:12]}…:{p}' for k, p in theirs)}), the chain's genesis"
                f" {len(want)} ({', '.join(f'0x{k.hex()[:12]}…:{p}' for k, p in want)})"
            )
        return abci.ResponseInitChain(
            app_hash=info.last_app_hash, validators=[validator_update_pb(u) for u in ours]
        )

    def _query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        with self._lock:
            info = self._app.info()
        return abci.ResponseQuery(
            code=0,
            value=info.last_app_hash,
            height=self._heights.cometbft_height(info.last_height),
            log="the app hash; the node's JSON-RPC API serves the chain's state",
        )

    # -- the mempool -----------------------------------------------------------------------

    def _check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        recheck = req.type == abci.RECHECK
        try:
            with self._lock:
                tx_hash = self._app.check_tx(req.tx, recheck=recheck)
        except BraidError as e:
            if recheck:
                self._dropped = True
                self._on_dropped(req.tx)
            else:
                self._checks.record(req.tx, e)
            return abci.ResponseCheckTx(code=error_code(e), log=str(e), codespace=e.name)
        if not recheck:
            self._checks.record(req.tx, tx_hash)
        return abci.ResponseCheckTx(code=0, data=tx_hash)

    # -- proposals -------------------------------------------------------------------------

    def _next_height(self) -> int:
        return self._app.info().last_height + 1

    def _prepare_proposal(self, req: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        with self._lock:
            # the last commit's vote extensions: the validators' attestations (sequencer/
            # attestations.py), put on chain by this proposal
            extensions = [
                (bytes(v.validator.address), bytes(v.vote_extension))
                for v in req.local_last_commit.votes
                if v.block_id_flag == BLOCK_ID_FLAG_COMMIT and v.vote_extension
            ]
            txs = self._app.prepare_proposal(
                self._next_height(),
                time_ms(req.time),
                list(req.txs),
                misbehavior=misbehavior_of(req.misbehavior),
                vote_extensions=extensions,
            )
            if self._byzantine is not None:
                txs = self._corrupt(txs)  # TEST-ONLY (byzantine.py)
        # CometBFT refuses (and stops on) a proposal beyond max_tx_bytes: keep the longest
        # prefix that fits (a prefix of a valid block is a valid block)
        while txs and txs_size(txs) > req.max_tx_bytes:
            txs = txs[:-1] if len(txs) > 1 else []
        return abci.ResponsePrepareProposal(txs=txs)

    def _corrupt(self, txs: list[bytes]) -> list[bytes]:
        """TEST-ONLY: this node's proposal made byzantine (byzantine.py)."""
        from zkbraid.consensus.cometbft.byzantine import corrupt

        assert self._byzantine is not None
        meta = self._app.state.bridge.meta  # type: ignore[attr-defined]  # a BraidApp
        corrupted = corrupt(
            self._byzantine, txs, meta.l1_height, meta.l1_timestamp, meta.next_settled_batch
        )
        log.warning("TEST-ONLY: proposing a corrupt block (%s)", self._byzantine)
        return corrupted

    def _process_proposal(self, req: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        with self._lock:
            ok = self._app.process_proposal(
                self._next_height(),
                time_ms(req.time),
                list(req.txs),
                misbehavior=misbehavior_of(req.misbehavior),
            )
        status = abci.ResponseProcessProposal.ACCEPT if ok else abci.ResponseProcessProposal.REJECT
        return abci.ResponseProcessProposal(status=status)

    def _extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        """This validator's attestations of the bundled batches not yet attested."""
        with self._lock:
            extension = self._app.extend_vote(self._next_height())
        return abci.ResponseExtendVote(vote_extension=extension)

    def _verify_vote_extension(
        self, req: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        """ACCEPT or REJECT (never UNKNOWN: CometBFT panics on it)."""
        with self._lock:
            ok = self._app.verify_vote_extension(
                self._next_height(), bytes(req.validator_address), bytes(req.vote_extension)
            )
        status = abci.ResponseVerifyVoteExtension
        return status(status=status.ACCEPT if ok else status.REJECT)

    # -- blocks ----------------------------------------------------------------------------

    def _finalize_block(self, req: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        if self._finalized is not None:
            raise RuntimeError(f"FinalizeBlock {req.height} before Commit of {self._finalized[0]}")
        txs = list(req.txs)
        with self._lock:
            head = self._app.info().last_height
            block = self._app.finalize_block(
                head + 1, time_ms(req.time), txs, misbehavior=misbehavior_of(req.misbehavior)
            )
        results = [] if not txs else [abci.ExecTxResult(code=0, info="block marker")]
        for r in block.tx_results:
            if r.ok:
                results.append(abci.ExecTxResult(code=0, data=r.hash))
            else:
                name, _, message = (r.error or "").partition(": ")
                results.append(abci.ExecTxResult(code=1, data=r.hash, log=message, codespace=name))
        if len(results) != len(txs):
            raise RuntimeError(
                f"block {req.height}: {len(results)} results for {len(txs)} transactions"
            )
        self._finalized = (req.height, block, block.height != head)
        return abci.ResponseFinalizeBlock(
            tx_results=results,
            app_hash=block.app_hash,
            # CometBFT applies them two heights later (H+2's validators are H's result)
            validator_updates=[validator_update_pb(u) for u in block.validator_updates],
        )

    def _commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        if self._finalized is None:
            raise RuntimeError("Commit without FinalizeBlock")
        height, block, braided = self._finalized
        with self._lock:
            self._heights.record(block.height, height)  # before the app's commit: see Heights
            self._app.commit()
        self._finalized = None
        if braided or self._dropped:
            self._dropped = False
            self._on_commit(block)
        return abci.ResponseCommit(retain_height=0)  # the node keeps every block

    # -- state sync: not offered -----------------------------------------------------------

    def _list_snapshots(self, req: abci.RequestListSnapshots) -> abci.ResponseListSnapshots:
        return abci.ResponseListSnapshots()

    def _offer_snapshot(self, req: abci.RequestOfferSnapshot) -> abci.ResponseOfferSnapshot:
        return abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.REJECT)

    def _load_snapshot_chunk(
        self, req: abci.RequestLoadSnapshotChunk
    ) -> abci.ResponseLoadSnapshotChunk:
        return abci.ResponseLoadSnapshotChunk()

    def _apply_snapshot_chunk(
        self, req: abci.RequestApplySnapshotChunk
    ) -> abci.ResponseApplySnapshotChunk:
        return abci.ResponseApplySnapshotChunk(result=abci.ResponseApplySnapshotChunk.ABORT)


def error_code(e: BraidError) -> int:
    """A rejection's ABCI code (non-zero): its JSON-RPC code, negated."""
    return max(1, -e.code)


# -- the socket server -------------------------------------------------------------------------


class AbciServer:
    """Serves `AbciApp` on a TCP port (`tcp://host:port`) or a unix socket (`unix://path`),
    a thread per connection."""

    def __init__(self, handler: AbciApp, address: str = "tcp://127.0.0.1:0") -> None:
        self.handler = handler
        self._requested = address
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closing = False
        self.address = address
        """Where it listens, once started (a TCP port 0 is replaced by the one chosen)."""

    def start(self) -> None:
        """Listens and accepts connections in a thread."""
        scheme, _, rest = self._requested.partition("://")
        if scheme == "unix":
            with_path = rest
            if os.path.exists(with_path):
                os.unlink(with_path)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(with_path)
        elif scheme == "tcp":
            host, _, port = rest.rpartition(":")
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, int(port)))
            self.address = f"tcp://{host}:{listener.getsockname()[1]}"
        else:
            raise ValueError(f"an ABCI address is tcp://host:port or unix://path, not {scheme!r}")
        listener.listen(8)
        self._listener = listener
        self._spawn(self._accept, "abci-accept")

    def stop(self) -> None:
        """Closes the listener and every connection, and waits for their threads."""
        self._closing = True
        for s in [*self._conns, self._listener]:
            if s is not None:
                with contextlib.suppress(OSError):  # already closed by the peer
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=5)
        if self._requested.startswith("unix://") and os.path.exists(self._requested[7:]):
            os.unlink(self._requested[7:])

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._closing:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if conn.family == socket.AF_INET:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conns.append(conn)
            self._spawn(self._serve, f"abci-conn-{len(self._conns)}", conn)

    def _serve(self, conn: socket.socket) -> None:
        """Answers one connection's requests in order, writing the answers out on Flush."""
        reader = conn.makefile("rb", buffering=1 << 16)
        pending = bytearray()
        try:
            while True:
                body = read_frame(reader)
                if body is None:
                    return
                request = abci.Request()
                request.ParseFromString(body)
                response = self.handler.handle(request)
                pending += frame(response.SerializeToString())
                if request.WhichOneof("value") == "flush" or response.HasField("exception"):
                    conn.sendall(pending)
                    pending.clear()
        except (FramingError, DecodeError) as e:
            log.error("closing an ABCI connection: %s", e)
        except OSError as e:
            if not self._closing:
                log.error("an ABCI connection failed: %s", e)
        finally:
            reader.close()
            conn.close()
