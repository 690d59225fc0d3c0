// Compiles every contract under contracts/ with the pinned solc-js into contracts/artifacts/
// (ABI, bytecode, and the sha256 of the source they came from).
//
//   node scripts/compile_contracts.js           write the artifacts
//   node scripts/compile_contracts.js --check   write nothing; exit 1 listing every artifact that
//                                               is stale, missing or left over from a removed source
//
// Abstract contracts (no bytecode) get no artifact. Each folder of contracts/ is one compilation
// unit with its own settings (COMPILATIONS): the fast chain's examples and the L1 contracts are
// deployed on different chains and tuned separately.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const solc = require("solc");

const root = path.join(__dirname, "..", "contracts");
const outDir = path.join(root, "artifacts");
const EVM_VERSION = "cancun";
const COMPILATIONS = [
  { dir: "fast", optimizer: { enabled: true, runs: 200 } },
  // The rollup runs its batch path a few times a block for years: optimize for runtime gas.
  { dir: "l1", optimizer: { enabled: true, runs: 10000 } },
];

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".sol") ? [p] : [];
  });
}

function compile({ dir, optimizer, viaIR = false }) {
  const files = sources(path.join(root, dir)).sort();
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(
      files.map((f) => [path.relative(root, f), { content: fs.readFileSync(f, "utf8") }])
    ),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer,
      viaIR,
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = output.errors || [];
  for (const e of problems) console.error(e.formattedMessage);
  if (problems.some((e) => e.severity === "error")) process.exit(1);
  const artifacts = {};
  for (const [file, contracts] of Object.entries(output.contracts)) {
    const sourceHash = crypto.createHash("sha256").update(input.sources[file].content).digest("hex");
    for (const [name, c] of Object.entries(contracts)) {
      if (!c.evm.bytecode.object) continue; // abstract
      if (artifacts[name]) {
        console.error(`two contracts named ${name}: ${artifacts[name].source} and ${file}`);
        process.exit(1);
      }
      artifacts[name] = {
        contractName: name,
        source: file,
        sourceSha256: sourceHash,
        compiler: solc.version(),
        evmVersion: EVM_VERSION,
        optimizer,
        viaIR,
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      };
    }
  }
  return artifacts;
}

const covered = new Set(COMPILATIONS.flatMap((u) => sources(path.join(root, u.dir))));
const orphans = sources(root).filter((f) => !f.startsWith(outDir) && !covered.has(f));
if (orphans.length) {
  console.error(`not in any compilation unit (COMPILATIONS): ${orphans.join(", ")}`);
  process.exit(1);
}

const artifacts = {};
for (const unit of COMPILATIONS) {
  for (const [name, a] of Object.entries(compile(unit))) {
    if (artifacts[name]) {
      console.error(`two contracts named ${name}: ${artifacts[name].source} and ${a.source}`);
      process.exit(1);
    }
    artifacts[name] = a;
  }
}
const text = (a) => JSON.stringify(a, null, 2) + "\n";

if (process.argv.includes("--check")) {
  const stale = [];
  for (const [name, a] of Object.entries(artifacts)) {
    const file = path.join(outDir, `${name}.json`);
    if (!fs.existsSync(file)) stale.push(`${name}.json: missing (from ${a.source})`);
    else if (fs.readFileSync(file, "utf8") !== text(a)) stale.push(`${name}.json: stale (${a.source} changed)`);
  }
  for (const f of fs.existsSync(outDir) ? fs.readdirSync(outDir) : []) {
    if (f.endsWith(".json") && !artifacts[f.slice(0, -5)]) stale.push(`${f}: no source compiles to it`);
  }
  if (stale.length) {
    for (const s of stale) console.error(s);
    console.error("run: node scripts/compile_contracts.js");
    process.exit(1);
  }
  console.log(`all ${Object.keys(artifacts).length} artifacts are up to date`);
  process.exit(0);
}

fs.mkdirSync(outDir, { recursive: true });
for (const [name, a] of Object.entries(artifacts)) {
  fs.writeFileSync(path.join(outDir, `${name}.json`), text(a));
  console.log(`compiled ${a.source}:${name}`);
}
