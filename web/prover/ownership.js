// NFT ownership proofs in the browser (docs/hybrid.md, "Ownership proofs"): the proof that
// `braid zk prove-ownership` and src/zkbraid/hybrid/ownership.py make natively, made here with
// snarkjs from the ownership circuit's wasm and zkey, in the browser prover's Web Worker
// (worker.js: fetches each file once, proves, verifies against the verification key).
//
//   const result = await zkbraidOwnership.prove(input, {wasmUrl, zkeyUrl, vkeyUrl});
//
// `input` is the circuit's input object, as zkbraid.hybrid.ownership.ownership_inputs builds it
// (numbers as decimal strings; it holds the owner's secret scalar, so it never leaves the page).
// The result:
//
//   publicSignals  [root, collection, game, round, player, nullifier] (decimal strings)
//   words          the proof as OwnershipVerifier.verifyProof's uint256[8] (0x hex), in the
//                  order of src/zkbraid/proving/proof.py: a.x, a.y, b.x.c1, b.x.c0, b.y.c1,
//                  b.y.c0, c.x, c.y (what OwnershipGate.admit takes)
//   hex            the same 256 bytes as one 0x string (Proof.from_hex reads it)
//   proof          snarkjs's proof object
//   fetchMs, proveMs, verifyMs   as the worker measured them (verifyMs null without vkeyUrl)
//
// Options: `workerUrl` (default /prover/worker.js, with `snarkjsUrl` passed on to it) or
// `worker` (a running Worker of worker.js, shared with other proofs), `onProgress(message)`.
//
// A classic script in the page (defines `zkbraidOwnership`) and a CommonJS module under Node
// (`require('./ownership.js')`: `words` and `publicInputs` only, for the tests).
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory();
  } else {
    root.zkbraidOwnership = factory();
  }
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  // The circuit's public inputs, in order (circuits/ownership.circom).
  const PUBLIC_INPUTS = ['root', 'collection', 'game', 'round', 'player', 'nullifier'];
  // The base field of BN254: every proof coordinate is below it (src/zkbraid/proving/proof.py).
  const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

  function word(value, what) {
    const n = BigInt(value);
    if (n < 0n || n >= BN254_Q) throw new Error(`proof coordinate ${what} is out of the field`);
    return '0x' + n.toString(16).padStart(64, '0');
  }

  /** A snarkjs Groth16 proof as verifyProof's eight words (0x hex), Proof.to_bytes's order. */
  function words(proof) {
    const { pi_a: a, pi_b: b, pi_c: c } = proof;
    if (String(a[2]) !== '1' || String(c[2]) !== '1' || String(b[2][0]) !== '1' ||
        String(b[2][1]) !== '0') {
      throw new Error('proof points must be affine (z = 1)');
    }
    return [
      word(a[0], 'a.x'), word(a[1], 'a.y'),
      word(b[0][1], 'b.x.c1'), word(b[0][0], 'b.x.c0'),
      word(b[1][1], 'b.y.c1'), word(b[1][0], 'b.y.c0'),
      word(c[0], 'c.x'), word(c[1], 'c.y'),
    ];
  }

  /** The public inputs an input object states, in the circuit's order (decimal strings). */
  function publicInputs(input) {
    return PUBLIC_INPUTS.map((name) => {
      if (input[name] === undefined) throw new Error(`the input lacks ${name}`);
      return BigInt(input[name]).toString(10);
    });
  }

  let nextId = 1;

  /** Proves `input` in a worker of worker.js; resolves to the result described above. */
  function prove(input, options = {}) {
    const { wasmUrl, zkeyUrl, vkeyUrl = null, onProgress = () => {} } = options;
    if (!wasmUrl || !zkeyUrl) return Promise.reject(new Error('wasmUrl and zkeyUrl are needed'));
    let expected;
    try {
      expected = publicInputs(input);
    } catch (err) {
      return Promise.reject(err);
    }
    let worker = options.worker;
    const own = !worker;
    if (own) {
      const lib = options.snarkjsUrl ? `?snarkjs=${encodeURIComponent(options.snarkjsUrl)}` : '';
      worker = new Worker(`${options.workerUrl || '/prover/worker.js'}${lib}`);
    }
    const id = `ownership-${nextId++}`;
    return new Promise((resolve, reject) => {
      const done = (fn, value) => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        if (own) worker.terminate();
        fn(value);
      };
      const onMessage = (event) => {
        const m = event.data;
        if (!m || m.id !== id) return;
        if (m.type === 'progress') {
          onProgress(m.message);
        } else if (m.type === 'error') {
          done(reject, new Error(`ownership proof failed: ${m.message}`));
        } else if (m.type === 'proved') {
          const got = m.publicSignals.map(String);
          if (got.join() !== expected.join()) {
            done(reject, new Error(`snarkjs proved other public inputs: ${got}`));
            return;
          }
          const w = words(m.proof);
          done(resolve, {
            publicSignals: got, words: w, hex: '0x' + w.map((x) => x.slice(2)).join(''),
            proof: m.proof, fetchMs: m.fetchMs, proveMs: m.proveMs, verifyMs: m.verifyMs,
          });
        }
      };
      const onError = (event) => {
        if (event.preventDefault) event.preventDefault();
        done(reject, new Error(`the proving worker crashed: ${event.message || 'unknown error'}`));
      };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      worker.postMessage({ type: 'prove', id, input, wasmUrl, zkeyUrl, vkeyUrl });
    });
  }

  return { PUBLIC_INPUTS, words, publicInputs, prove };
});
