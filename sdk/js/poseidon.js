// circomlib's Poseidon over the BN254 scalar field (circuits/poseidon.circom: x^5 S-box, 8 full
// rounds, the partial rounds below by width), built on @noble/curves' permutation with the
// constants its Grain LFSR generates: the reference generator circomlib's constants came from,
// so the hash is circomlib's (sdk/js/test checks it against poseidon-lite). Pure ES modules,
// so it loads in a browser as it is.
import { Field } from '@noble/curves/abstract/modular.js';
import { grainGenConstants, poseidon as permutation } from '@noble/curves/abstract/poseidon.js';

const Fp = Field(21888242871839275222246405745257275088548364400416034343698204186575808495617n);
// circomlib's partial rounds for the widths t = 2 … 17 (1 to 16 inputs)
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const permutations = new Map();

function permutationOf(t) {
  let perm = permutations.get(t);
  if (!perm) {
    const opts = { Fp, t, roundsFull: 8, roundsPartial: PARTIAL_ROUNDS[t - 2], sboxPower: 5 };
    perm = permutation({ ...opts, ...grainGenConstants(opts) });
    permutations.set(t, perm);
  }
  return perm;
}

/** Poseidon of 1 to 16 field elements (BigInt), as circomlib's Poseidon(n) computes it. */
export function poseidon(inputs) {
  const n = inputs.length;
  if (n < 1 || n > 16) throw new Error(`poseidon takes 1 to 16 inputs, got ${n}`);
  for (const x of inputs) {
    if (typeof x !== 'bigint' || x < 0n || x >= Fp.ORDER) {
      throw new RangeError(`poseidon's inputs are field elements, got ${x}`);
    }
  }
  return permutationOf(n + 1)([0n, ...inputs])[0];
}
