// BabyJubJub, the twisted Edwards curve a·x² + y² = 1 + d·x²·y² over the BN254 scalar field
// (EIP-2494, circomlib's babyjub.circom), in affine coordinates: what EdDSA-Poseidon needs.
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const A = 168700n;
const D = 168696n;

export const SUB_ORDER =
  2736030358979909402780800718157159386076813972158567259200215660948447373041n;
export const Base8 = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];

const mod = (a) => ((a % P) + P) % P;

function inv(a) {
  let [r0, r1, s0, s1] = [mod(a), P, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

export function addPoint([x1, y1], [x2, y2]) {
  const k = mod(D * x1 * x2 * y1 * y2);
  const x3 = mod((x1 * y2 + y1 * x2) * inv(1n + k));
  const y3 = mod((y1 * y2 - A * x1 * x2) * inv(mod(1n - k)));
  return [x3, y3];
}

export function mulPoint(point, scalar) {
  let result = [0n, 1n];
  let acc = point;
  for (let e = scalar; e > 0n; e >>= 1n) {
    if (e & 1n) result = addPoint(result, acc);
    acc = addPoint(acc, acc);
  }
  return result;
}

export function inCurve([x, y]) {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  const x2 = mod(x * x);
  const y2 = mod(y * y);
  return mod(A * x2 + y2) === mod(1n + D * x2 * y2);
}
