// The browser prover's Web Worker: Groth16 proofs with snarkjs, off the page's main thread.
//
// Messages in:  {type: 'prove', id, input, wasmUrl, zkeyUrl, vkeyUrl}
//   input is the circuit's input object (the job's witness, decimal strings).
// Messages out: {type: 'progress', id, message}
//               {type: 'proved', id, proof, publicSignals, fetchMs, proveMs, verifyMs}
//               {type: 'error', id, message}
// The worker proves one job at a time, in the order asked. The circuit's files are fetched
// once and kept in memory (the proving key is the big one), so only the first proof downloads.
'use strict';

const params = new URLSearchParams(self.location.search);
importScripts(params.get('snarkjs') || '/prover/lib/snarkjs.min.js');

const files = new Map(); // url -> Uint8Array (wasm, zkey) or parsed JSON (vkey)

async function fetchOnce(id, url, what, json) {
  if (files.has(url)) return files.get(url);
  post({ type: 'progress', id, message: `downloading the ${what}` });
  const started = performance.now();
  const response = await fetch(url);
  if (!response.ok) {
    const text = (await response.text()).trim();
    throw new Error(`${what}: HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
  const value = json ? await response.json() : new Uint8Array(await response.arrayBuffer());
  const size = json ? '' : ` (${(value.byteLength / 1e6).toFixed(1)} MB)`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  post({ type: 'progress', id, message: `downloaded the ${what}${size} in ${seconds} s` });
  files.set(url, value);
  return value;
}

function post(message) {
  self.postMessage(message);
}

// snarkjs's progress lines as progress messages of the job being proved: its proving steps
// ("Reading Coeffs", "Multiexp end: multiexp A", …) are logged at debug level, among hundreds of
// counters ("… 3/16") that are left out.
function logger(id) {
  const say = (message) => post({ type: 'progress', id, message: `snarkjs: ${message}` });
  const step = (message) => {
    if (!/\d+\/\d+/.test(message) || /^Multiexp end/.test(message)) say(message);
  };
  return { debug: step, info: say, warn: say, error: say };
}

async function prove({ id, input, wasmUrl, zkeyUrl, vkeyUrl }) {
  const fetchStarted = performance.now();
  const wasm = await fetchOnce(id, wasmUrl, 'witness generator (wasm)', false);
  const zkey = await fetchOnce(id, zkeyUrl, 'proving key (zkey)', false);
  const vkey = vkeyUrl ? await fetchOnce(id, vkeyUrl, 'verification key', true) : null;
  const fetchMs = performance.now() - fetchStarted;

  post({ type: 'progress', id, message: 'proving' });
  const proveStarted = performance.now();
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(
    input,
    { type: 'mem', data: wasm },
    { type: 'mem', data: zkey },
    logger(id),
  );
  const proveMs = performance.now() - proveStarted;

  // Check before submitting: a proof the validators would refuse is not worth a transaction.
  let verifyMs = null;
  if (vkey) {
    const verifyStarted = performance.now();
    if (!(await snarkjs.groth16.verify(vkey, publicSignals, proof))) {
      throw new Error('the proof does not verify against the verification key');
    }
    verifyMs = performance.now() - verifyStarted;
  }
  return { proof, publicSignals, fetchMs, proveMs, verifyMs };
}

let queue = Promise.resolve();

self.onmessage = (event) => {
  const message = event.data;
  if (!message || message.type !== 'prove') return;
  queue = queue.then(async () => {
    try {
      post({ type: 'proved', id: message.id, ...(await prove(message)) });
    } catch (err) {
      post({ type: 'error', id: message.id, message: String((err && err.message) || err) });
    }
  });
};
