"""The BN254 scalar field: the numbers of every circuit, Poseidon hash and BabyJubJub point."""

from zkbraid.errors import OutOfRange

# r, the order of BN254's G1; circom's prime, and the base field of BabyJubJub.
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


class NotAFieldElement(OutOfRange):
    """A value that is not an integer in [0, r)."""


def is_field_element(value: object) -> bool:
    """True for an `int` (not `bool`) in [0, r)."""
    return type(value) is int and 0 <= value < FIELD_MODULUS


def require_field_element(value: int, what: str = "value") -> int:
    """Returns `value` if it is in [0, r).

    Raises `NotAFieldElement` otherwise.
    """
    if not is_field_element(value):
        raise NotAFieldElement(f"{what} is not a BN254 field element: {value!r}")
    return value
