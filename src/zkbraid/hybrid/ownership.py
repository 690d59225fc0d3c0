"""NFT ownership proofs (docs/hybrid.md, "Ownership proofs"; circuits/ownership.circom).

A player proves, against a recent ZK-chain state root, that they hold the key of an account that
owns an NFT of a collection, without revealing the account or the NFT. A fast-chain game's
OwnershipGate checks the proof with OwnershipVerifier.sol (predeployed at 0x…7a05) and admits
the player once per NFT, game and round.

    openings = OwnershipOpenings.from_state(state, account, nft_id)     # what the node serves
    inputs, statement = ownership_inputs(openings, key, game, round, player)   # the key holder
    # both at once: ownership_witness(state, key, account, nft_id, game, round, player)
    with OwnershipProver() as prover:
        proof = prover.prove(inputs, statement)          # verified before it is returned
    verify_ownership(proof, statement)                   # the native verifier, about 2 ms
    proof_words(proof)                                   # the uint256[8] of verifyProof

The public inputs, in order, are [root, collection, game, round, player, nullifier] with
nullifier = poseidon([s, nft_id, game, round]) and s = `PrivateKey.secret_scalar()`; game and
player are Ethereum addresses as 160-bit integers.

Privacy: the proof and its public inputs show the collection and nothing of which account or
NFT. The node that serves the openings (`zk_getOwnershipWitness`) does learn which it was asked
for: ask your own node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zkbraid.crypto.eddsa import PrivateKey, PublicKey
from zkbraid.crypto.field import FIELD_MODULUS
from zkbraid.crypto.poseidon import poseidon
from zkbraid.errors import MalformedInput, NotFound, OutOfRange, Unauthorized
from zkbraid.proving.artifacts import DEV_KEYS, OWNERSHIP, OWNERSHIP_PUBLIC, CircuitKeys, find_keys
from zkbraid.proving.backends import ProverBackend
from zkbraid.proving.errors import MalformedProof, SelfCheckFailed, WitnessError
from zkbraid.proving.node_runner import NodeRunner
from zkbraid.proving.proof import PROOF_BYTES, Proof
from zkbraid.proving.prover import BackendName, make_backend
from zkbraid.proving.verify import ProofVerifier
from zkbraid.proving.witness import ProofWitness
from zkbraid.zk.params import DEFAULT_PARAMS, ZkParams
from zkbraid.zk.smt import compute_root
from zkbraid.zk.state import Nft, ZkState, account_leaf

# The widths the fast chain gives the public inputs (OwnershipGate.admit), checked by the circuit.
COLLECTION_BITS = 16
ROUND_BITS = 32
ADDRESS_BITS = 160
N_PUBLIC = len(OWNERSHIP_PUBLIC)

CircuitInputs = dict[str, int | list[int]]


class NftNotFound(NotFound):
    """The NFT does not exist."""


class AccountNotFound(NotFound):
    """The account does not exist (or is the escrow, which has no key)."""


class NftNotOwned(Unauthorized):
    """The NFT is not owned by that account."""


class NftNotInCollection(Unauthorized):
    """The NFT is of another collection than the one the proof is for."""


class NotAccountKey(Unauthorized):
    """The key is not the account's L2 key: only the account's key holder can prove."""


class NoOwnedNft(NotFound):
    """The account owns no NFT of the collection."""


class InvalidOwnershipStatement(OutOfRange):
    """A public input outside its width: root or nullifier >= r, collection >= 2^16,
    round >= 2^32, game or player not a 20-byte address."""


class MalformedOpenings(MalformedInput):
    """State openings that are not the JSON `OwnershipOpenings.to_json_dict` writes."""


class OpeningMismatch(MalformedInput):
    """State openings that do not lead to their root (a node serving wrong data, or a state
    layout this circuit does not know): no proof exists for them."""


def address_field(value: bytes | int, what: str) -> int:
    """A 20-byte Ethereum address (or its 160-bit integer) as the field element the circuit
    takes. Raises `InvalidOwnershipStatement`."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 20:
            raise InvalidOwnershipStatement(f"{what} is a 20-byte address, got {len(value)} bytes")
        return int.from_bytes(value, "big")
    if type(value) is not int or not 0 <= value < 1 << ADDRESS_BITS:
        raise InvalidOwnershipStatement(f"{what} is not a 160-bit address: {value!r}")
    return value


