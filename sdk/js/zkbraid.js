// zkbraid's JavaScript client for the ZK chain: the wire format of docs/spec/zk.md.
//
// ES module, no build step; runs in node >= 20 and in browsers (bare imports resolved by node, or
// by an import map in a page: sdk/js/README.md). It derives the L2 key from an Ethereum key,
// builds, encodes, hashes and signs every user transaction type, and sends it over JSON-RPC.
//
// Integers are BigInt (numbers and decimal or 0x strings are accepted); byte strings are
// Uint8Array or 0x hex. Field names are the declarations' (docs/spec/zk-tables.md).
import { keccak_256 } from '@noble/hashes/sha3.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { poseidon } from './poseidon.js';
import { Base8, SUB_ORDER, addPoint as addPointTo, inCurve, mulPoint } from './babyjub.js';

export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export { SUB_ORDER };
export const L2_KEY_DERIVATION_TAG = 'zkbraid-l2-eddsa-v1';

// -- the declarations (docs/spec/zk-tables.md; test_sdk_js checks them against the vectors) --

const u = (bits) => ({ kind: 'uint', bits, items: 1 });
const FIELD = { kind: 'field', items: 1 };
const ADDRESS = { kind: 'bytes', size: 20, items: 1 };
const ECDSA = { kind: 'bytes', size: 65, items: 1 };
const L2KEY = { kind: 'l2key', items: 2 };
const EDDSA = { kind: 'eddsa', items: 3 };
const ID = u(64), AMOUNT = u(128), NONCE = u(64), FEE = u(64), CAP = u(32), ROUND = u(32);
const TIME = u(64);

function declare(name, type, signedBy, sender, fields, message = null) {
  const decl = { name, type, signedBy, sender, fields: fields.map(([n, k]) => ({ name: n, ...k })) };
  if (signedBy === 'l2key') {
    decl.fields.push({ name: 'signature', ...EDDSA });
    decl.message = message || fields.map(([n]) => n);
  } else {
    decl.message = null;
  }
  return decl;
}

export const DECLARATIONS = Object.freeze({
  RegisterKey: declare('RegisterKey', 0x10, 'ethereum', null, [
    ['chain_id', ID], ['eth_address', ADDRESS], ['public_key', L2KEY], ['fee', FEE],
    ['ecdsa_signature', ECDSA],
  ]),
  Transfer: declare('Transfer', 0x11, 'l2key', 'from_index', [
    ['chain_id', ID], ['from_index', ID], ['to_index', ID], ['token', ID], ['amount', AMOUNT],
    ['nonce', NONCE], ['fee', FEE],
  ]),
  NftMint: declare('NftMint', 0x12, 'l2key', 'minter_index', [
    ['chain_id', ID], ['minter_index', ID], ['collection_id', ID], ['to_index', ID],
    ['content_hash', FIELD], ['nonce', NONCE], ['fee', FEE],
  ]),
  NftTransfer: declare('NftTransfer', 0x13, 'l2key', 'from_index', [
    ['chain_id', ID], ['from_index', ID], ['to_index', ID], ['nft_id', ID], ['nonce', NONCE],
    ['fee', FEE],
  ]),
  Deposit: declare('Deposit', 0x14, 'system', null, [
    ['chain_id', ID], ['deposit_id', ID], ['to_index', ID], ['token', ID],
    ['recipient', ADDRESS], ['amount', AMOUNT],
  ]),
  Withdraw: declare('Withdraw', 0x15, 'l2key', 'from_index', [
    ['chain_id', ID], ['from_index', ID], ['token', ID], ['l1_recipient', ADDRESS],
    ['amount', AMOUNT], ['nonce', NONCE], ['fee', FEE],
  ]),
  MoveToFast: declare('MoveToFast', 0x16, 'l2key', 'from_index', [
    ['chain_id', ID], ['from_index', ID], ['token', ID], ['amount', AMOUNT], ['nonce', NONCE],
    ['fee', FEE],
  ]),
  MoveFromFast: declare('MoveFromFast', 0x17, 'system', null, [
    ['chain_id', ID], ['exit_id', ID], ['to_index', ID], ['token', ID], ['amount', AMOUNT],
  ]),
  CreateCollection: declare('CreateCollection', 0x18, 'l2key', 'creator_index', [
    ['chain_id', ID], ['creator_index', ID], ['collection_id', ID], ['minter', ADDRESS],
    ['cap', CAP], ['nonce', NONCE], ['fee', FEE],
  ]),
  GameMint: declare('GameMint', 0x19, 'system', null, [
    ['chain_id', ID], ['report_id', ID], ['collection_id', ID], ['round', ROUND],
    ['to_index', ID], ['content_hash', FIELD], ['game', ADDRESS],
  ]),
  NftList: declare('NftList', 0x1a, 'l2key', 'owner_index', [
    ['chain_id', ID], ['owner_index', ID], ['nft_id', ID], ['token', ID], ['price', AMOUNT],
    ['expiry', TIME], ['nonce', NONCE], ['fee', FEE],
  ], ['chain_id', 'owner_index', 'nft_id', { pack: ['token', 'expiry'], bits: 64 }, 'price',
    'nonce', 'fee']),
  NftCancel: declare('NftCancel', 0x1b, 'l2key', 'owner_index', [
    ['chain_id', ID], ['owner_index', ID], ['nft_id', ID], ['nonce', NONCE], ['fee', FEE],
  ], ['chain_id', 'owner_index', 'nft_id', 0, 'nonce', 'fee']),
  NftBuy: declare('NftBuy', 0x1c, 'l2key', 'buyer_index', [
    ['chain_id', ID], ['buyer_index', ID], ['nft_id', ID], ['token', ID], ['price', AMOUNT],
    ['nonce', NONCE], ['fee', FEE],
  ]),
});

