"""The mission, walked end to end on a running devnet (`braid devnet --prover`: its L1, its
agent, a CLI prover), each step printed with its timing:

 1. a player holds an access NFT on the ZK chain (collection 0, minted by its minter, dev 0);
 2. a host deploys the Arena on the fast chain and registers its prize collection on the ZK
    chain (CreateCollection: minted only by the Arena's reports, at most one a round);
 3. the player moves coins to the fast chain (MoveToFast, credited in the next fast block);
 4. the player proves ownership of an access NFT to the game (a Groth16 proof against a ZK
    root the fast chain's ZkRoots holds, which shows neither the account nor the NFT);
 5. joins the Arena with it (OwnershipGate verifies it on the fast chain) and plays the round's
    moves, each confirmed by a fast block;
 6. the round ends: the Arena reports its winner to GameReports, and the next ZK block's
    GameMint mints the prize NFT on the ZK chain, under the round's cap;
 7. the player lists the prize on the ZK chain's market and another player buys it (one proven
    NftBuy: the NFT for the price);
 8. the seller withdraws the proceeds to L1 (Withdraw, proven, settled by the agent) and claims
    them there.

Run: .venv/bin/python -m examples.arena.story [--rpc URL] [--moves 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from web3 import Web3

from examples.arena.arena import Arena, ArenaConfig, Direction, Signer
from zkbraid.fast.system_contracts import ZK_ROOTS, load_system_artifact
from zkbraid.sdk.bridge import Bridge
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.sdk.hybrid import Hybrid

T = TypeVar("T")

ACCESS_COLLECTION = 0  # the devnet's genesis collection, minted by dev account 0
PLAYER, BUYER, HOST, MINTER = 1, 2, 5, 0
MOVED = 10**16  # coins moved to the fast chain (wei of ZK token 0)
PRICE = 3 * 10**15  # the prize's price on the ZK market


class Story:
    """Prints each step as it finishes, with its seconds."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: list[tuple[str, float]] = []

    def step(self, title: str, fn: Callable[[], T]) -> T:
        print(f"… {title}", flush=True)
        t0 = time.monotonic()
        value = fn()
        seconds = time.monotonic() - t0
        self.steps.append((title, seconds))
        print(f"✓ {title}: {seconds:.2f} s", flush=True)
        return value

    def summary(self) -> None:
        print("\n== the mission, step by step")
        for title, seconds in self.steps:
            print(f"  {seconds:7.2f} s  {title}")
        print(f"  {time.monotonic() - self.started:7.2f} s  in all")


