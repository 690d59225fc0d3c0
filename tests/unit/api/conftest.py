"""The API's methods over a real application (BraidApp, no engine, no HTTP): `AppView` is the
NodeView the node would be, and `hybrid_world` a chain that has been through the hybrid."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from tests.unit.node.test_app import FAST_ID, T0, _app, run_block
from zkbraid.api import braid_methods, hybrid_methods, zk_methods
from zkbraid.api.view import L1Status
from zkbraid.config import ChainParams
from zkbraid.fast.system_contracts import FAST_EXIT, GAME_REPORTS, load_system_artifact
from zkbraid.ledger.envelope import TxKind, wrap
from zkbraid.ledger.store import LedgerStore
from zkbraid.node.app import BraidApp
from zkbraid.node.devnet import Devnet, devnet
from zkbraid.node.mempool import Mempool
from zkbraid.sequencer.state import SequencerState
from zkbraid.zk.genesis import dev_eth_address, dev_l2_key
from zkbraid.zk.transactions import (
    ZkTransaction,
    sign_create_collection,
    sign_move_to_fast,
    sign_nft_buy,
    sign_nft_list,
    sign_nft_mint,
)

W3 = Web3()
GAME_COLLECTION = 7
MOVED = 1_000
"""dev:1 moves this onto the fast chain, then exits EXITED of it back."""
EXITED = 300
TOO_MUCH = 5_000
"""dev:2 exits this, more than the escrow holds: refused."""
PRICE = 500
ZK_DT = 2_100
"""Past the ZK block interval (2 s)."""


class AppView:
    """A BraidApp as the API sees a node (api/view.py's NodeView)."""

    def __init__(self, app: BraidApp) -> None:
        self.app = app
        self.lock = threading.RLock()
        self.engine_name = "test"

    @property
    def params(self) -> ChainParams:
        return self.app.params

    @property
    def state(self) -> SequencerState:
        return self.app.state

    @property
    def genesis_app_hash(self) -> bytes:
        return self.app.genesis_app_hash

    @property
    def ledger(self) -> LedgerStore:
        return self.app.store

    @property
    def mempool(self) -> Mempool:
        return self.app.mempool

    def submit(self, raw: bytes) -> bytes:
        return self.app.check_tx(raw)

    def pending_count(self) -> int:
        return len(self.app.mempool.pending)

    def l1_status(self) -> L1Status | None:
        return None


def methods(view: AppView) -> dict[str, Callable[[list[Any]], Any]]:
    """Every method the view serves of the namespaces these tests read."""
    return {
        **braid_methods.build(view),
        **zk_methods.build(view),
        **hybrid_methods.build(view),
    }


def call(view: AppView, method: str, *params: Any) -> Any:
    return methods(view)[method](list(params))


def zk(tx: ZkTransaction) -> bytes:
    return wrap(TxKind.ZK, tx.encode())


def fast_call(net: Devnet, sender: int, nonce: int, to: bytes, data: str, value: int = 0) -> bytes:
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


def encode_call(contract: str, function: str, *args: Any) -> str:
    data: str = W3.eth.contract(abi=load_system_artifact(contract).abi).encode_abi(
        function, args=list(args)
    )
    return data


@dataclass
class World:
    """A chain after the hybrid's every kind of event, and what was done to it."""

    net: Devnet
    app: BraidApp
    view: AppView
    clock: list[int]
    hashes: dict[str, bytes]

    def block(self, *txs: bytes, dt: int = 150) -> list[bytes]:
        """Admits `txs` and runs the next block `dt` ms later with everything pending (150 ms:
        past the fast and the hybrid intervals; a ZK block of users' transactions only waits
        for ZK_DT)."""
        for raw in txs:
            self.app.check_tx(raw)
        self.clock[0] += dt
        pending = [d.raw for d in self.app.mempool.pending.values()]
        return run_block(self.app, self.clock[0], pending)


def new_world(path: Path) -> World:
    """A devnet of four dev accounts, no blocks yet, in `path`."""
    net = devnet(4, verifying_key_hash=None)
    app = _app(path, net)
    return World(net, app, AppView(app), [T0], {})


def move_to_fast(world: World, sender: int, amount: int, nonce: int) -> bytes:
    fees = world.net.params.fees
    tx = sign_move_to_fast(
        dev_l2_key(sender),
        chain_id=world.net.params.zk.chain_id,
        from_index=sender,
        amount=amount,
        nonce=nonce,
        fee=fees.move_to_fast,
    )
    return zk(tx)


@pytest.fixture(scope="module")
def hybrid_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """dev:1 moves MOVED onto the fast chain and exits EXITED back (paid); dev:2 exits
    TOO_MUCH (refused: the escrow holds less), dev:3 exits to an account that does not exist
    (refused when observed); dev:2 creates game collection 7 (cap 1) for dev:3's address,
    which reports two winners of round 1 (the first minted, the second refused: the cap) and
    one without a ZK account (refused when observed); dev:0 mints NFTs 0, 1 and 2 and lists 0
    (expiring soon), 1 and 2; dev:2 buys NFT 2."""
    world = new_world(tmp_path_factory.mktemp("hybrid"))
    net = world.net
    chain_id, fees = net.params.zk.chain_id, net.params.fees
    now_s = T0 // 1000
    game = dev_eth_address(3)

    create = sign_create_collection(
        dev_l2_key(2),
        chain_id=chain_id,
        creator_index=2,
        collection_id=GAME_COLLECTION,
        minter=game,
        cap=1,
        nonce=0,
        fee=fees.create_collection,
    )
    mints = [
        sign_nft_mint(
            dev_l2_key(0),
            chain_id=chain_id,
            minter_index=0,
            collection_id=0,
            to_index=0,
            content_hash=0xABC + i,
            nonce=i,
            fee=fees.nft_mint,
        )
        for i in range(3)
    ]
    world.block(move_to_fast(world, 1, MOVED, 0), zk(create), *[zk(m) for m in mints])
    world.block()  # the fast block that credits the move

    lists = [
        sign_nft_list(
            dev_l2_key(0),
            chain_id=chain_id,
            owner_index=0,
            nft_id=nft_id,
            token=0,
            price=PRICE + nft_id,
            expiry=expiry,
            nonce=3 + nft_id,
            fee=fees.nft_list,
        )
        for nft_id, expiry in ((0, now_s + 2), (1, now_s + 86_400), (2, now_s + 86_400))
    ]
    world.block(*[zk(t) for t in lists], dt=ZK_DT)
    buy = sign_nft_buy(
        dev_l2_key(2),
        chain_id=chain_id,
        buyer_index=2,
        nft_id=2,
        token=0,
        price=PRICE + 2,
        nonce=1,
        fee=fees.nft_buy,
    )
    world.hashes["buy"] = buy.hash
    world.block(zk(buy), dt=ZK_DT)

    exit_data = encode_call("FastExit", "exit", 1)
    report = encode_call(
        "GameReports",
        "report",
        GAME_COLLECTION,
        1,
        [
            Web3.to_checksum_address(dev_eth_address(1)),
            Web3.to_checksum_address(dev_eth_address(2)),
            Web3.to_checksum_address(b"\x55" * 20),
        ],
        [0x11, 0x22, 0x33],
    )
    world.block(
        fast_call(net, 1, 0, FAST_EXIT, exit_data, value=EXITED),
        fast_call(net, 2, 0, FAST_EXIT, encode_call("FastExit", "exit", 2), value=TOO_MUCH),
        fast_call(net, 3, 0, FAST_EXIT, encode_call("FastExit", "exit", 999), value=10),
        fast_call(net, 3, 1, GAME_REPORTS, report),
    )
    world.block()  # the ZK block: MoveFromFast and GameMint, made by the proposer
    world.block(dt=5_000)  # a fast block (the oracle's roots), NFT 0's listing now expired
    return world