/** The types a client sends (the others are the proposer's). */
export const USER_TYPES = Object.values(DECLARATIONS)
  .filter((d) => d.signedBy !== 'system')
  .map((d) => d.name);

// -- bytes and integers --

export function hexToBytes(hex) {
  if (hex instanceof Uint8Array) return hex;
  const s = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function big(value, name) {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return BigInt(value);
  throw new Error(`${name} must be an integer, got ${value}`);
}

/** RLP's canonical integer: big-endian, no leading zero byte, 0 as the empty string. */
export function intBytes(value) {
  let hex = value.toString(16);
  if (value === 0n) return new Uint8Array(0);
  if (hex.length % 2) hex = '0' + hex;
  return hexToBytes(hex);
}

function leBytes(value, size) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function leInt(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

function beInt(bytes) {
  return bytes.length ? BigInt(bytesToHex(bytes)) : 0n;
}

// -- RLP (a list of byte strings, all the wire format needs) --

function rlpLength(length, offset) {
  if (length <= 55) return Uint8Array.of(offset + length);
  const len = intBytes(BigInt(length));
  return concat(Uint8Array.of(offset + 55 + len.length), len);
}

/** The RLP encoding of a list of byte strings. */
export function rlpEncodeList(items) {
  const encoded = items.map((item) =>
    item.length === 1 && item[0] < 0x80 ? item : concat(rlpLength(item.length, 0x80), item),
  );
  const payload = concat(...encoded);
  return concat(rlpLength(payload.length, 0xc0), payload);
}

// -- a transaction's fields, checked and normalised --

function normalise(decl, fields) {
  const out = {};
  for (const f of decl.fields) {
    const v = fields[f.name];
    if (v === undefined) {
      if (f.kind === 'eddsa') continue; // unsigned yet
      throw new Error(`${decl.name}: missing field ${f.name}`);
    }
    if (f.kind === 'uint' || f.kind === 'field') {
      const n = big(v, f.name);
      const bound = f.kind === 'uint' ? 1n << BigInt(f.bits) : FIELD_MODULUS;
      if (n < 0n || n >= bound) throw new RangeError(`${f.name} = ${n} is out of range`);
      out[f.name] = n;
    } else if (f.kind === 'bytes') {
      const b = hexToBytes(v);
      if (b.length !== f.size) throw new Error(`${f.name} must be ${f.size} bytes`);
      out[f.name] = b;
    } else if (f.kind === 'l2key') {
      out[f.name] = { x: fieldElement(v.x, 'public key x'), y: fieldElement(v.y, 'public key y') };
    } else {
      out[f.name] = {
        r8x: fieldElement(v.r8x, 'R8.x'), r8y: fieldElement(v.r8y, 'R8.y'), s: fieldElement(v.s, 'S'),
      };
    }
  }
  return out;
}

function fieldElement(v, name) {
  const n = big(v, name);
  if (n < 0n || n >= FIELD_MODULUS) throw new RangeError(`${name} is not a field element`);
  return n;
}

function declarationOf(typeName) {
  const decl = DECLARATIONS[typeName];
  if (!decl) throw new Error(`unknown ZK transaction type ${typeName}`);
  return decl;
}

/** The RLP items of a transaction's fields, in declaration order. */
export function rlpItems(typeName, fields) {
  const decl = declarationOf(typeName);
  const tx = normalise(decl, fields);
  const items = [];
  for (const f of decl.fields) {
    const v = tx[f.name];
    if (f.kind === 'uint' || f.kind === 'field') items.push(intBytes(v));
    else if (f.kind === 'bytes') items.push(v);
    else if (f.kind === 'l2key') items.push(intBytes(v.x), intBytes(v.y));
    else if (v === undefined) throw new Error(`${typeName} is not signed`);
    else items.push(intBytes(v.r8x), intBytes(v.r8y), intBytes(v.s));
  }
  return items;
}

/** The canonical encoding: type byte ‖ RLP list of the fields. */
export function encode(typeName, fields) {
  return concat(Uint8Array.of(declarationOf(typeName).type), rlpEncodeList(rlpItems(typeName, fields)));
}

/** The transaction hash: keccak256 of the encoding, as 0x hex. */
export function txHash(encoding) {
  return bytesToHex(keccak_256(encoding));
}

/** The field elements the signed message hashes: the type byte, then the declared slots. */
export function messageInputs(typeName, fields) {
  const decl = declarationOf(typeName);
  if (decl.message === null) throw new Error(`${typeName} is not signed with an L2 key`);
  const tx = normalise(decl, fields);
  const slot = (s) => {
    if (typeof s === 'number') return BigInt(s);
    if (typeof s === 'object') return (tx[s.pack[0]] << BigInt(s.bits)) + tx[s.pack[1]];
    const v = tx[s];
    return v instanceof Uint8Array ? beInt(v) : v;
  };
  return [BigInt(decl.type), ...decl.message.map(slot)];
}

/** M = poseidon([type byte, *slots]): the field element the sender's L2 key signs. */
export function message(typeName, fields) {
  return poseidon(messageInputs(typeName, fields));
}

// -- keys --

function prune(h) {
  const b = h.slice(0, 32);
  b[0] &= 0xf8;
  b[31] &= 0x7f;
  b[31] |= 0x40;
  return leInt(b);
}

/** An EdDSA-Poseidon private key (32 bytes), signing as zkbraid's node does (BLAKE2b-512). */
export class L2Key {
  constructor(secret) {
    this.secret = hexToBytes(secret);
    if (this.secret.length !== 32) throw new Error('an L2 private key is 32 bytes');
    this.expanded = blake2b(this.secret, { dkLen: 64 });
    this.scalar = prune(this.expanded);
    const [x, y] = mulPoint(Base8, this.scalar >> 3n);
    this.publicKey = { x, y };
  }

  /** The secret scalar (s >> 3) mod subOrder, what an ownership proof takes. */
  secretScalar() {
    return (this.scalar >> 3n) % SUB_ORDER;
  }

  /** Signs the field element `message`: { r8x, r8y, s }. */
  sign(message) {
    const m = fieldElement(message, 'message');
    const pk = this.publicKey;
    const r = leInt(blake2b(concat(this.expanded.slice(32), leBytes(m, 32)), { dkLen: 64 })) % SUB_ORDER;
    const [r8x, r8y] = mulPoint(Base8, r);
    const hm = poseidon([r8x, r8y, pk.x, pk.y, m]);
    return { r8x, r8y, s: (r + hm * this.scalar) % SUB_ORDER };
  }
}

/** circomlib's EdDSAPoseidonVerifier: S < subOrder, S·Base8 == R8 + 8·hm·A. */
export function verify(message, sig, publicKey) {
  const m = big(message, 'message');
  const [ax, ay] = [big(publicKey.x, 'x'), big(publicKey.y, 'y')];
  const [r8x, r8y, s] = [big(sig.r8x, 'R8.x'), big(sig.r8y, 'R8.y'), big(sig.s, 'S')];
  if (m >= FIELD_MODULUS || s >= SUB_ORDER) return false;
  if (!inCurve([r8x, r8y]) || !inCurve([ax, ay])) return false;
  const hm = poseidon([r8x, r8y, ax, ay, m]);
  const left = mulPoint(Base8, s);
  const a8 = mulPoint([ax, ay], 8n);
  if (a8[0] === 0n && a8[1] === 1n) return false; // small order
  const right = addPointTo([r8x, r8y], mulPoint(a8, hm));
  return left[0] === right[0] && left[1] === right[1];
}

/** The L2 key derived from an Ethereum private key: BLAKE2b-256(tag ‖ key). */
export function deriveL2Key(ethPrivateKey) {
  const key = hexToBytes(ethPrivateKey);
  if (key.length !== 32) throw new Error('an Ethereum private key is 32 bytes');
  const tag = new TextEncoder().encode(L2_KEY_DERIVATION_TAG);
  return new L2Key(blake2b(concat(tag, key), { dkLen: 32 }));
}

/** The 20-byte address of an Ethereum private key. */
export function ethAddress(ethPrivateKey) {
  const pub = secp256k1.getPublicKey(hexToBytes(ethPrivateKey), false);
  return keccak_256(pub.slice(1)).slice(12);
}

/** The text an Ethereum key signs (EIP-191) to register an L2 key. */
export function registerKeyText(chainId, publicKey, fee) {
  const h = (v) => '0x' + big(v, 'key').toString(16).padStart(64, '0');
  return (
    'zkbraid: register L2 key\n' +
    `chain: ${big(chainId, 'chain_id')}\n` +
    `key: ${h(publicKey.x)} ${h(publicKey.y)}\n` +
    `fee: ${big(fee, 'fee')}`
  );
}

/** EIP-191 personal_sign: r ‖ s ‖ v (27 or 28), low s, RFC 6979 nonce. */
export function personalSign(ethPrivateKey, text) {
  const msg = new TextEncoder().encode(text);
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${msg.length}`);
  const digest = keccak_256(concat(prefix, msg));
  const raw = secp256k1.sign(digest, hexToBytes(ethPrivateKey), {
    prehash: false, lowS: true, format: 'recovered',
  });
  const sig = secp256k1.Signature.fromBytes(raw, 'recovered');
  return concat(sig.toBytes('compact'), Uint8Array.of(27 + sig.recovery));
}

// -- signed transactions --

/** The fields of a RegisterKey binding `publicKey` to the address of `ethPrivateKey`. */
export function signRegisterKey(ethPrivateKey, publicKey, { chain_id, fee }) {
  return {
    chain_id, eth_address: ethAddress(ethPrivateKey), public_key: publicKey, fee,
    ecdsa_signature: personalSign(ethPrivateKey, registerKeyText(chain_id, publicKey, fee)),
  };
}

/** `fields` with the signature of `l2Key` over the type's message. */
export function signTx(l2Key, typeName, fields) {
  return { ...fields, signature: l2Key.sign(message(typeName, fields)) };
}

// -- JSON-RPC --

/** A zkbraid node over JSON-RPC (README, "JSON-RPC"). */
export class BraidClient {
  constructor(url = 'http://127.0.0.1:8645', { fetch: fetchImpl } = {}) {
    this.url = url;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
    this.nextId = 1;
  }

  async call(method, params = []) {
    const res = await this.fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    const body = await res.json();
    if (body.error) {
      const err = new Error(`${method}: ${body.error.message}`);
      err.code = body.error.code;
      err.data = body.error.data;
      throw err;
    }
    return body.result;
  }

  async chainId() {
    return BigInt(await this.call('zk_chainId'));
  }

  /** The account of an address or index (null: none), as zk_getAccount shows it. */
  account(ref) {
    return this.call('zk_getAccount', [typeof ref === 'bigint' ? Number(ref) : ref]);
  }

  /** The minimum fee of each signed type (zk_getFeeSchedule). */
  feeSchedule() {
    return this.call('zk_getFeeSchedule');
  }

  /** An NFT and its listing (null: none), as zk_getNft shows it. */
  nft(nftId) {
    return this.call('zk_getNft', [Number(nftId)]);
  }

  transaction(hash) {
    return this.call('zk_getTransaction', [hash]);
  }

  /** Submits an encoding (Uint8Array or 0x hex); returns the transaction hash. */
  sendRaw(encoding) {
    return this.call('zk_sendRawTransaction', [
      typeof encoding === 'string' ? encoding : bytesToHex(encoding),
    ]);
  }

  /** Registers the L2 key derived from `ethPrivateKey` (fee: the schedule's minimum). */
  async registerKey(ethPrivateKey, { fee } = {}) {
    const chainId = await this.chainId();
    fee ??= BigInt((await this.feeSchedule()).registerKey);
    const fields = signRegisterKey(ethPrivateKey, deriveL2Key(ethPrivateKey).publicKey, {
      chain_id: chainId, fee,
    });
    return this.sendRaw(encode('RegisterKey', fields));
  }

  /**
   * Signs and sends a transaction of a user type with the L2 key derived from
   * `ethPrivateKey`: `chain_id`, the sender's index, `nonce` (its pending nonce) and `fee` (the
   * schedule's minimum) are filled in when not given, and an NftBuy's `token` and `price` from
   * the NFT's listing. Returns the transaction hash.
   */
  async send(ethPrivateKey, typeName, fields) {
    const decl = declarationOf(typeName);
    if (decl.signedBy !== 'l2key') throw new Error(`${typeName} is not signed with an L2 key`);
    const tx = { ...fields };
    tx.chain_id ??= await this.chainId();
    if (tx[decl.sender] === undefined || tx.nonce === undefined) {
      const account = await this.account(bytesToHex(ethAddress(ethPrivateKey)));
      if (account === null) throw new Error('this key has no ZK account: registerKey first');
      tx[decl.sender] ??= account.index;
      tx.nonce ??= account.pendingNonce;
    }
    if (typeName === 'NftBuy' && (tx.token === undefined || tx.price === undefined)) {
      const nft = await this.nft(tx.nft_id);
      if (!nft || !nft.listing) throw new Error(`NFT ${tx.nft_id} is not listed`);
      tx.token ??= nft.listing.token;
      tx.price ??= nft.listing.price;
    }
    if (tx.fee === undefined) {
      const key = typeName[0].toLowerCase() + typeName.slice(1);
      tx.fee = BigInt((await this.feeSchedule())[key]);
    }
    const signed = signTx(deriveL2Key(ethPrivateKey), typeName, tx);
    return this.sendRaw(encode(typeName, signed));
  }

  /** Polls zk_getTransaction until the transaction's status is not pending. */
  async wait(hash, { timeoutMs = 30000, pollMs = 250 } = {}) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const tx = await this.transaction(hash);
      if (tx && tx.status !== 'pending') return tx;
      if (Date.now() > end) throw new Error(`${hash} not ordered in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
