// Reference vectors from circomlibjs (the JavaScript twin of circomlib's circuits).
//
// Reads one JSON request on stdin and writes one JSON answer on stdout; every number is a
// decimal string. Request keys (all optional):
//   poseidon: [[x, ...], ...]                     -> [hash, ...]
//   sign:     [{prv: hex32, msg}, ...]            -> [{ax, ay, r8x, r8y, s}, ...] (signPoseidon)
//   verify:   [{msg, r8x, r8y, s, ax, ay}, ...]   -> [bool, ...]                  (verifyPoseidon)
//   pack:     [[x, y], ...]                       -> [hex32, ...]                 (packPoint)
//   unpack:   [hex32, ...]                        -> [[x, y] | null, ...]         (unpackPoint)
//   add:      [[[x, y], [x, y]], ...]             -> [[x, y], ...]                (addPoint)
//   mul:      [[[x, y], k], ...]                  -> [[x, y], ...]                (mulPointEscalar)
//   points:   [[x, y], ...]                       -> [{inCurve, inSubgroup}, ...]
// and the answer's `version` is circomlibjs's.
//
// tests/vectors/circomlibjs.py builds the request and freezes request and answer as
// tests/vectors/circomlibjs.json (`python -m tests.vectors.circomlibjs --write`), which the
// tests read without node; one test reruns this script and compares. Run from the repository
// root so node finds node_modules.
const fs = require("fs");
const path = require("path");
const { buildEddsa, buildPoseidon } = require("circomlibjs");

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const poseidon = await buildPoseidon();
  const eddsa = await buildEddsa();
  const F = eddsa.babyJub.F;
  const out = {};
  const str = (e) => F.toObject(e).toString();

  if (req.poseidon) {
    out.poseidon = req.poseidon.map((xs) => poseidon.F.toObject(poseidon(xs.map(BigInt))).toString());
  }
  if (req.sign) {
    out.sign = req.sign.map(({ prv, msg }) => {
      const key = Buffer.from(prv, "hex");
      const A = eddsa.prv2pub(key);
      const sig = eddsa.signPoseidon(key, F.e(BigInt(msg)));
      return { ax: str(A[0]), ay: str(A[1]), r8x: str(sig.R8[0]), r8y: str(sig.R8[1]), s: sig.S.toString() };
    });
  }
  if (req.verify) {
    out.verify = req.verify.map(({ msg, r8x, r8y, s, ax, ay }) =>
      eddsa.verifyPoseidon(
        F.e(BigInt(msg)),
        { R8: [F.e(BigInt(r8x)), F.e(BigInt(r8y))], S: BigInt(s) },
        [F.e(BigInt(ax)), F.e(BigInt(ay))],
      ),
    );
  }
  const point = ([x, y]) => [F.e(BigInt(x)), F.e(BigInt(y))];
  const pair = (P) => [str(P[0]), str(P[1])];
  if (req.unpack) {
    out.unpack = req.unpack.map((hex) => {
      const P = eddsa.babyJub.unpackPoint(Buffer.from(hex, "hex"));
      return P === null ? null : pair(P);
    });
  }
  if (req.add) {
    out.add = req.add.map(([a, b]) => pair(eddsa.babyJub.addPoint(point(a), point(b))));
  }
  if (req.mul) {
    out.mul = req.mul.map(([a, k]) => pair(eddsa.babyJub.mulPointEscalar(point(a), BigInt(k))));
  }
  if (req.points) {
    out.points = req.points.map((p) => ({
      inCurve: eddsa.babyJub.inCurve(point(p)),
      inSubgroup: eddsa.babyJub.inSubgroup(point(p)),
    }));
  }
  if (req.pack) {
    out.pack = req.pack.map(([x, y]) =>
      Buffer.from(eddsa.babyJub.packPoint([F.e(BigInt(x)), F.e(BigInt(y))])).toString("hex"),
    );
  }
  const manifest = path.join(path.dirname(require.resolve("circomlibjs")), "..", "package.json");
  out.version = JSON.parse(fs.readFileSync(manifest, "utf8")).version;
  process.stdout.write(JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
