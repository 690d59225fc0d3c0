"""The L1 contracts' bindings: their compiled artifacts, the arguments of `Rollup.submitBatch`,
the digests validators sign, and deployment.

The contracts are contracts/l1/ (compiled by scripts/compile_contracts.js into
contracts/artifacts/). `Rollup.submitBatch(records, proofs, roots, checkpoint, signatures)`:

    records      bytes      the batch's public data records (proving/statement.py), concatenated
    proofs       bytes      n × 256 bytes, `Proof.to_bytes()` in record order
    roots        bytes32[]  n + 1 state roots: the rollup's current root, then the root after
                            each transaction (proof i's inputs: roots[i], roots[i+1], its record)
    checkpoint   (bytes32 fastStateRoot, bytes32 ledgerAppHash, uint64 ledgerHeight)
    signatures   bytes      65 bytes (r ‖ s ‖ v) per validator, ascending by signer address

Validators sign the EIP-712 digest of (domain "zkbraid", version "1", the L1 chain id, the
rollup's address) and

    BatchAttestation(uint256 batchIndex, bytes32 dataHash, bytes32 newRoot,
                     bytes32 fastStateRoot, bytes32 ledgerAppHash, uint256 ledgerHeight)

with dataHash = keccak256(records); a batch needs signers holding more than 2/3 of the stake.
Gas is always set explicitly (`submit_gas_limit`, `BatchSubmission.gas_limit`): short of gas the
pairing precompile answers false (the contract reverts `InsufficientGas` before that happens).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from zkbraid.errors import MalformedInput
from zkbraid.proving.artifacts import REPO_ROOT
from zkbraid.proving.proof import PROOF_BYTES, Proof
from zkbraid.proving.statement import pubdata_length
from zkbraid.proving.verifying_key import verifying_key_words
from zkbraid.zk.transactions import TxType

ARTIFACTS_DIR = REPO_ROOT / "contracts" / "artifacts"

SIGNATURE_BYTES = 65
MAX_VALIDATORS = 256
TX_GAS_CAP = 1 << 24  # EIP-7825 (Osaka): the most gas one transaction may ask for

_DOMAIN_TYPE = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_BATCH_TYPE = (
    b"BatchAttestation(uint256 batchIndex,bytes32 dataHash,bytes32 newRoot,bytes32 fastStateRoot,"
    b"bytes32 ledgerAppHash,uint256 ledgerHeight)"
)
_VALIDATORS_TYPE = b"ValidatorSet(uint256 nonce,address[] validators,uint256[] stakes)"
DOMAIN_NAME = "zkbraid"
DOMAIN_VERSION = "1"


class MalformedBatch(MalformedInput):
    """Arguments that cannot form a `submitBatch` call (counts or widths wrong)."""


class ArtifactMissing(RuntimeError):
    """A contract's artifact is not in contracts/artifacts (run scripts/compile_contracts.js)."""


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes

    def error_names(self) -> dict[bytes, tuple[str, list[str]]]:
        """The ABI's custom errors by 4-byte selector: (name, argument types)."""
        out: dict[bytes, tuple[str, list[str]]] = {}
        for item in self.abi:
            if item.get("type") == "error":
                types = [str(arg["type"]) for arg in item["inputs"]]
                signature = f"{item['name']}({','.join(types)})"
                out[bytes(keccak(signature.encode()))[:4]] = (str(item["name"]), types)
        return out

    def decode_error(self, data: bytes) -> tuple[str, tuple[Any, ...]]:
        """The custom error a revert returned, as (name, arguments; addresses checksummed).

        Raises `MalformedInput` for data that is none of this contract's errors.
        """
        known = self.error_names().get(bytes(data[:4]))
        if known is None:
            raise MalformedInput(f"revert data 0x{bytes(data).hex()} is no error of {self.name}")
        name, types = known
        values = abi_decode(types, bytes(data[4:]))
        return name, tuple(
            to_checksum_address(v) if t == "address" else v
            for t, v in zip(types, values, strict=True)
        )


@cache
def load_artifact(name: str) -> Artifact:
    """The committed artifact of contract `name` (raises `ArtifactMissing`)."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        raise ArtifactMissing(f"{path} is missing: run `node scripts/compile_contracts.js`")
    raw = json.loads(path.read_text())
    return Artifact(name=name, abi=raw["abi"], bytecode=bytes.fromhex(raw["bytecode"][2:]))


@dataclass(frozen=True)
class Checkpoint:
    """The fast chain's checkpoint a batch carries: its state root, the ledger's app hash and
    height."""

    fast_state_root: bytes
    ledger_app_hash: bytes
    ledger_height: int

    def __post_init__(self) -> None:
        if len(self.fast_state_root) != 32 or len(self.ledger_app_hash) != 32:
            raise MalformedBatch("a checkpoint's roots are 32 bytes")
        if not 0 <= self.ledger_height < 1 << 64:
            raise MalformedBatch("a checkpoint's ledger height is a uint64")

    def as_abi(self) -> tuple[bytes, bytes, int]:
        return (self.fast_state_root, self.ledger_app_hash, self.ledger_height)


@dataclass(frozen=True)
class RollupSettings:
    """The rollup's deployment parameters (seconds of L1 time)."""

    slot_seconds: int = 24  # two L1 blocks a slot
    exclusive_seconds: int = 12  # the slot's agent alone; the rest is grace for any agent
    deposit_timeout: int = 24 * 3600  # a deposit not included by then is refundable


