"""The circuit's inputs for one transaction: the state before it, opened where the transaction
touches it, and the transaction's own fields.

`build_witness(state, tx)` reads the state *before* `tx` and computes, without writing anything,
the leaves and roots `tx` produces, exactly as the circuit (circuits/zk_tx.circom) and the STF
(zk/stf.py) do. It does not validate: an invalid transaction gets the inputs of its naive
transition, which the circuit then refuses. That is how the tests show the circuit rejects what
the STF rejects. The node calls `apply_with_witness` instead of `apply_transaction` for each
committed transaction, so every proving job carries its witness and the recorded roots.

Which slots a transaction fills is its type's rule (`ZkRule.fill_witness`, zk/rules/); the
builder here holds the slots (`WitnessSlots`) and opens and computes them.

Missing records (an unknown account, NFT or collection) become zero preimages and indices
beyond a tree keep their value with zero siblings: the circuit's range and opening checks refuse
both, as the STF does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zkbraid.crypto.eddsa import PublicKey
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.poseidon import poseidon
from zkbraid.proving.errors import WitnessError
from zkbraid.proving.statement import (
    N_TX_DATA,
    BlockTimeMissing,
    MalformedPubdata,
    check_params,
    tx_data,
)
from zkbraid.zk.params import ZkParams
from zkbraid.zk.rules import RULES
from zkbraid.zk.smt import EMPTY_HASHES, EMPTY_LEAF, LeafIndexOutOfRange, compute_root
from zkbraid.zk.state import Nft, ZkState, address_to_field
from zkbraid.zk.stf import ZkReceipt, apply_transaction
from zkbraid.zk.transactions import SignedByL2Key, ZkTransaction

CircuitInputs = dict[str, int | list[int]]

# The circuit's scalar inputs, in its declaration order (public ones first).
SCALAR_INPUTS = (
    "oldRoot",
    "newRoot",
    "txType",
    "fee",
    "accountA",
    "accountB",
    "token",
    "amount",
    "collectionId",
    "nftId",
    "contentHash",
    "eventId",
    "l1Address",
    "cap",
    "round",
    "collRound",
    "collMinted",
    "expiry",
    "time",
    "listToken",
    "listPrice",
    "listExpiry",
    "sigR8x",
    "sigR8y",
    "sigS",
    "accountsRoot",
    "nftsRoot",
    "collectionsRoot",
    "nextAccountIndex",
    "nextNftId",
    "aPubKeyX",
    "aPubKeyY",
    "aAddress",
    "aNonce",
    "aBalancesRoot",
    "aBalance",
    "bPubKeyX",
    "bPubKeyY",
    "bAddress",
    "bNonce",
    "bBalancesRoot",
    "bBalance",
)


def array_inputs(params: ZkParams) -> dict[str, int]:
    """The circuit's array inputs and their lengths."""
    return {
        "txData": N_TX_DATA,
        "aPath": params.account_depth,
        "aBalancePath": params.token_depth,
        "bPath": params.account_depth,
        "bBalancePath": params.token_depth,
        "nftPath": params.nft_depth,
        "collectionPath": params.collection_depth,
    }


