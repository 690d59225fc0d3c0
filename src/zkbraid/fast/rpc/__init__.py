"""The fast chain's Ethereum JSON-RPC: `EthApi` over a `FastChain`, bounded by `RpcLimits`.

Shapes follow the Ethereum JSON-RPC specification and geth (hex quantities without leading zeros,
0x-prefixed data, `null` for unknown blocks, transactions and receipts). Bad parameters raise
`MalformedInput` with a message naming the parameter; a reverted `eth_call` / `eth_estimateGas`
raises `ExecutionReverted` (code 3) whose `rpc_data` is the revert data, as geth answers.

Block tags: `latest`, `pending`, `safe` and `finalized` all mean the head block (a fast block is
final once the ledger commits it, and the node keeps no pending EVM block); `pending` only differs
for `eth_getTransactionCount`, which counts the node's pending transactions. State at any stored
block can be read (trie nodes are never pruned), so `earliest` and block numbers work for
balances, code, storage and calls too.

- `methods`: `EthApi`, one method per JSON-RPC method.
- `params`: parsing of the JSON parameters (quantities, data, addresses, tags, call objects).
- `wire`: the JSON of blocks, transactions, receipts and logs.
- `logs`: `eth_getLogs` filters and their matching.
- `fees`: `eth_feeHistory`'s reward percentiles.
- `limits`: `RpcLimits`, the node-local bounds of requests.
"""

from zkbraid.fast.rpc.limits import RpcLimits
from zkbraid.fast.rpc.methods import EthApi
from zkbraid.fast.rpc.params import InvalidRpcParams

__all__ = ["EthApi", "InvalidRpcParams", "RpcLimits"]
