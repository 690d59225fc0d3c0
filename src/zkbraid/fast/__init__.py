"""The fast chain: an EVM chain (py-evm, Prague) whose blocks the ledger orders every ~100 ms.

- `params`: `FastParams`, every rule of the chain as data.
- `txs`: decoding, stateless checks and signer recovery of signed transactions; receipts.
- `vm`: the py-evm VM, state and executor with our header rules and speed-ups.
- `db`: the KV layout, py-evm's database adapter and the block store.
- `trie`: RLP and one-pass Merkle-Patricia roots (per-block tries, batched state updates).
- `chain`: `FastChain` — admission (`check_transaction`), the state transition
  (`execute_block`), state reads, `eth_call` / `eth_estimateGas`.
- `rpc`: `EthApi`, the Ethereum JSON-RPC methods.
- `errors`: every named rejection.
"""
