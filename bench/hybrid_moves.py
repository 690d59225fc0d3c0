"""Time of a move between the chains on the devnet (docs/hybrid.md), submission to arrival:

- ZK → fast: a MoveToFast sent to the node until the owner's fast-chain balance has risen by
  the amount (the ZK block that orders it, then the next fast block's credit);
- fast → ZK: a fast-chain call of FastExit.exit until the account's ZK balance has risen by
  the amount (the fast block that burns it, then the next ZK block's MoveFromFast).

Baseline, measured in the same run: a plain fast-chain transfer, submission to receipt, so the
ratio says how many fast confirmations a move costs.

Run: .venv/bin/python -m bench.hybrid_moves [--moves 10]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from eth_account import Account
from web3 import Web3

from bench.common import BenchNode, percentile, report
from zkbraid.fast.system_contracts import FAST_EXIT, load_system_artifact
from zkbraid.market.fees import FeeSchedule
from zkbraid.sdk.client import BraidClient, Wallet
from zkbraid.zk.genesis import dev_eth_private_key
from zkbraid.zk.transactions import sign_move_to_fast

AMOUNT = 10**15
POLL_S = 0.002


def _wait(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not arrive within {timeout:g} s")
        time.sleep(POLL_S)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--moves", type=int, default=10, help="moves in each direction (10)")
    args = ap.parse_args()
    to_fast: list[float] = []
    to_zk: list[float] = []
    transfers: list[float] = []
    with BenchNode("--no-l1") as node:
        client = BraidClient(node.url)
        w3 = Web3(Web3.HTTPProvider(node.url))
        chain_id = client.zk_chain_id
        exit_abi = load_system_artifact("FastExit").abi
        fast_exit = w3.eth.contract(address=Web3.to_checksum_address(FAST_EXIT), abi=exit_abi)
        wallet = Wallet.dev(1)
        index = client.account_index(wallet.address)
        account = Account.from_key(dev_eth_private_key(1))
        other = Web3.to_checksum_address(Account.from_key(dev_eth_private_key(2)).address)
        fee = FeeSchedule().move_to_fast  # the devnet's schedule
        print(f"node up; {args.moves} moves each way and {args.moves} fast transfers …")
        for i in range(args.moves):
            # ZK → fast
            before = w3.eth.get_balance(account.address)
            tx = sign_move_to_fast(
                wallet.l2_key,
                chain_id=chain_id,
                from_index=index,
                amount=AMOUNT,
                nonce=client.next_nonce(index),
                fee=fee,
            )
            t0 = time.monotonic()
            client.send_zk(tx)
            _wait(lambda b=before: w3.eth.get_balance(account.address) >= b + AMOUNT, "a credit")
            to_fast.append(time.monotonic() - t0)
            # fast → ZK
            zk_before = client.zk_balance(index)
            nonce = w3.eth.get_transaction_count(account.address)
            call = fast_exit.functions.exit(index).build_transaction(
                {"from": account.address, "value": AMOUNT, "nonce": nonce, "gas": 100_000,
                 "chainId": w3.eth.chain_id, "maxFeePerGas": 10**10,
                 "maxPriorityFeePerGas": 0}
            )  # fmt: skip
            raw = account.sign_transaction(call).raw_transaction
            t0 = time.monotonic()
            w3.eth.send_raw_transaction(raw)
            _wait(lambda b=zk_before: client.zk_balance(index) >= b + AMOUNT, "an exit")
            to_zk.append(time.monotonic() - t0)
            # baseline: a fast transfer
            transfer = {"to": other, "value": 1, "nonce": nonce + 1, "gas": 21_000,
                        "chainId": w3.eth.chain_id, "maxFeePerGas": 10**10,
                        "maxPriorityFeePerGas": 0}  # fmt: skip
            raw = account.sign_transaction(transfer).raw_transaction
            t0 = time.monotonic()
            h = w3.eth.send_raw_transaction(raw)
            w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=POLL_S)
            transfers.append(time.monotonic() - t0)
            print(
                f"  move {i}: ZK→fast {to_fast[-1] * 1000:.0f} ms, fast→ZK "
                f"{to_zk[-1] * 1000:.0f} ms, fast transfer {transfers[-1] * 1000:.0f} ms"
            )
    base = percentile(transfers, 50)
    report(
        "moves between the chains on the devnet (100 ms fast blocks, 100 ms hybrid ZK blocks)",
        [
            ("moves each way", str(args.moves)),
            ("ZK→fast p50", f"{percentile(to_fast, 50) * 1000:.0f} ms"),
            ("ZK→fast max", f"{max(to_fast) * 1000:.0f} ms"),
            ("fast→ZK p50", f"{percentile(to_zk, 50) * 1000:.0f} ms"),
            ("fast→ZK max", f"{max(to_zk) * 1000:.0f} ms"),
            ("baseline: fast transfer p50", f"{base * 1000:.0f} ms"),
            ("ratio ZK→fast / transfer", f"{percentile(to_fast, 50) / base:.1f}"),
            ("ratio fast→ZK / transfer", f"{percentile(to_zk, 50) / base:.1f}"),
        ],
    )


if __name__ == "__main__":
    main()
