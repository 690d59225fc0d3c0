"""Proof of stake in ZKPoW: the sequencer's validators bond ZKPoW for voting power (issue 15).

- `params.py`        StakingParams (minimum bond, ZKPoW per unit of power, unbonding period,
                     double-sign slash, set size) and the genesis validators
- `transactions.py`  Bond (0x07) and Unbond (0x08), signed like the market's transactions
- `evidence.py`      misbehaviour as the block's chain marker carries it
- `state.py`         the validators' committed records and the rules: bond, unbond, slash, and
                     the end of every block (unbondings mature; the set's updates)
- `keys.py`          consensus keys: CometBFT's ed25519 keys and addresses
"""