@dataclass(frozen=True)
class BatchSubmission:
    """`submitBatch`'s arguments (module docstring)."""

    records: bytes
    proofs: bytes
    roots: tuple[bytes, ...]
    checkpoint: Checkpoint
    signatures: bytes

    @property
    def n_transactions(self) -> int:
        return len(self.proofs) // PROOF_BYTES

    @property
    def data_hash(self) -> bytes:
        return bytes(keccak(self.records))

    @property
    def new_root(self) -> bytes:
        return self.roots[-1]

    @property
    def n_signatures(self) -> int:
        return len(self.signatures) // SIGNATURE_BYTES

    def bridge_records(self) -> int:
        """How many Deposit and Withdraw records the batch holds (raises `MalformedBatch` for
        records that are not a sequence of whole records)."""
        count, offset = 0, 0
        while offset < len(self.records):
            try:
                tx_type = TxType(self.records[offset])
            except ValueError:
                raise MalformedBatch(f"unknown record type at byte {offset}") from None
            count += tx_type in (TxType.DEPOSIT, TxType.WITHDRAW)
            offset += pubdata_length(tx_type)
        if offset != len(self.records):
            raise MalformedBatch("the records end inside a record")
        return count

    def gas_limit(self) -> int:
        """`submit_gas_limit` for this batch."""
        return submit_gas_limit(self.n_transactions, self.n_signatures, self.bridge_records())

    def args(self) -> tuple[bytes, bytes, list[bytes], tuple[bytes, bytes, int], bytes]:
        """The arguments in ABI order, for web3's `contract.functions.submitBatch(*args)`."""
        return (
            self.records,
            self.proofs,
            list(self.roots),
            self.checkpoint.as_abi(),
            self.signatures,
        )

    def calldata(self) -> bytes:
        """The transaction's input: selector and ABI-encoded arguments."""
        selector = bytes(
            keccak(b"submitBatch(bytes,bytes,bytes32[],(bytes32,bytes32,uint64),bytes)")
        )[:4]
        types = ["bytes", "bytes", "bytes32[]", "(bytes32,bytes32,uint64)", "bytes"]
        return selector + abi_encode(types, list(self.args()))


def _root_bytes(root: int | bytes) -> bytes:
    if isinstance(root, bytes):
        if len(root) != 32:
            raise MalformedBatch("a state root is 32 bytes")
        return root
    if not 0 <= root < 1 << 256:
        raise MalformedBatch("a state root is a 256-bit number")
    return root.to_bytes(32, "big")


def encode_batch(
    records: Sequence[bytes],
    proofs: Sequence[bytes | Proof],
    roots: Sequence[int | bytes],
    checkpoint: Checkpoint,
    signatures: bytes = b"",
) -> BatchSubmission:
    """`submitBatch`'s arguments from a batch's records, proofs (256-byte blobs or `Proof`s),
    its n + 1 roots and checkpoint, and the attestation (`attestation_signatures`).

    Raises `MalformedBatch` unless there is one proof a record, one root more, and whole
    signatures. The contract checks the rest.
    """
    if not records or len(proofs) != len(records) or len(roots) != len(records) + 1:
        raise MalformedBatch(
            f"a batch is n records, n proofs and n + 1 roots: got {len(records)}, "
            f"{len(proofs)} and {len(roots)}"
        )
    blobs = [p.to_bytes() if isinstance(p, Proof) else bytes(p) for p in proofs]
    if any(len(b) != PROOF_BYTES for b in blobs):
        raise MalformedBatch(f"a proof is {PROOF_BYTES} bytes")
    if len(signatures) % SIGNATURE_BYTES:
        raise MalformedBatch(f"signatures are {SIGNATURE_BYTES} bytes each")
    return BatchSubmission(
        records=b"".join(records),
        proofs=b"".join(blobs),
        roots=tuple(_root_bytes(r) for r in roots),
        checkpoint=checkpoint,
        signatures=bytes(signatures),
    )


def batch_data_hash(records: Iterable[bytes]) -> bytes:
    """The batch's data hash: keccak256 of its records concatenated."""
    return bytes(keccak(b"".join(records)))


