import pytest

from tests.unit.crypto.conftest import Circomlibjs
from tests.vectors.circomlibjs import poseidon_inputs
from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.crypto.poseidon import MAX_INPUTS, PoseidonArityError, poseidon, poseidon2
from zkbraid.errors import OutOfRange


def test_known_value() -> None:
    expected = 7853200120776062878684798364095072458815029376092732009249414926327459813530
    assert poseidon([1, 2]) == expected
    assert poseidon2(1, 2) == expected


def test_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert [xs for xs, _ in circomlibjs.poseidon] == poseidon_inputs()
    assert {len(xs) for xs, _ in circomlibjs.poseidon} == set(range(1, MAX_INPUTS + 1))
    for inputs, expected in circomlibjs.poseidon:
        assert poseidon(inputs) == expected, inputs
        if len(inputs) == 2:
            assert poseidon2(*inputs) == expected


@pytest.mark.parametrize("bad", [FIELD_MODULUS, FIELD_MODULUS + 1, 2**256, -1])
def test_invalid_input_not_a_field_element(bad: int) -> None:
    with pytest.raises(NotAFieldElement):
        poseidon([1, bad])
    assert issubclass(NotAFieldElement, OutOfRange)


def test_invalid_input_not_an_int() -> None:
    with pytest.raises(NotAFieldElement):
        poseidon([True])  # bool is not a field element, even though it is an int


@pytest.mark.parametrize("n", [0, 13])
def test_invalid_arity(n: int) -> None:
    with pytest.raises(PoseidonArityError):
        poseidon(list(range(n)))
