"""zkbraid's native Groth16 prover and verifier (BN254; snarkjs .zkey keys, circom .wtns
witnesses), built from native/prover/ (Rust, arkworks). See src/lib.rs."""

from os import PathLike

__version__: str

class NativeProverError(Exception):
    """A key, witness or file the native prover cannot use."""

class ProvingKey:
    """A circuit's proving key, read from a snarkjs .zkey."""

    @property
    def zkey_sha256(self) -> str: ...
    @property
    def from_cache(self) -> bool: ...
    @property
    def n_public(self) -> int: ...
    @property
    def n_wires(self) -> int: ...
    @property
    def domain_size(self) -> int: ...
    @staticmethod
    def load(
        zkey: str | PathLike[str], cache_dir: str | PathLike[str] | None = None, threads: int | None = None
    ) -> ProvingKey:
        """Reads `zkey` checking every point and caches the checked key under `cache_dir` (or
        loads the cached key). Raises NativeProverError."""
    def verifying_key(self) -> bytes:
        """The key's verifying key in `VerifyingKey`'s encoding."""
    def prove(
        self, wtns: bytes, randomness: bytes, threads: int | None = None
    ) -> tuple[bytes, list[bytes]]:
        """(the 256-byte proof, the public inputs as 32-byte big-endian words) of a .wtns;
        `randomness`: 64 random bytes. Raises NativeProverError."""

class VerifyingKey:
    """α₁ ‖ β₂ ‖ γ₂ ‖ δ₂ ‖ IC…, 32-byte big-endian words, a G2 coordinate's c1 first."""

    def __init__(self, data: bytes) -> None:
        """Raises NativeProverError for a point off the curve or out of its subgroup."""
    @property
    def n_public(self) -> int: ...
    def verify(self, proof: bytes, public: list[bytes]) -> bool:
        """True if the 256-byte proof verifies for the inputs (32-byte big-endian words); False
        for anything else, never an exception."""

def default_thread_count() -> int:
    """The number of threads a call uses when given none (every core)."""
