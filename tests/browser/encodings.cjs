// Encodes every prover transaction with the browser prover's web/prover/encoding.js, for
// test_encoding.py to decode and check with the node's Python decoders.
//   node tests/browser/encodings.cjs '<json: {key, txHash, proof, batch, entries, snarkProof}>'
// prints a JSON object of raw transactions (0x hex) and the derived values.
'use strict';
const path = require('path');
const { Wallet } = require('ethers');
const enc = require(path.join(__dirname, '..', '..', 'web', 'prover', 'encoding.js'));

async function main() {
  const input = JSON.parse(process.argv[2]);
  const wallet = new Wallet(input.key);
  const out = {
    address: wallet.address.toLowerCase(),
    publicKey: enc.publicKey(wallet),
    register: await enc.registerProver(wallet),
    heartbeat0: await enc.heartbeat(wallet, 0),
    heartbeat5: await enc.heartbeat(wallet, 5),
    deactivate7: await enc.deactivate(wallet, 7),
    submitProof: await enc.submitProof(wallet, input.txHash, input.proof),
    bundleHash: enc.bundleHash(input.batch, input.entries),
    submitBundle: await enc.submitBundle(wallet, input.batch, input.entries),
    proofBytes: enc.proofBytes(input.snarkProof),
  };
  try {
    await enc.submitBundle(wallet, input.batch, input.entries, '0x' + '00'.repeat(32));
    out.mismatchRefused = false;
  } catch (e) {
    out.mismatchRefused = /bundle hash mismatch/.test(e.message);
  }
  try {
    const bad = JSON.parse(JSON.stringify(input.snarkProof));
    bad.pi_a[0] = enc.BN254_Q.toString();
    enc.proofBytes(bad);
    out.outOfFieldRefused = false;
  } catch (e) {
    out.outOfFieldRefused = /out of the field/.test(e.message);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
