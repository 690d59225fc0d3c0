// The browser prover's wire formats: the sequencer transactions a prover sends, encoded and
// signed exactly as src/zkbraid/market/transactions.py (0x02 SubmitProof) and
// src/zkbraid/market/market_txs.py (0x03-0x06) decode and check them. Pure functions over
// ethers v6 (keccak256, RLP, EIP-191 signing); nothing here is hand-rolled crypto.
//
// A classic script in the page (after ethers.umd.min.js; defines `zkbraidEncoding`) and a
// CommonJS module under Node (`require('./encoding.js')`, used by the tests).
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory(require('ethers'));
  } else {
    root.zkbraidEncoding = factory(root.ethers);
  }
})(typeof self !== 'undefined' ? self : this, function (ethers) {
  'use strict';

  const SUBMIT_PROOF = 0x02;
  const REGISTER_PROVER = 0x03;
  const PROVER_HEARTBEAT = 0x04;
  const DEACTIVATE_PROVER = 0x05;
  const SUBMIT_BUNDLE = 0x06;
  const PROOF_BYTES = 256;
  // The base field of BN254: every proof coordinate is below it (src/zkbraid/proving/proof.py).
  const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

  /** Hex of `data` (bytes or hex), checked to be exactly `size` bytes, lowercase. */
  function fixed(data, size, what) {
    const bytes = ethers.getBytes(data);
    if (bytes.length !== size) {
      throw new Error(`${what} must be ${size} bytes, got ${bytes.length}`);
    }
    return ethers.hexlify(bytes);
  }

  /** An unsigned integer as RLP wants it: big-endian, no leading zero bytes, zero empty. */
  function uint(value) {
    const n = BigInt(value);
    if (n < 0n) throw new Error(`${value} is negative`);
    return ethers.hexlify(ethers.toBeArray(n));
  }

  /** The raw transaction: one type byte, then the RLP list. */
  function typed(type, fields) {
    return ethers.concat([new Uint8Array([type]), ethers.encodeRlp(fields)]);
  }

  const lower = (address) => ethers.getAddress(address).toLowerCase();

  // -- what a prover signs (EIP-191 personal_sign texts; addresses in lowercase hex) ----------

  const registerText = (address, publicKey) =>
    `zkbraid: register prover ${lower(address)}\nkey: ${fixed(publicKey, 64, 'the public key')}`;
  const heartbeatText = (prover, nonce) =>
    `zkbraid: prover heartbeat ${lower(prover)}\nnonce: ${BigInt(nonce)}`;
  const deactivateText = (prover, nonce) =>
    `zkbraid: deactivate prover ${lower(prover)}\nnonce: ${BigInt(nonce)}`;
  const submissionText = (txHash, proof) =>
    `zkbraid: proof of ${fixed(txHash, 32, 'the transaction hash')}\n` +
    `proof hash: ${ethers.keccak256(fixed(proof, PROOF_BYTES, 'a proof'))}`;
  const bundleText = (batch, hash) =>
    `zkbraid: bundle of batch ${BigInt(batch)}\nbundle hash: ${fixed(hash, 32, 'the bundle hash')}`;

  /** The 64-byte public key of a wallet: its uncompressed key without the 0x04 prefix. */
  function publicKey(wallet) {
    const uncompressed = ethers.getBytes(wallet.signingKey.publicKey);
    return ethers.hexlify(uncompressed.slice(1));
  }

  // -- the transactions (each resolves to the raw transaction, 0x-prefixed hex) ---------------

  /** 0x03 RegisterProver [public_key (64), signature (65)]. */
  async function registerProver(wallet) {
    const key = publicKey(wallet);
    const sig = await wallet.signMessage(registerText(wallet.address, key));
    return typed(REGISTER_PROVER, [key, fixed(sig, 65, 'a signature')]);
  }

  /** 0x04 ProverHeartbeat [prover (20), nonce, signature (65)] at market nonce `nonce`. */
  async function heartbeat(wallet, nonce) {
    const sig = await wallet.signMessage(heartbeatText(wallet.address, nonce));
    return typed(PROVER_HEARTBEAT, [lower(wallet.address), uint(nonce), sig]);
  }

  /** 0x05 DeactivateProver [prover (20), nonce, signature (65)] at market nonce `nonce`. */
  async function deactivate(wallet, nonce) {
    const sig = await wallet.signMessage(deactivateText(wallet.address, nonce));
    return typed(DEACTIVATE_PROVER, [lower(wallet.address), uint(nonce), sig]);
  }

  /** 0x02 SubmitProof [tx_hash (32), proof (256), prover (20), signature (65)]. */
  async function submitProof(wallet, txHash, proof) {
    const sig = await wallet.signMessage(submissionText(txHash, proof));
    return typed(SUBMIT_PROOF, [
      fixed(txHash, 32, 'the transaction hash'),
      fixed(proof, PROOF_BYTES, 'a proof'),
      lower(wallet.address),
      sig,
    ]);
  }

  /** keccak(rlp([batch, [[txHash, oldRoot, newRoot, keccak(proof)] …]])), entries in order. */
  function bundleHash(batch, entries) {
    const commitments = entries.map((e) => [
      fixed(e.txHash, 32, "an entry's transaction hash"),
      fixed(e.oldRoot, 32, "an entry's old root"),
      fixed(e.newRoot, 32, "an entry's new root"),
      ethers.keccak256(fixed(e.proof, PROOF_BYTES, "an entry's proof")),
    ]);
    return ethers.keccak256(ethers.encodeRlp([uint(batch), commitments]));
  }

  /**
   * 0x06 SubmitBundle [batch, [[txHash, oldRoot, newRoot, proof] …], prover (20), signature].
   * With `expectedHash` (the node's bundleHash of the aggregation job), refuses to sign a bundle
   * whose recomputed hash differs: the page never signs what it did not check.
   */
  async function submitBundle(wallet, batch, entries, expectedHash) {
    if (!entries.length) throw new Error('a bundle has at least one entry');
    const hash = bundleHash(batch, entries);
    if (expectedHash !== undefined && hash !== ethers.hexlify(ethers.getBytes(expectedHash))) {
      throw new Error(`bundle hash mismatch: computed ${hash}, the node says ${expectedHash}`);
    }
    const sig = await wallet.signMessage(bundleText(batch, hash));
    const raw = entries.map((e) => [
      fixed(e.txHash, 32, "an entry's transaction hash"),
      fixed(e.oldRoot, 32, "an entry's old root"),
      fixed(e.newRoot, 32, "an entry's new root"),
      fixed(e.proof, PROOF_BYTES, "an entry's proof"),
    ]);
    return typed(SUBMIT_BUNDLE, [uint(batch), raw, lower(wallet.address), sig]);
  }

  // -- proofs ---------------------------------------------------------------------------------

  function coordinate(value, what) {
    const n = BigInt(value);
    if (n < 0n || n >= BN254_Q) throw new Error(`proof coordinate ${what} is out of the field`);
    return ethers.zeroPadValue(ethers.toBeArray(n), 32);
  }

  /**
   * The 256-byte encoding of a snarkjs Groth16 proof (src/zkbraid/proving/proof.py):
   * a.x ‖ a.y ‖ b[0][1] ‖ b[0][0] ‖ b[1][1] ‖ b[1][0] ‖ c.x ‖ c.y, 32-byte big-endian words.
   */
  function proofBytes(proof) {
    const { pi_a: a, pi_b: b, pi_c: c } = proof;
    if (String(a[2]) !== '1' || String(c[2]) !== '1' || String(b[2][0]) !== '1' ||
        String(b[2][1]) !== '0') {
      throw new Error('proof points must be affine (z = 1)');
    }
    return ethers.concat([
      coordinate(a[0], 'a.x'), coordinate(a[1], 'a.y'),
      coordinate(b[0][1], 'b.x.c1'), coordinate(b[0][0], 'b.x.c0'),
      coordinate(b[1][1], 'b.y.c1'), coordinate(b[1][0], 'b.y.c0'),
      coordinate(c[0], 'c.x'), coordinate(c[1], 'c.y'),
    ]);
  }

  return {
    SUBMIT_PROOF, REGISTER_PROVER, PROVER_HEARTBEAT, DEACTIVATE_PROVER, SUBMIT_BUNDLE,
    PROOF_BYTES, BN254_Q,
    registerText, heartbeatText, deactivateText, submissionText, bundleText,
    publicKey, registerProver, heartbeat, deactivate, submitProof, bundleHash, submitBundle,
    proofBytes,
  };
});
