// Sends one ZK transaction signed by sdk/js to a node, and waits until it is ordered.
//   node tests/integration/sdk_js_send.mjs <node url> <eth private key> <type> <fields json>
// Fields the client fills in (chain id, sender, nonce, fee) may be left out; integers are
// decimal strings. Type RegisterKey registers the key's derived L2 key (fields: {}).
// Prints "HASH 0x…" once sent and "STATUS {json}" once ordered.
import { BraidClient } from '../../sdk/js/zkbraid.js';

const [url, ethKey, type, fieldsJson] = process.argv.slice(2);
const client = new BraidClient(url);
const hash =
  type === 'RegisterKey'
    ? await client.registerKey(ethKey)
    : await client.send(ethKey, type, JSON.parse(fieldsJson));
console.log(`HASH ${hash}`);
console.log(`STATUS ${JSON.stringify(await client.wait(hash, { timeoutMs: 60000 }))}`);
