"""The ABCI socket protocol's framing: unsigned-varint length, then the message (vectors are
Go's binary.PutUvarint and the bytes CometBFT v0.38 writes)."""

from __future__ import annotations

import io

import pytest

from zkbraid.consensus.cometbft.abci_server import (
    FramingError,
    encode_varint,
    frame,
    read_frame,
    read_varint,
    time_ms,
    txs_size,
)
from zkbraid.consensus.cometbft.proto.tendermint.abci import types_pb2 as abci

VARINTS = [
    (0, "00"),
    (1, "01"),
    (127, "7f"),
    (128, "8001"),
    (300, "ac02"),
    (16_384, "808001"),
    (2**32, "8080808010"),
    (2**64 - 1, "ffffffffffffffffff01"),
]


@pytest.mark.parametrize(("n", "hexed"), VARINTS)
def test_varints(n: int, hexed: str) -> None:
    assert encode_varint(n).hex() == hexed
    assert read_varint(io.BytesIO(bytes.fromhex(hexed))) == n


def test_recorded_requests() -> None:
    """Requests as CometBFT writes them on a connection: echo "hello", then flush."""
    recorded = bytes.fromhex("090a070a0568656c6c6f021200")
    wire = frame(abci.Request(echo=abci.RequestEcho(message="hello")).SerializeToString())
    wire += frame(abci.Request(flush=abci.RequestFlush()).SerializeToString())
    assert wire == recorded
    stream = io.BytesIO(recorded)
    first, second = read_frame(stream), read_frame(stream)
    assert first is not None and second is not None
    echo, flush = abci.Request(), abci.Request()
    echo.ParseFromString(first)
    flush.ParseFromString(second)
    assert echo.WhichOneof("value") == "echo" and echo.echo.message == "hello"
    assert flush.WhichOneof("value") == "flush"
    assert read_frame(stream) is None  # the end of the stream, between messages


def test_a_flush_is_two_bytes() -> None:
    assert frame(abci.Request(flush=abci.RequestFlush()).SerializeToString()).hex() == "021200"
    assert frame(abci.Response(flush=abci.ResponseFlush()).SerializeToString()).hex() == "021a00"


def test_invalid_truncated_length() -> None:
    with pytest.raises(FramingError):
        read_varint(io.BytesIO(b"\x80"))


def test_invalid_overlong_length() -> None:
    with pytest.raises(FramingError):
        read_varint(io.BytesIO(b"\xff" * 11))


def test_invalid_truncated_message() -> None:
    with pytest.raises(FramingError):
        read_frame(io.BytesIO(b"\x05abc"))


def test_invalid_message_over_the_limit() -> None:
    with pytest.raises(FramingError):
        read_frame(io.BytesIO(encode_varint(1001) + b"x" * 1001), limit=1000)


def test_txs_size_is_the_protobuf_size() -> None:
    """CometBFT bounds a proposal by the encoded size of its transactions as repeated bytes
    (a one-byte tag each): RequestPrepareProposal's txs (field 2) encode the same way."""
    txs = [b"", b"\x01", b"x" * 127, b"y" * 128, b"z" * 70_000]
    assert txs_size(txs) == len(abci.RequestPrepareProposal(txs=txs).SerializeToString())


def test_block_time_in_milliseconds() -> None:
    req = abci.RequestFinalizeBlock()
    req.time.seconds, req.time.nanos = 1_800_000_000, 123_999_999
    assert time_ms(req.time) == 1_800_000_000_123
