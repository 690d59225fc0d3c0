"""An R1CS satisfaction check in plain Python, for the variant circuits of the vectors (tests
only): those have no proving keys (a key of their own would take minutes a variant), so a valid
vector shows that circom's witness satisfies every constraint of the circuit's .r1cs, which is
what a proof under any key of that circuit would attest.

Formats (iden3): a container of sections (u32 type, u64 size); the .r1cs's header (section 1:
field size, prime, wires, outputs, public and private inputs, labels, constraints) and
constraints (section 2: for A, B and C, a term count then (u32 wire, coefficient) pairs); the
.wtns's values (section 2), 32-byte little-endian.
"""

from __future__ import annotations

import struct
from pathlib import Path

from zkbraid.crypto.field import FIELD_MODULUS


def _sections(data: bytes) -> dict[int, bytes]:
    (n,) = struct.unpack_from("<I", data, 8)
    offset, out = 12, {}
    for _ in range(n):
        kind, size = struct.unpack_from("<IQ", data, offset)
        out.setdefault(kind, data[offset + 12 : offset + 12 + size])
        offset += 12 + size
    return out


def read_wtns(path: Path) -> list[int]:
    body = _sections(path.read_bytes())[2]
    return [int.from_bytes(body[i : i + 32], "little") for i in range(0, len(body), 32)]


def unsatisfied(r1cs: Path, wtns: Path) -> list[int]:
    """The indices of the constraints `wtns` does not satisfy (empty: all hold)."""
    sections = _sections(r1cs.read_bytes())
    header = sections[1]
    (n8,) = struct.unpack_from("<I", header, 0)
    prime = int.from_bytes(header[4 : 4 + n8], "little")
    assert prime == FIELD_MODULUS
    n_wires, _, _, _, _, n_constraints = struct.unpack_from("<IIIIQI", header, 4 + n8)
    w = read_wtns(wtns)
    assert len(w) == n_wires and w[0] == 1
    body, offset, bad = sections[2], 0, []
    for index in range(n_constraints):
        values = []
        for _ in range(3):
            (terms,) = struct.unpack_from("<I", body, offset)
            offset += 4
            total = 0
            for _ in range(terms):
                (wire,) = struct.unpack_from("<I", body, offset)
                coefficient = int.from_bytes(body[offset + 4 : offset + 4 + n8], "little")
                total += coefficient * w[wire]
                offset += 4 + n8
            values.append(total % prime)
        a, b, c = values
        if a * b % prime != c:
            bad.append(index)
    return bad
