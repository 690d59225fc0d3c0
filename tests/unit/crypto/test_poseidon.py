import time

import pytest

from tests.unit.crypto.conftest import Circomlibjs, poseidon_inputs
from zkbraid.crypto.field import FIELD_MODULUS, NotAFieldElement
from zkbraid.crypto.poseidon import PoseidonArityError, poseidon, poseidon2
from zkbraid.errors import OutOfRange


def test_known_value() -> None:
    expected = 7853200120776062878684798364095072458815029376092732009249414926327459813530
    assert poseidon([1, 2]) == expected
    assert poseidon2(1, 2) == expected


def test_matches_circomlibjs(circomlibjs: Circomlibjs) -> None:
    assert len(circomlibjs.poseidon) == len(poseidon_inputs()) > 70
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


def test_speed() -> None:
    n = 500
    start = time.perf_counter()
    for i in range(n):
        poseidon2(i, i + 1)
    per_hash = (time.perf_counter() - start) / n
    print(f"poseidon2: {per_hash * 1e6:.1f} µs")
    assert per_hash < 1e-3
