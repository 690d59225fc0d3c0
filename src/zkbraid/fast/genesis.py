"""The fast chain's genesis block: the allocated balances and code of `FastParams`, block 0."""

from __future__ import annotations

from eth.abc import BlockHeaderAPI
from eth.constants import BLANK_ROOT_HASH, POST_MERGE_NONCE
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth_typing import Address, BlockNumber

from zkbraid.fast.db import BlockRecord, BlockStore, StateDB
from zkbraid.fast.params import FastParams
from zkbraid.fast.vm import FastAccountDB
from zkbraid.ledger.kv import KVNamespace, memory_store


def genesis_header(params: FastParams, kv: KVNamespace | None = None) -> BlockHeaderAPI:
    """The genesis header of `params`; stores the genesis block and its state in `kv` if given."""
    target = kv if kv is not None else memory_store().namespace("genesis")
    accounts = FastAccountDB(StateDB(target), BLANK_ROOT_HASH)
    for address, balance in sorted(params.genesis_alloc.items()):
        accounts.set_balance(Address(address), balance)
    for address, code in sorted(params.genesis_code.items()):
        accounts.set_code(Address(address), code)
    accounts.persist()
    header = PragueBlockHeader(
        difficulty=0,
        block_number=BlockNumber(0),
        gas_limit=params.block_gas_limit,
        timestamp=params.genesis_timestamp,
        state_root=accounts.state_root,
        base_fee_per_gas=params.initial_base_fee,
        nonce=POST_MERGE_NONCE,
        # The chain id is in no header field: the genesis names it, so each chain's differs.
        extra_data=b"zkbraid fast chain " + params.chain_id.to_bytes(8, "big"),
    )
    if kv is not None:
        BlockStore(kv).put_block(header.hash, BlockRecord(header, (), (), (), ()), ())
    return header
