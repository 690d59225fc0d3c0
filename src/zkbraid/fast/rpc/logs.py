"""`eth_getLogs` queries: the filter object parsed and bounded, and the matching of logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_bloom.bloom import BloomFilter

from zkbraid.fast.errors import LogQueryTooLarge
from zkbraid.fast.rpc.limits import RpcLimits
from zkbraid.fast.rpc.params import (
    InvalidRpcParams,
    parse_address,
    parse_block_number,
    parse_hash,
)


@dataclass(frozen=True)
class LogFilter:
    """Which logs an `eth_getLogs` call asks for: a block range or one block, and their sources."""

    from_block: int
    to_block: int
    block_hash: bytes | None
    addresses: frozenset[bytes] | None
    #: Per position: None matches anything, else one of the topics.
    topics: tuple[frozenset[bytes] | None, ...]


def parse_log_filter(obj: Any, head: int, limits: RpcLimits) -> LogFilter:
    """The filter object of `eth_getLogs` with the head block `head`.

    Raises InvalidRpcParams, LogQueryTooLarge (a range wider than the limit).
    """
    if not isinstance(obj, dict):
        raise InvalidRpcParams("the filter must be an object")
    block_hash = None
    if obj.get("blockHash") is not None:
        if obj.get("fromBlock") is not None or obj.get("toBlock") is not None:
            raise InvalidRpcParams("blockHash cannot be given with fromBlock/toBlock")
        block_hash = parse_hash(obj["blockHash"], "blockHash")
        from_block = to_block = -1
    else:
        from_block = parse_block_number(_or_latest(obj.get("fromBlock")), head, "fromBlock")
        to_block = parse_block_number(_or_latest(obj.get("toBlock")), head, "toBlock")
        to_block = min(to_block, head)
        if from_block > to_block:
            raise InvalidRpcParams(f"fromBlock {from_block} is after toBlock {to_block}")
        if to_block - from_block + 1 > limits.max_log_block_range:
            raise LogQueryTooLarge(
                f"block range {from_block}..{to_block} spans more than "
                f"{limits.max_log_block_range} blocks; narrow the range"
            )
    raw_address = obj.get("address")
    addresses = None
    if raw_address is not None:
        items = raw_address if isinstance(raw_address, list) else [raw_address]
        addresses = frozenset(parse_address(a, "address") for a in items)
    raw_topics = obj.get("topics") or []
    if not isinstance(raw_topics, list) or len(raw_topics) > 4:
        raise InvalidRpcParams("topics must be an array of at most 4 entries")
    topics: list[frozenset[bytes] | None] = []
    for position, entry in enumerate(raw_topics):
        if entry is None:
            topics.append(None)
        elif isinstance(entry, list):
            options = [parse_hash(t, f"topics[{position}]") for t in entry if t is not None]
            topics.append(frozenset(options) if len(options) == len(entry) else None)
        else:
            topics.append(frozenset((parse_hash(entry, f"topics[{position}]"),)))
    return LogFilter(from_block, to_block, block_hash, addresses, tuple(topics))


def _or_latest(tag: Any) -> Any:
    """A filter's block bound, `latest` when absent (a block number 0 is block 0)."""
    return "latest" if tag is None else tag


def bloom_may_match(bloom_value: int, query: LogFilter) -> bool:
    """False when a block's logs bloom rules out every log the query asks for."""
    bloom = BloomFilter(bloom_value)
    if query.addresses is not None and not any(a in bloom for a in query.addresses):
        return False
    return all(options is None or any(t in bloom for t in options) for options in query.topics)


def log_matches(log: dict[str, Any], query: LogFilter) -> bool:
    """Whether a log (as JSON) comes from one of the query's addresses with its topics."""
    if query.addresses is not None and bytes.fromhex(log["address"][2:]) not in query.addresses:
        return False
    topics = log["topics"]
    for position, options in enumerate(query.topics):
        if options is None:
            continue
        if position >= len(topics) or bytes.fromhex(topics[position][2:]) not in options:
            return False
    return True
