// node --test sdk/js/test/vectors.test.js: the client against docs/spec/vectors/zk.json, its
// signatures against @zk-kit/eddsa-poseidon's verifier and its Poseidon against poseidon-lite
// (independent implementations of circomlib's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as z from '../zkbraid.js';
import { poseidon } from '../poseidon.js';
import { checkVectors } from './check_vectors.js';

// its ES build imports blakejs (CommonJS) by named exports, which node refuses: the CJS build
const require = createRequire(import.meta.url);
const { verifySignature } = require('@zk-kit/eddsa-poseidon');
const lite = require('poseidon-lite');

const VECTORS = JSON.parse(
  readFileSync(new URL('../../../docs/spec/vectors/zk.json', import.meta.url), 'utf8'),
);

test('the client passes every vector', () => {
  const { failures, checked } = checkVectors(z, VECTORS);
  assert.deepEqual(failures, []);
  assert.ok(checked > 100, `only ${checked} checks`);
});

test('every user type has a vector', () => {
  const named = new Set(VECTORS.transactions.map((v) => v.type));
  for (const t of z.USER_TYPES) assert.ok(named.has(t), t);
});

test("signatures verify with @zk-kit/eddsa-poseidon's verifier", () => {
  for (const v of VECTORS.transactions.filter((t) => t.message)) {
    const { r8x, r8y, s } = v.fields.signature;
    const pk = VECTORS.keys[v.signer].l2PublicKey;
    const sig = { R8: [BigInt(r8x), BigInt(r8y)], S: BigInt(s) };
    assert.ok(verifySignature(BigInt(v.message), sig, [BigInt(pk.x), BigInt(pk.y)]), v.name);
    assert.ok(!verifySignature(BigInt(v.message) + 1n, sig, [BigInt(pk.x), BigInt(pk.y)]));
  }
});

test("poseidon is circomlib's: as poseidon-lite computes it, every width", () => {
  for (let n = 1; n <= 16; n++) {
    const inputs = Array.from({ length: n }, (_, i) => z.FIELD_MODULUS - 1n - BigInt(i * 7919));
    assert.equal(poseidon(inputs), lite[`poseidon${n}`](inputs), `${n} inputs`);
  }
  assert.throws(() => poseidon([z.FIELD_MODULUS]), RangeError);
});

test('out-of-range fields are refused', () => {
  const t = VECTORS.transactions.find((v) => v.name === 'transfer').fields;
  assert.throws(() => z.encode('Transfer', { ...t, amount: 1n << 128n }), RangeError);
  assert.throws(() => z.encode('Transfer', { ...t, nonce: -1n }), RangeError);
  assert.throws(() => z.encode('Withdraw', { ...t, l1_recipient: '0x00' }));
});