@dataclass(frozen=True)
class ProofWitness:
    """Every input of the circuit for one transaction, the public ones included."""

    inputs: Mapping[str, int | list[int]] = field(repr=False)

    @property
    def old_root(self) -> int:
        return _scalar(self.inputs, "oldRoot")

    @property
    def new_root(self) -> int:
        return _scalar(self.inputs, "newRoot")

    @property
    def tx_data(self) -> tuple[int, int, int]:
        values = self.inputs["txData"]
        assert isinstance(values, list)
        return values[0], values[1], values[2]

    def public_inputs(self) -> list[int]:
        """[old_root, new_root, *tx_data]: what the proof will be verified against."""
        return [self.old_root, self.new_root, *self.tx_data]

    def to_json(self) -> str:
        """The inputs as circom and snarkjs read them (decimal strings)."""
        return json.dumps(
            {
                name: [str(v) for v in value] if isinstance(value, list) else str(value)
                for name, value in self.inputs.items()
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str, params: ZkParams) -> ProofWitness:
        """Parses `to_json`'s output, checking names, shapes and ranges against `params`.

        Raises `WitnessError` for anything else.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WitnessError(f"witness is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise WitnessError("a witness is a JSON object of circuit inputs")
        arrays = array_inputs(params)
        expected = set(SCALAR_INPUTS) | set(arrays)
        if set(raw) != expected:
            missing = sorted(expected - set(raw))
            extra = sorted(set(raw) - expected)
            raise WitnessError(f"witness inputs differ: missing {missing}, unexpected {extra}")
        inputs: CircuitInputs = {}
        for name, value in raw.items():
            if name in arrays:
                if not isinstance(value, list) or len(value) != arrays[name]:
                    raise WitnessError(f"witness input {name} must be {arrays[name]} elements")
                inputs[name] = [_parse_element(v, name) for v in value]
            else:
                inputs[name] = _parse_element(value, name)
        return cls(inputs)


def _scalar(inputs: Mapping[str, int | list[int]], name: str) -> int:
    value = inputs[name]
    assert isinstance(value, int)
    return value


def _parse_element(value: Any, name: str) -> int:
    if isinstance(value, str) and value.isdigit():
        number = int(value)
    elif type(value) is int:
        number = value
    else:
        raise WitnessError(f"witness input {name}: {value!r} is not a decimal field element")
    if not 0 <= number < FIELD_MODULUS:
        raise WitnessError(f"witness input {name}: {number} is not a field element")
    return number


def build_witness(state: ZkState, tx: ZkTransaction, time_s: int | None = None) -> ProofWitness:
    """The circuit's inputs for `tx` applied to `state` (read only; see the module docstring).

    `time_s`: the ZK block's time in seconds (an NftBuy's statement holds it). Raises
    `WitnessError` when a field cannot be placed in the public data at all (an index wider than
    the circuit's slots, or an NftBuy without a time), and `UnsupportedParams` for parameters
    the circuit cannot carry.
    """
    builder = _Builder(state, compute=True)
    builder.fill(tx, time_s)
    return builder.finish()


def apply_with_witness(
    state: ZkState,
    tx: ZkTransaction,
    params: ZkParams,
    *,
    check: bool = False,
    time_s: int | None = None,
) -> tuple[ZkReceipt, ProofWitness]:
    """`apply_transaction` that also returns the proving witness of the transaction.

    The openings are read before the transaction and the new root is the STF's, so this costs
    a few reads beyond `apply_transaction` (a Transfer's recipient is opened after the write,
    which is exactly the opening the circuit wants). With `check`, the witness is also built
    independently (`build_witness`) and must agree.

    Raises like `apply_transaction` (state unchanged) and `WitnessError` when the transaction
    cannot be proven or, with `check`, when the two witnesses differ (a bug of the circuit's
    model of the state).
    """
    reference = build_witness(state, tx, time_s) if check else None
    builder = _Builder(state, compute=False)
    builder.fill(tx, time_s)
    b_index = RULES[tx.TYPE].second_account(state, tx)
    receipt = apply_transaction(state, tx, params, time_s=time_s)
    if b_index is not None:
        # B's siblings once A is written (B's own write leaves them as they are)
        builder.inputs["bPath"] = state.account_proof(b_index)
    builder.inputs["newRoot"] = receipt.new_root
    witness = ProofWitness(builder.inputs)
    if witness.old_root != receipt.old_root:
        raise WitnessError("the witness's old root is not the STF's")
    if reference is not None and dict(reference.inputs) != dict(witness.inputs):
        raise WitnessError(
            f"the witness of tx 0x{tx.hash.hex()} built from the old state differs from the "
            "one read around the STF"
        )
    return receipt, witness


class _Builder:
    """Fills the circuit inputs slot by slot (circuits/zk_tx.circom), starting from zeros.

    With `compute`, it also computes the leaves and roots the transaction writes, as the
    circuit does; without, it only reads openings (apply_with_witness takes the rest from the
    STF).
    """

    def __init__(self, state: ZkState, *, compute: bool) -> None:
        self.state = state
        self.compute = compute
        self.params = state.params
        p = self.params
        self.inputs: CircuitInputs = dict.fromkeys(SCALAR_INPUTS, 0)
        for name, length in array_inputs(p).items():
            self.inputs[name] = [0] * length
        self.accounts_root = state.accounts_root()
        self.nfts_root = state.nfts_root()
        self.collections_root = state.collections_root()
        self.next_account = state.next_account_index
        self.next_nft_id = state.next_nft_id
        self.inputs.update(
            oldRoot=state.root(),
            accountsRoot=self.accounts_root,
            nftsRoot=self.nfts_root,
            collectionsRoot=self.collections_root,
            nextAccountIndex=self.next_account,
            nextNftId=self.next_nft_id,
        )
        # The roots the transaction leaves; each slot moves its own.
        self.new_accounts_root = self.accounts_root
        self.new_nfts_root = self.nfts_root
        self.new_collections_root = self.collections_root
        self.new_next_account = self.next_account
        self.new_next_nft = self.next_nft_id
        self.a_write: tuple[int, list[int], int] | None = None  # (index, siblings, new leaf)

    def fill(self, tx: ZkTransaction, time_s: int | None = None) -> None:
        """Every input but the new root (`finish`).

        Raises `WitnessError` when a field cannot be placed in the public data at all (an
        index wider than the circuit's slots) and `UnsupportedParams` for parameters the
        circuit cannot carry.
        """
        check_params(self.params)
        try:
            data = tx_data(tx, time_s)
        except MalformedPubdata as exc:  # an id wider than any tree the circuit has
            raise WitnessError(f"transaction cannot be proven: {exc}") from exc
        except BlockTimeMissing as exc:
            raise WitnessError(f"transaction cannot be proven: {exc}") from exc
        self.inputs.update(txData=list(data), txType=int(tx.TYPE), fee=tx.fee)
        RULES[tx.TYPE].fill_witness(self, tx, time_s)

    # Slots (zk/rules/base.py, WitnessSlots): what the rules fill

    def set(self, **inputs: int) -> None:
        self.inputs.update(inputs)

    def get(self, name: str) -> int:
        return _scalar(self.inputs, name)

    def signature(self, tx: SignedByL2Key) -> None:
        sig = tx.signature
        self.inputs.update(sigR8x=sig.r8x, sigR8y=sig.r8y, sigS=sig.s)

    def next_nft(self) -> int:
        self.new_next_nft = self.next_nft_id + 1
        return self.next_nft_id

    def new_account(self, public_key: PublicKey, eth_address: bytes) -> None:
        index = self.next_account
        empty_balances = EMPTY_HASHES[self.params.token_depth]
        address = address_to_field(eth_address)
        siblings = self._opening(self.state.account_proof, index, self.params.account_depth)
        self.inputs.update(
            accountA=index,
            aPubKeyX=public_key.x,
            aPubKeyY=public_key.y,
            aAddress=address,
            aNonce=0,
            aBalancesRoot=empty_balances,
            aPath=siblings,
        )
        self.new_next_account = self.next_account + 1
        if self.compute:
            leaf = poseidon([public_key.x, public_key.y, address, 0, empty_balances])
            self.new_accounts_root = compute_root(index, leaf, siblings)

    def balance_slot(self, prefix: str, index: int, token: int, delta: int) -> int:
        """Opens `index`'s balance of `token`; returns its balances root after adding `delta`."""
        state = self.state
        if index == self.params.escrow_index:
            balance = state.escrow_balance(token)
        else:
            balance = state.balance(index, token)  # 0 for an unknown account or token
        siblings = self._opening(
            lambda t: state.balance_proof(index, t), token, self.params.token_depth
        )
        self.inputs[f"{prefix}Balance"] = balance
        self.inputs[f"{prefix}BalancePath"] = siblings
        if not self.compute:
            return 0
        return compute_root(token, (balance + delta) % FIELD_MODULUS, siblings)

    def _account_fields(self, index: int) -> tuple[int, int, int, int, int]:
        if index == self.params.escrow_index:
            return (0, 0, 0, 0, self.state.escrow_balances_root())
        account = self.state.account(index) if self._in_tree(index) else None
        if account is None:
            return (0, 0, 0, 0, EMPTY_LEAF)
        return (
            account.public_key.x,
            account.public_key.y,
            address_to_field(account.eth_address),
            account.nonce,
            account.balances_root,
        )

    def account_a(self, index: int, new_balances_root: int | None, *, nonce_step: int = 1) -> None:
        """Account A of an existing account: its nonce + `nonce_step` (1 for a signed type, 0
        for a Deposit) and, when its balance moves, its new balances root."""
        pk_x, pk_y, address, nonce, balances_root = self._account_fields(index)
        siblings = self._opening(self.state.account_proof, index, self.params.account_depth)
        self.inputs.update(
            accountA=index,
            aPubKeyX=pk_x,
            aPubKeyY=pk_y,
            aAddress=address,
            aNonce=nonce,
            aBalancesRoot=balances_root,
            aPath=siblings,
        )
        if not self.compute:
            return
        new_balances = balances_root if new_balances_root is None else new_balances_root
        new_nonce = (nonce + nonce_step) % FIELD_MODULUS
        new_leaf = poseidon([pk_x, pk_y, address, new_nonce, new_balances])
        self.a_write = (index, siblings, new_leaf)
        self.new_accounts_root = compute_root(index, new_leaf, siblings)

    def account_b(self, index: int, new_balances_root: int) -> None:
        """Account B of a Transfer, opened under the accounts root that A's write left."""
        pk_x, pk_y, address, nonce, balances_root = self._account_fields(index)
        siblings = self._opening(self.state.account_proof, index, self.params.account_depth)
        if self.a_write is not None and index != self.a_write[0]:
            # (A = B is a self-transfer, which the circuit refuses.)
            siblings = siblings_after_write(index, siblings, *self.a_write)
        self.inputs.update(
            bPubKeyX=pk_x,
            bPubKeyY=pk_y,
            bAddress=address,
            bNonce=nonce,
            bBalancesRoot=balances_root,
            bPath=siblings,
        )
        if self.compute:
            new_leaf = poseidon([pk_x, pk_y, address, nonce, new_balances_root])
            self.new_accounts_root = compute_root(index, new_leaf, siblings)

    def open_nft(self, nft_id: int) -> Nft:
        """The NFT the transaction opens (zeros for an unknown one), its listing as inputs."""
        nft = self.state.nft(nft_id) if 0 <= nft_id < self.params.max_nfts else None
        if nft is None:
            nft = Nft(nft_id, 0, 0, 0)
        self.inputs.update(
            collectionId=nft.collection_id,
            contentHash=nft.content_hash,
            listToken=nft.list_token,
            listPrice=nft.list_price,
            listExpiry=nft.list_expiry,
        )
        return nft

    def nft_slot(
        self,
        nft_id: int,
        owner: int,
        collection_id: int,
        content_hash: int,
        listing: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        siblings = self._opening(self.state.nft_proof, nft_id, self.params.nft_depth)
        self.inputs["nftPath"] = siblings
        if self.compute:
            new_leaf = poseidon([owner, collection_id, content_hash, *listing])
            self.new_nfts_root = compute_root(nft_id, new_leaf, siblings)

    def collection_slot(
        self,
        collection_id: int,
        minter: int,
        cap: int,
        round_: int,
        minted: int,
        new_counters: tuple[int, int] | None,
        *,
        empty: bool = False,
    ) -> None:
        """The collection's leaf Poseidon(minter, cap, round, minted), written with the new
        (round, minted) (None: a missing collection, nothing to compute)."""
        siblings = self._opening(
            self.state.collection_proof, collection_id, self.params.collection_depth
        )
        self.inputs.update(
            collectionPath=siblings, l1Address=minter, cap=cap, collRound=round_, collMinted=minted
        )
        if self.compute and new_counters is not None:
            new_leaf = poseidon([minter, cap, *new_counters])
            self.new_collections_root = compute_root(collection_id, new_leaf, siblings)
        elif self.compute and not empty:
            self.new_collections_root = self.collections_root

    # Helpers

    def _in_tree(self, index: int) -> bool:
        return 0 <= index < self.params.max_accounts

    @staticmethod
    def _opening(proof: Callable[[int], list[int]], index: int, depth: int) -> list[int]:
        """The siblings of leaf `index`, or zeros when the index is beyond the tree."""
        try:
            return list(proof(index))
        except LeafIndexOutOfRange:
            return [0] * depth

    def finish(self) -> ProofWitness:
        """The witness, with the new root computed from the slots' roots (`compute` only)."""
        assert self.compute
        new_root = poseidon(
            [
                self.new_accounts_root,
                self.new_nfts_root,
                self.new_collections_root,
                self.new_next_account,
                self.new_next_nft,
            ]
        )
        self.inputs["newRoot"] = new_root
        return ProofWitness(self.inputs)


def siblings_after_write(
    index: int, siblings: Sequence[int], written: int, written_siblings: Sequence[int], leaf: int
) -> list[int]:
    """`index`'s siblings once leaf `written` (opened by `written_siblings`) is set to `leaf`.

    Exactly one of `index`'s siblings lies on the path of another leaf: the one at the level
    below their lowest common ancestor.
    """
    if index == written:
        raise WitnessError("two writes to one leaf in one transaction")
    node = leaf
    for level, sibling in enumerate(written_siblings):
        if (index >> level) ^ 1 == written >> level:
            out = list(siblings)
            out[level] = node
            return out
        bit = (written >> level) & 1
        node = poseidon([sibling, node]) if bit else poseidon([node, sibling])
    return list(siblings)


__all__ = [
    "SCALAR_INPUTS",
    "CircuitInputs",
    "ProofWitness",
    "apply_with_witness",
    "array_inputs",
    "build_witness",
    "siblings_after_write",
]
