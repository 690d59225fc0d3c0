"""The fast chain: an EVM chain (py-evm, Prague) whose blocks the ledger orders every ~100 ms.

- `params`: `FastParams`, every rule of the chain as data.
- `txs`: decoding, stateless checks and signer recovery of signed transactions.
- `admission`: the checks of a transaction against a state (fees, sender, nonce, balance).
- `execution`: the state transition, `execute_block` (credits, transactions, plain transfers).
- `receipts`: receipts and their logs bloom, as the receipt trie holds them.
- `calls`: `eth_call` / `eth_estimateGas` on a block's state.
- `genesis`: the genesis block of a `FastParams`.
- `vm`: the py-evm VM, state and executor with our header rules and speed-ups.
- `db`: the KV layout, py-evm's database adapter and the block store.
- `chain`: `FastChain`, the facade holding the head, stored blocks and state reads.
- `rpc`: `EthApi`, the Ethereum JSON-RPC methods, and its `RpcLimits`.
- `errors`: every named rejection.
"""