def until(what: str, check: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def prove_ownership(rpc: str, arena: Arena, player: Wallet) -> dict[str, Any]:
    """`braid zk prove-ownership` for the arena's current round, as a user would run it."""
    cmd = [sys.executable, "-m", "zkbraid.cli.main", "--rpc", rpc, "zk", "prove-ownership"]
    cmd += ["--key", f"dev:{PLAYER}", "--collection", str(ACCESS_COLLECTION)]
    cmd += ["--game", arena.address, "--round", str(arena.round()), "--player", player.address]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=os.environ)
    if done.returncode != 0:
        raise SystemExit(f"prove-ownership failed:\n{done.stderr}")
    proof: dict[str, Any] = json.loads(done.stdout)
    return proof


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rpc", default=os.environ.get("BRAID_RPC", "http://127.0.0.1:8645"))
    ap.add_argument("--moves", type=int, default=20, help="moves in the round (20)")
    args = ap.parse_args()
    client = BraidClient(args.rpc)
    w3 = Web3(Web3.HTTPProvider(args.rpc))
    hybrid, bridge = Hybrid(client), Bridge(client)
    roots = w3.eth.contract(
        address=Web3.to_checksum_address(ZK_ROOTS), abi=load_system_artifact("ZkRoots").abi
    )
    player, buyer, host = Wallet.dev(PLAYER), Wallet.dev(BUYER), Wallet.dev(HOST)
    story = Story()

    # 1. the access NFT
    def mint_access() -> int:
        tx = client.send_nft_mint(Wallet.dev(MINTER), ACCESS_COLLECTION, player.address, 0xACCE55)
        return int(client.wait(tx)["result"]["nftId"])

    access = story.step("the player holds an access NFT on the ZK chain", mint_access)
    print(f"  access NFT {access} of collection {ACCESS_COLLECTION}")

    # 2. the game and its prize collection
    prize_collection = 100 + int(time.time()) % 60_000
    config = ArenaConfig(ACCESS_COLLECTION, prize_collection, args.moves, 0, 1)

    def deploy() -> Arena:
        arena = Arena.deploy(w3, Signer.dev(HOST), config)
        tx = client.send_create_collection(host, prize_collection, arena.address, 1)
        client.wait(tx)
        return arena

    arena = story.step("the host deploys the Arena and its capped prize collection", deploy)
    print(f"  Arena at {arena.address}; prize collection {prize_collection}, cap 1 a round")

    # 3. coins to the fast chain
    before = hybrid.fast_balance(player.address)
    story.step(
        "the player moves coins to the fast chain", lambda: hybrid.move_to_fast(player, MOVED)
    )
    print(f"  fast-chain balance {before} → {hybrid.fast_balance(player.address)} wei")

    # 4. the ownership proof, against a root the fast chain holds
    proof = story.step(
        "the player proves ownership of an access NFT (natively, groth16)",
        lambda: prove_ownership(args.rpc, arena, player),
    )
    root = int(proof["root"], 16)
    until("the root in ZkRoots", lambda: roots.functions.isKnown(root).call(), 30)
    print(f"  root {proof['root'][:18]}…, nullifier {proof['nullifier'][:18]}…")

    # 5. join and play
    me = Signer.dev(PLAYER)
    story.step("the Arena admits the player (OwnershipGate)", lambda: arena.join(me, proof))
    latencies: list[float] = []

    def play() -> int:
        score = 0
        for i in range(args.moves):
            t0 = time.monotonic()
            move = arena.move(me, Direction.RIGHT if i % 2 == 0 else Direction.DOWN)
            latencies.append(time.monotonic() - t0)
            score = move.score
        return score

    score = story.step(f"the player makes {args.moves} moves", play)
    p50 = statistics.median(latencies) * 1000
    print(
        f"  score {score}; move confirmed in p50 {p50:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )

    # 6. the round's report mints the prize on the ZK chain
    result = story.step(
        "the round ends and the Arena reports its winner", lambda: arena.end_round(Signer.dev(HOST))
    )
    (prize,) = result.prizes
    minted = story.step(
        "GameMint mints the prize NFT on the ZK chain",
        lambda: until(
            "the prize minted",
            lambda: (r := hybrid.prize(prize.report_id)) and r["status"] == "minted" and r,
            60,
        ),
    )
    prize_nft = int(minted["nftId"])
    owner = (client.zk_nft(prize_nft) or {}).get("owner")
    print(f"  prize NFT {prize_nft} of collection {prize_collection}, owner account {owner}")

    # 7. the market
    seller_before = client.zk_balance(player.address)
    story.step(
        "the player lists the prize",
        lambda: client.wait(client.send_nft_list(player, prize_nft, PRICE)),
    )
    story.step("another player buys it", lambda: client.wait(client.send_nft_buy(buyer, prize_nft)))
    proceeds = client.zk_balance(player.address) - seller_before
    print(f"  the seller received {proceeds} (price {PRICE}, less nothing: fees are ZKPoW)")

    # 8. the proceeds to L1
    withdraw = story.step(
        "the seller withdraws the proceeds", lambda: client.send_withdraw(player, PRICE)
    )
    story.step(
        "the withdrawal is proven and settled on L1",
        lambda: until(
            "settled",
            lambda: (client.transaction(withdraw) or {}).get("status") == "settled",
            300,
        ),
    )

    def claim() -> str:
        open_ = [w for w in bridge.withdrawals(player.address) if not w["claimed"]]
        mine = next(w for w in open_ if int(w["amount"]) == PRICE)
        return str(bridge.claim(player, int(mine["id"])))

    l1_tx = story.step("the seller claims it on L1", claim)
    print(f"  L1 transaction {l1_tx}")
    story.summary()


if __name__ == "__main__":
    main()