def next_history_hash(
    history_hash: bytes,
    batch_index: int,
    previous_root: int | bytes,
    new_root: int | bytes,
    data_hash: bytes,
    checkpoint: Checkpoint,
) -> bytes:
    """The rollup's `historyHash` after batch `batch_index` (it starts as the genesis root):
    keccak256(abi.encode(historyHash, batchIndex, previousRoot, newRoot, dataHash,
    fastStateRoot, ledgerAppHash, ledgerHeight))."""
    return bytes(
        keccak(
            history_hash
            + _word(batch_index)
            + _root_bytes(previous_root)
            + _root_bytes(new_root)
            + data_hash
            + checkpoint.fast_state_root
            + checkpoint.ledger_app_hash
            + _word(checkpoint.ledger_height)
        )
    )


def _address_bytes(address: str | bytes) -> bytes:
    raw = bytes.fromhex(address[2:]) if isinstance(address, str) else bytes(address)
    if len(raw) != 20:
        raise MalformedInput("an address is 20 bytes")
    return raw


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def domain_separator(chain_id: int, rollup: str | bytes) -> bytes:
    """The rollup's EIP-712 domain separator."""
    return bytes(
        keccak(
            keccak(_DOMAIN_TYPE)
            + keccak(DOMAIN_NAME.encode())
            + keccak(DOMAIN_VERSION.encode())
            + _word(chain_id)
            + _address_bytes(rollup).rjust(32, b"\0")
        )
    )


def _typed_digest(chain_id: int, rollup: str | bytes, struct_hash: bytes) -> bytes:
    return bytes(keccak(b"\x19\x01" + domain_separator(chain_id, rollup) + struct_hash))


def attestation_digest(
    *,
    chain_id: int,
    rollup: str | bytes,
    batch_index: int,
    data_hash: bytes,
    new_root: int | bytes,
    checkpoint: Checkpoint,
) -> bytes:
    """The digest validators sign to attest batch `batch_index` (module docstring)."""
    struct_hash = keccak(
        keccak(_BATCH_TYPE)
        + _word(batch_index)
        + data_hash
        + _root_bytes(new_root)
        + checkpoint.fast_state_root
        + checkpoint.ledger_app_hash
        + _word(checkpoint.ledger_height)
    )
    return _typed_digest(chain_id, rollup, bytes(struct_hash))


def validator_set_digest(
    *,
    chain_id: int,
    rollup: str | bytes,
    nonce: int,
    validators: Sequence[str | bytes],
    stakes: Sequence[int],
) -> bytes:
    """The digest the current set signs to install `validators` as the set of `nonce` (the
    current nonce + 1): EIP-712 `ValidatorSet(uint256 nonce,address[] validators,uint256[] stakes)`.
    """
    struct_hash = keccak(
        keccak(_VALIDATORS_TYPE)
        + _word(nonce)
        + keccak(b"".join(_address_bytes(v).rjust(32, b"\0") for v in validators))
        + keccak(b"".join(_word(s) for s in stakes))
    )
    return _typed_digest(chain_id, rollup, bytes(struct_hash))


def sign_digest(private_key: bytes, digest: bytes) -> tuple[bytes, bytes]:
    """(signer address, 65-byte r ‖ s ‖ v signature) of `digest` (eth-account signs with low s)."""
    signed = Account.unsafe_sign_hash(digest, private_key)
    signature = signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
    return _address_bytes(Account.from_key(private_key).address), signature


def order_signatures(signed: Iterable[tuple[bytes, bytes]]) -> bytes:
    """(signer, signature) pairs as the contract takes them: ascending by signer, concatenated."""
    return b"".join(sig for _, sig in sorted(signed, key=lambda pair: pair[0]))


def attestation_signatures(digest: bytes, private_keys: Iterable[bytes]) -> bytes:
    """Every key's signature of `digest`, in the contract's order."""
    return order_signatures(sign_digest(key, digest) for key in private_keys)


def submit_gas_limit(
    n_transactions: int, n_signatures: int = 1, n_bridge_records: int | None = None
) -> int:
    """A gas limit that covers `submitBatch` of this size with a margin (module docstring: never
    estimate): measured, a batch costs about 250k + 52.5k a transaction (precompiles
    177,750 + 46,150·n, calldata about 5k a transaction), a signature about 6.5k, a Withdraw
    record about 25k and a Deposit record about 9k more. `n_bridge_records` defaults to every
    record (the worst case); `BatchSubmission.gas_limit` counts them. At most 2^24 (EIP-7825's
    cap on a transaction)."""
    bridge = n_transactions if n_bridge_records is None else n_bridge_records
    limit = 300_000 + 60_000 * n_transactions + 8_000 * n_signatures + 35_000 * bridge
    return min(limit, TX_GAS_CAP)