def nullifier(secret: int, nft_id: int, game: bytes | int, round: int) -> int:
    """poseidon([secret, nft_id, game, round]): one per NFT, game and round for a key's secret
    scalar (`PrivateKey.secret_scalar`)."""
    return poseidon([secret, nft_id, address_field(game, "game"), round])


def _check_width(value: int, bits: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < 1 << bits:
        raise InvalidOwnershipStatement(f"{what} must be below 2^{bits}, got {value!r}")
    return value


def _check_field(value: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < FIELD_MODULUS:
        raise InvalidOwnershipStatement(f"{what} is not a BN254 field element: {value!r}")
    return value


@dataclass(frozen=True)
class OwnershipStatement:
    """What an ownership proof states: its six public inputs.

    `game` and `player` are addresses as 160-bit integers. Raises `InvalidOwnershipStatement`
    for a value outside its width.
    """

    root: int
    collection: int
    game: int
    round: int
    player: int
    nullifier: int

    def __post_init__(self) -> None:
        _check_field(self.root, "root")
        _check_width(self.collection, COLLECTION_BITS, "collection")
        _check_width(self.game, ADDRESS_BITS, "game")
        _check_width(self.round, ROUND_BITS, "round")
        _check_width(self.player, ADDRESS_BITS, "player")
        _check_field(self.nullifier, "nullifier")

    def public_inputs(self) -> list[int]:
        """[root, collection, game, round, player, nullifier]: the circuit's order."""
        return [self.root, self.collection, self.game, self.round, self.player, self.nullifier]

    @classmethod
    def from_public_inputs(cls, values: Sequence[int]) -> OwnershipStatement:
        """Inverse of `public_inputs`; raises `InvalidOwnershipStatement`."""
        if len(values) != N_PUBLIC:
            raise InvalidOwnershipStatement(f"an ownership statement has {N_PUBLIC} inputs")
        return cls(*values)

    def to_json_dict(self) -> dict[str, Any]:
        """Root and nullifier as 0x hex, game and player as 0x addresses, the rest numbers."""
        return {
            "root": hex(self.root),
            "collection": self.collection,
            "game": "0x" + self.game.to_bytes(20, "big").hex(),
            "round": self.round,
            "player": "0x" + self.player.to_bytes(20, "big").hex(),
            "nullifier": hex(self.nullifier),
        }


@dataclass(frozen=True)
class AccountOpening:
    """An account's leaf preimage and its opening (siblings from the leaf level up)."""

    index: int
    public_key: PublicKey
    eth_address: bytes
    nonce: int
    balances_root: int
    path: tuple[int, ...]

    def leaf(self) -> int:
        return account_leaf(self.public_key, self.eth_address, self.nonce, self.balances_root)


@dataclass(frozen=True)
class NftOpening:
    """An NFT's leaf preimage and its opening (siblings from the leaf level up)."""

    id: int
    owner: int
    collection_id: int
    content_hash: int
    list_token: int
    list_price: int
    list_expiry: int
    path: tuple[int, ...]

    def leaf(self) -> int:
        """The NFT leaf of zk/state.py (`Nft.leaf`): poseidon([owner, collection_id,
        content_hash, list_token, list_price, list_expiry])."""
        nft = Nft(
            self.id,
            self.owner,
            self.collection_id,
            self.content_hash,
            self.list_token,
            self.list_price,
            self.list_expiry,
        )
        return nft.leaf()


@dataclass(frozen=True)
class OwnershipOpenings:
    """The state an ownership proof reads, without the secret: the root's preimage, the
    account's and the NFT's leaves and openings. What `zk_getOwnershipWitness` serves."""

    root: int
    accounts_root: int
    nfts_root: int
    collections_root: int
    next_account_index: int
    next_nft_id: int
    account: AccountOpening
    nft: NftOpening

    @classmethod
    def from_state(cls, state: ZkState, account_index: int, nft_id: int) -> OwnershipOpenings:
        """The openings of account `account_index` and NFT `nft_id` at the state's root.

        Raises `NftNotFound`, `AccountNotFound`.
        """
        nft = state.nft(nft_id)
        if nft is None:
            raise NftNotFound(f"there is no NFT {nft_id}")
        account = state.account(account_index)
        if account is None:
            raise AccountNotFound(f"there is no account {account_index}")
        root = state.root()
        return cls(
            root=root,
            accounts_root=state.accounts_root(),
            nfts_root=state.nfts_root(),
            collections_root=state.collections_root(),
            next_account_index=state.next_account_index,
            next_nft_id=state.next_nft_id,
            account=AccountOpening(
                index=account.index,
                public_key=account.public_key,
                eth_address=account.eth_address,
                nonce=account.nonce,
                balances_root=account.balances_root,
                path=tuple(state.account_proof(account_index)),
            ),
            nft=NftOpening(
                id=nft.id,
                owner=nft.owner,
                collection_id=nft.collection_id,
                content_hash=nft.content_hash,
                list_token=nft.list_token,
                list_price=nft.list_price,
                list_expiry=nft.list_expiry,
                path=tuple(state.nft_proof(nft_id)),
            ),
        )

    def check(self) -> None:
        """Raises `OpeningMismatch` unless both openings lead to the root's preimage and it
        hashes to the root."""
        preimage = [
            self.accounts_root,
            self.nfts_root,
            self.collections_root,
            self.next_account_index,
            self.next_nft_id,
        ]
        if poseidon(preimage) != self.root:
            raise OpeningMismatch("the root's preimage does not hash to the root")
        if compute_root(self.account.index, self.account.leaf(), self.account.path) != (
            self.accounts_root
        ):
            raise OpeningMismatch(f"account {self.account.index} is not in the accounts tree")
        if compute_root(self.nft.id, self.nft.leaf(), self.nft.path) != self.nfts_root:
            raise OpeningMismatch(f"NFT {self.nft.id} is not in the NFTs tree")

    def to_json_dict(self) -> dict[str, Any]:
        """Field elements as 0x hex, indices and counters as numbers."""
        a, n = self.account, self.nft
        return {
            "root": hex(self.root),
            "accountsRoot": hex(self.accounts_root),
            "nftsRoot": hex(self.nfts_root),
            "collectionsRoot": hex(self.collections_root),
            "nextAccountIndex": self.next_account_index,
            "nextNftId": self.next_nft_id,
            "account": {
                "index": a.index,
                "publicKey": [hex(a.public_key.x), hex(a.public_key.y)],
                "address": "0x" + a.eth_address.hex(),
                "nonce": a.nonce,
                "balancesRoot": hex(a.balances_root),
                "path": [hex(v) for v in a.path],
            },
            "nft": {
                "id": n.id,
                "owner": n.owner,
                "collection": n.collection_id,
                "contentHash": hex(n.content_hash),
                "listToken": n.list_token,
                "listPrice": str(n.list_price),
                "listExpiry": n.list_expiry,
                "path": [hex(v) for v in n.path],
            },
        }

    @classmethod
    def from_json_dict(cls, obj: Any, params: ZkParams = DEFAULT_PARAMS) -> OwnershipOpenings:
        """Inverse of `to_json_dict`, checking the openings' lengths against `params`.

        Raises `MalformedOpenings`.
        """
        try:
            a, n = obj["account"], obj["nft"]
            account_path = tuple(_element(v, "account path") for v in a["path"])
            nft_path = tuple(_element(v, "NFT path") for v in n["path"])
            if len(account_path) != params.account_depth or len(nft_path) != params.nft_depth:
                raise MalformedOpenings("the openings' lengths are not the trees' depths")
            address = a["address"]
            if not isinstance(address, str) or not address.startswith("0x"):
                raise MalformedOpenings("the account's address is 0x hex")
            eth_address = bytes.fromhex(address[2:])
            if len(eth_address) != 20:
                raise MalformedOpenings("the account's address is 20 bytes")
            return cls(
                root=_element(obj["root"], "root"),
                accounts_root=_element(obj["accountsRoot"], "accountsRoot"),
                nfts_root=_element(obj["nftsRoot"], "nftsRoot"),
                collections_root=_element(obj["collectionsRoot"], "collectionsRoot"),
                next_account_index=_element(obj["nextAccountIndex"], "nextAccountIndex"),
                next_nft_id=_element(obj["nextNftId"], "nextNftId"),
                account=AccountOpening(
                    index=_element(a["index"], "account index"),
                    public_key=PublicKey(
                        _element(a["publicKey"][0], "public key"),
                        _element(a["publicKey"][1], "public key"),
                    ),
                    eth_address=eth_address,
                    nonce=_element(a["nonce"], "nonce"),
                    balances_root=_element(a["balancesRoot"], "balancesRoot"),
                    path=account_path,
                ),
                nft=NftOpening(
                    id=_element(n["id"], "NFT id"),
                    owner=_element(n["owner"], "NFT owner"),
                    collection_id=_element(n["collection"], "collection"),
                    content_hash=_element(n["contentHash"], "contentHash"),
                    list_token=_element(n["listToken"], "listToken"),
                    list_price=_element(n["listPrice"], "listPrice"),
                    list_expiry=_element(n["listExpiry"], "listExpiry"),
                    path=nft_path,
                ),
            )
        except (KeyError, IndexError, TypeError, ValueError):
            raise MalformedOpenings("not the openings zk_getOwnershipWitness serves") from None


def _element(value: Any, what: str) -> int:
    """A field element given as a JSON number, a decimal string or 0x hex."""
    if isinstance(value, bool):
        raise MalformedOpenings(f"{what} is not a number")
    if isinstance(value, str):
        number = int(value, 16) if value.startswith("0x") else int(value, 10)
    elif isinstance(value, int):
        number = value
    else:
        raise MalformedOpenings(f"{what} is not a number")
    if not 0 <= number < FIELD_MODULUS:
        raise MalformedOpenings(f"{what} is not a BN254 field element")
    return number


def ownership_inputs(
    openings: OwnershipOpenings,
    key: PrivateKey,
    game: bytes | int,
    round: int,
    player: bytes | int,
) -> tuple[CircuitInputs, OwnershipStatement]:
    """The circuit's inputs and the statement that `key` holds the account of `openings`,
    which owns its NFT, for `game`, `round` and `player`.

    Raises `OpeningMismatch`, `NftNotOwned`, `NotAccountKey`, `InvalidOwnershipStatement`.
    """
    openings.check()
    account, nft = openings.account, openings.nft
    if nft.owner != account.index:
        raise NftNotOwned(f"NFT {nft.id} is owned by account {nft.owner}, not {account.index}")
    if key.public_key != account.public_key:
        raise NotAccountKey(f"the key is not the L2 key of account {account.index}")
    secret = key.secret_scalar()
    game_field = address_field(game, "game")
    player_field = address_field(player, "player")
    _check_width(round, ROUND_BITS, "round")
    statement = OwnershipStatement(
        root=openings.root,
        collection=nft.collection_id,
        game=game_field,
        round=round,
        player=player_field,
        nullifier=nullifier(secret, nft.id, game_field, round),
    )
    inputs: CircuitInputs = {
        "root": statement.root,
        "collection": statement.collection,
        "game": statement.game,
        "round": statement.round,
        "player": statement.player,
        "nullifier": statement.nullifier,
        "secret": secret,
        "accountIndex": account.index,
        "accountAddress": int.from_bytes(account.eth_address, "big"),
        "accountNonce": account.nonce,
        "accountBalancesRoot": account.balances_root,
        "accountPath": list(account.path),
        "nftId": nft.id,
        "nftContentHash": nft.content_hash,
        "nftListToken": nft.list_token,
        "nftListPrice": nft.list_price,
        "nftListExpiry": nft.list_expiry,
        "nftPath": list(nft.path),
        "accountsRoot": openings.accounts_root,
        "nftsRoot": openings.nfts_root,
        "collectionsRoot": openings.collections_root,
        "nextAccountIndex": openings.next_account_index,
        "nextNftId": openings.next_nft_id,
    }
    return inputs, statement


def ownership_witness(
    state: ZkState,
    key: PrivateKey,
    account_index: int,
    nft_id: int,
    game: bytes,
    round: int,
    player: bytes,
) -> tuple[CircuitInputs, OwnershipStatement]:
    """The circuit's inputs and statement for `key`'s account `account_index` owning NFT
    `nft_id`, at the state's current root.

    Raises `NftNotFound` (no such NFT), `NftNotOwned` (another account owns it),
    `AccountNotFound`, `NotAccountKey` (the key is not the account's),
    `InvalidOwnershipStatement`.
    """
    nft = state.nft(nft_id)
    if nft is None:
        raise NftNotFound(f"there is no NFT {nft_id}")
    if nft.owner != account_index:
        raise NftNotOwned(f"NFT {nft_id} is owned by account {nft.owner}, not {account_index}")
    public_key = state.account_public_key(account_index)
    if public_key is None:
        raise AccountNotFound(f"there is no account {account_index}")
    if key.public_key != public_key:
        raise NotAccountKey(f"the key is not the L2 key of account {account_index}")
    openings = OwnershipOpenings.from_state(state, account_index, nft_id)
    return ownership_inputs(openings, key, game, round, player)


def find_owned_nft(state: ZkState, account_index: int, collection: int) -> int:
    """The lowest id of an NFT of `collection` owned by account `account_index`.

    Scans every NFT id (the state keeps no index by owner). Raises `NoOwnedNft`.
    """
    for nft_id in range(state.next_nft_id):
        nft = state.nft(nft_id)
        if nft is not None and nft.owner == account_index and nft.collection_id == collection:
            return nft_id
    raise NoOwnedNft(f"account {account_index} owns no NFT of collection {collection}")


def check_nft_in_collection(openings: OwnershipOpenings, collection: int) -> None:
    """Raises `NftNotInCollection` unless the openings' NFT is of `collection`."""
    if openings.nft.collection_id != collection:
        raise NftNotInCollection(
            f"NFT {openings.nft.id} is of collection {openings.nft.collection_id}, not {collection}"
        )


@dataclass(frozen=True)
class OwnershipWitness(ProofWitness):
    """The ownership circuit's inputs in the form the prover back ends take
    (proving/backends: `to_json()` for circom's witness generator, `public_inputs()`)."""

    statement: OwnershipStatement = field(kw_only=True)

    def public_inputs(self) -> list[int]:
        return self.statement.public_inputs()


def proof_words(proof: Proof) -> list[int]:
    """The proof as `verifyProof`'s uint256[8], in the order of `Proof.to_bytes`:
    a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y."""
    data = proof.to_bytes()
    return [int.from_bytes(data[i : i + 32], "big") for i in range(0, PROOF_BYTES, 32)]


def proof_from_words(words: Sequence[int]) -> Proof:
    """Inverse of `proof_words`; raises `MalformedProof`."""
    if len(words) != 8 or not all(type(w) is int and 0 <= w < 1 << 256 for w in words):
        raise MalformedProof("an ownership proof is 8 uint256 words")
    return Proof.from_bytes(b"".join(w.to_bytes(32, "big") for w in words))


class OwnershipProofVerifier(ProofVerifier):
    """The native prepared verifier of the ownership circuit's verification key (the
    project's one verifier, `ProofVerifier`, for six public inputs)."""

    def __init__(self, verification_key_json: str, n_public: int = N_PUBLIC) -> None:
        """Raises `ToolError` for a key that is not the ownership circuit's shape."""
        super().__init__(verification_key_json, n_public)

    @classmethod
    def load(
        cls, params: ZkParams = DEFAULT_PARAMS, keys: str = DEV_KEYS
    ) -> OwnershipProofVerifier:
        """The verifier of the built ownership keys (raises `ArtifactsMissing`)."""
        return cls.from_keys(find_keys(params, keys, OWNERSHIP))

    def verify(self, proof: Proof | bytes, statement: OwnershipStatement | Sequence[int]) -> bool:
        """True if `proof` verifies for the statement. Never raises for a bad proof or inputs
        that are not field elements: they are simply False."""
        public = (
            statement.public_inputs()
            if isinstance(statement, OwnershipStatement)
            else list(statement)
        )
        return super().verify(proof, public)


class OwnershipProver:
    """Proves ownership statements with one of the proving back ends and checks every proof
    before returning it."""

    def __init__(
        self,
        backend: BackendName | ProverBackend = "native",
        *,
        keys: CircuitKeys | None = None,
        params: ZkParams = DEFAULT_PARAMS,
    ) -> None:
        """`keys` defaults to the ownership circuit's built development keys for `params`
        (raises `ArtifactsMissing` if they are not built: `python -m zkbraid.proving.build`)."""
        self.keys = keys or find_keys(params, DEV_KEYS, OWNERSHIP)
        if self.keys.circuit is not OWNERSHIP:
            raise ValueError(f"{self.keys.directory} holds the {self.keys.circuit.name} circuit")
        self.verifier = OwnershipProofVerifier.from_keys(self.keys)
        self._runner: NodeRunner | None = None
        if isinstance(backend, str):
            self._runner = NodeRunner()
            self.backend: ProverBackend = make_backend(backend, self.keys, self._runner)
        else:
            self.backend = backend

    def prove(self, inputs: Mapping[str, int | list[int]], statement: OwnershipStatement) -> Proof:
        """A verified proof of `statement` from the circuit's `inputs`.

        Raises `WitnessError` if the inputs' public values are not the statement's,
        `CircuitRejected` if the circuit refuses them, `SelfCheckFailed` if the back end's
        proof does not verify, `ToolError` if a tool fails.
        """
        try:
            given = [inputs[name] for name in OWNERSHIP_PUBLIC]
        except KeyError as exc:
            raise WitnessError(f"the ownership inputs lack {exc.args[0]}") from None
        if given != statement.public_inputs():
            raise WitnessError("the inputs' public values are not the statement's")
        proof = self.backend.prove(OwnershipWitness(dict(inputs), statement=statement))
        if not self.verifier.verify(proof, statement):
            raise SelfCheckFailed(f"the {self.backend.name} ownership proof does not verify")
        return proof

    def close(self) -> None:
        self.backend.close()
        if self._runner is not None:
            self._runner.close()

    def __enter__(self) -> OwnershipProver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prove_ownership(
    inputs: Mapping[str, int | list[int]],
    statement: OwnershipStatement,
    *,
    prover: OwnershipProver | None = None,
    backend: BackendName = "native",
    params: ZkParams = DEFAULT_PARAMS,
) -> Proof:
    """A verified proof of `statement` (`OwnershipProver.prove`); with no `prover`, one for the
    built development keys is started and closed again. Raises what `OwnershipProver.prove`
    raises, and `ArtifactsMissing`."""
    if prover is not None:
        return prover.prove(inputs, statement)
    with OwnershipProver(backend, params=params) as own:
        return own.prove(inputs, statement)


def verify_ownership(
    proof: Proof | bytes,
    statement: OwnershipStatement,
    *,
    verifier: OwnershipProofVerifier | None = None,
    params: ZkParams = DEFAULT_PARAMS,
) -> bool:
    """True if `proof` shows `statement` (never raises for a bad proof); with no `verifier`,
    the built development keys' (raises `ArtifactsMissing` if they are not built)."""
    return (verifier or OwnershipProofVerifier.load(params)).verify(proof, statement)


__all__ = [
    "AccountNotFound",
    "AccountOpening",
    "InvalidOwnershipStatement",
    "MalformedOpenings",
    "NftNotFound",
    "NftNotInCollection",
    "NftNotOwned",
    "NftOpening",
    "NoOwnedNft",
    "NotAccountKey",
    "OpeningMismatch",
    "OwnershipOpenings",
    "OwnershipProofVerifier",
    "OwnershipProver",
    "OwnershipStatement",
    "OwnershipWitness",
    "address_field",
    "check_nft_in_collection",
    "find_owned_nft",
    "nullifier",
    "ownership_inputs",
    "ownership_witness",
    "proof_from_words",
    "proof_words",
    "prove_ownership",
    "verify_ownership",
]
