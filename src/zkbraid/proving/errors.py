"""Named errors of the proving stack (STYLE.md §2)."""

from zkbraid.errors import BraidError, MalformedInput, NotFound


class ProvingError(BraidError):
    """A proof could not be made: the job, the witness, the tools or the keys are at fault."""


class WitnessError(ProvingError):
    """The circuit's inputs cannot be built for this transaction and state."""


class CircuitRejected(ProvingError):
    """circom's witness generator refused the inputs: a rule of the circuit does not hold.

    The transaction is not a valid transition of this state (or the witness is wrong); no proof
    exists for it.
    """


class JobMismatch(ProvingError):
    """A proving job whose witness does not belong to its transaction."""


class SelfCheckFailed(ProvingError):
    """A back end returned a proof that does not verify; it is never handed on."""


class ToolError(ProvingError):
    """An external tool (node, circom, snarkjs) failed or is missing."""


class ArtifactsMissing(NotFound):
    """The circuit's artifacts or keys are not built (`python -m zkbraid.proving.build`)."""


class MalformedProof(MalformedInput):
    """Bytes or JSON that are not a Groth16 proof: wrong length, coordinates out of range."""


class InvalidProof(BraidError):
    """A well-formed proof that does not verify for this transaction and these roots."""

    code = -32008