def verifying_key_argument(verification_key: str | Mapping[str, Any]) -> list[int]:
    """The verifying key as the contracts' constructors take it: the 26 words of
    `verifying_key_words`. Raises `MalformedVerifyingKey`."""
    vk = json.loads(verification_key) if isinstance(verification_key, str) else verification_key
    words = verifying_key_words(vk)
    if len(words) != 26:
        raise MalformedInput(
            f"the contracts take a key of five public inputs (26 words), got {len(words)} words"
        )
    return words


class DeploymentRefused(RuntimeError):
    """A contract's constructor refused its arguments with a named error."""

    def __init__(self, contract: str, error: str, args: tuple[Any, ...]) -> None:
        self.error = error
        self.args_ = args
        super().__init__(f"{contract} refused its constructor arguments: {error}{args}")


def send_call(w3: Web3, account: Any, call: Any, *, gas: int | None = None, value: int = 0) -> Any:
    """Signs `call` (a contract function with its arguments) with `account` (an eth-account
    key), sends it and waits for its receipt. `gas`: set it explicitly (None: estimated)."""
    sender = to_checksum_address(account.address)
    fields: dict[str, Any] = {
        "from": sender,
        "value": value,
        "nonce": w3.eth.get_transaction_count(sender),
        "chainId": w3.eth.chain_id,
    }
    if gas is not None:
        fields["gas"] = gas
    signed = account.sign_transaction(call.build_transaction(fields))
    return w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction), timeout=60
    )


def revert_name(artifact: Artifact, error: Exception) -> str:
    """The name of the custom error a failed call reverted with (else the error's text)."""
    data = getattr(error, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return artifact.decode_error(bytes.fromhex(data[2:]))[0]
        except MalformedInput:
            return data
    return str(error)


def _deploy(w3: Web3, deployer: str, artifact: Artifact, args: Sequence[Any], gas: int) -> Contract:
    """Deploys after simulating the creation (raises `DeploymentRefused` with the constructor's
    error rather than sending a transaction that fails)."""
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    constructor = factory.constructor(*args)
    try:
        w3.eth.call({"from": deployer, "gas": gas, "data": constructor.data_in_transaction})
    except ContractCustomError as exc:
        data = exc.data if isinstance(exc.data, str) else str(exc.args[0])
        error = artifact.decode_error(bytes.fromhex(data[2:]))
        raise DeploymentRefused(artifact.name, *error) from None
    tx_hash = constructor.transact({"from": deployer, "gas": gas})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1 or receipt["contractAddress"] is None:
        raise RuntimeError(f"deploying {artifact.name} failed (tx 0x{bytes(tx_hash).hex()})")
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


def deploy_rollup(
    w3: Web3,
    deployer: str,
    verification_key: str | Mapping[str, Any],
    genesis_root: int | bytes,
    validators: Mapping[str, int],
    settings: RollupSettings = RollupSettings(),
    *,
    artifact: str = "Rollup",
) -> Contract:
    """Deploys the rollup from `deployer` (an unlocked account of the node) with the circuit's
    snarkjs verification key, the ZK chain's genesis root and the validator set (address ->
    stake, stakes being voting powers below 2^64; sorted here as the contract wants).

    Raises `DeploymentRefused` (e.g. `InvalidSlotSettings`, `StakeOutOfRange`)."""
    ordered = sorted(validators.items(), key=lambda item: _address_bytes(item[0]))
    args = (
        verifying_key_argument(verification_key),
        _root_bytes(genesis_root),
        [to_checksum_address(a) for a, _ in ordered],
        [stake for _, stake in ordered],
        settings.slot_seconds,
        settings.exclusive_seconds,
        settings.deposit_timeout,
    )
    return _deploy(w3, deployer, load_artifact(artifact), args, 6_000_000)


def deploy_verifier(w3: Web3, deployer: str, verification_key: str | Mapping[str, Any]) -> Contract:
    """Deploys the stand-alone `Groth16Verifier` of a key (single proofs and batches)."""
    args = (verifying_key_argument(verification_key),)
    return _deploy(w3, deployer, load_artifact("Groth16Verifier"), args, 3_000_000)


__all__ = [
    "ARTIFACTS_DIR",
    "Artifact",
    "ArtifactMissing",
    "BatchSubmission",
    "Checkpoint",
    "DeploymentRefused",
    "MalformedBatch",
    "RollupSettings",
    "attestation_digest",
    "attestation_signatures",
    "batch_data_hash",
    "deploy_rollup",
    "deploy_verifier",
    "domain_separator",
    "encode_batch",
    "load_artifact",
    "next_history_hash",
    "order_signatures",
    "sign_digest",
    "submit_gas_limit",
    "validator_set_digest",
    "verifying_key_argument",
]
