// Checks sdk/js against docs/spec/vectors/zk.json; shared by the node test and the browser
// test. Returns the list of mismatches (empty: every vector passes) and how many were checked.
export function checkVectors(z, vectors) {
  const failures = [];
  let checked = 0;
  const eq = (what, got, want) => {
    checked++;
    const g = typeof got === 'bigint' ? got.toString() : got;
    if (JSON.stringify(g) !== JSON.stringify(want)) {
      failures.push(`${what}: got ${JSON.stringify(g)}, want ${JSON.stringify(want)}`);
    }
  };
  const str = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]));

  for (const d of vectors.declarations) {
    const mine = z.DECLARATIONS[d.name];
    eq(`${d.name} declaration`, mine && {
      type: mine.type, signedBy: mine.signedBy, sender: mine.sender, fields: mine.fields,
      message: mine.message,
    }, { type: d.type, signedBy: d.signedBy, sender: d.sender, fields: d.fields,
      message: d.message });
  }
  eq('declared types', Object.keys(z.DECLARATIONS).sort(),
    vectors.declarations.map((d) => d.name).sort());

  for (const k of vectors.keys) {
    const key = z.deriveL2Key(k.ethPrivateKey);
    eq(`key ${k.devIndex} address`, z.bytesToHex(z.ethAddress(k.ethPrivateKey)),
      k.address.toLowerCase());
    eq(`key ${k.devIndex} L2 private key`, z.bytesToHex(key.secret), k.l2PrivateKey);
    eq(`key ${k.devIndex} L2 public key`, str(key.publicKey), k.l2PublicKey);
    eq(`key ${k.devIndex} secret scalar`, key.secretScalar(), k.l2SecretScalar);
  }

  for (const v of vectors.transactions) {
    const decl = z.DECLARATIONS[v.type];
    eq(`${v.name} rlp items`, z.rlpItems(v.type, v.fields).map(z.bytesToHex), v.rlpItems);
    const encoding = z.encode(v.type, v.fields);
    eq(`${v.name} encoding`, z.bytesToHex(encoding), v.encoding);
    eq(`${v.name} hash`, z.txHash(encoding), v.hash);
    if (v.signer === null) continue;
    const eth = vectors.keys[v.signer].ethPrivateKey;
    const { signature, ecdsa_signature, ...unsigned } = v.fields;
    if (decl.signedBy === 'ethereum') {
      eq(`${v.name} signing text`,
        z.registerKeyText(v.fields.chain_id, v.fields.public_key, v.fields.fee), v.signingText);
      const made = z.signRegisterKey(eth, z.deriveL2Key(eth).publicKey, {
        chain_id: v.fields.chain_id, fee: v.fields.fee,
      });
      eq(`${v.name} remade`, z.bytesToHex(z.encode(v.type, made)), v.encoding);
      continue;
    }
    eq(`${v.name} message inputs`, z.messageInputs(v.type, unsigned).map(String),
      v.messageInputs);
    eq(`${v.name} message`, z.message(v.type, unsigned), v.message);
    const signed = z.signTx(z.deriveL2Key(eth), v.type, unsigned);
    eq(`${v.name} signature`, str(signed.signature), signature);
    eq(`${v.name} remade`, z.bytesToHex(z.encode(v.type, signed)), v.encoding);
    eq(`${v.name} verifies`, z.verify(BigInt(v.message), signature,
      vectors.keys[v.signer].l2PublicKey), true);
    eq(`${v.name} altered message fails`, z.verify(BigInt(v.message) + 1n, signature,
      vectors.keys[v.signer].l2PublicKey), false);
  }
  return { failures, checked };
}
