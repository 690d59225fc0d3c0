// Compiles every contract under contracts/ with the pinned solc-js into contracts/artifacts/
// (ABI, bytecode, and the sha256 of the source they came from). Run: node scripts/compile_contracts.js
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const solc = require("solc");

const root = path.join(__dirname, "..", "contracts");
const outDir = path.join(root, "artifacts");
const EVM_VERSION = "cancun";

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "artifacts" ? [] : sources(p);
    return e.name.endsWith(".sol") ? [p] : [];
  });
}

const files = sources(root);
const input = {
  language: "Solidity",
  sources: Object.fromEntries(
    files.map((f) => [path.relative(root, f), { content: fs.readFileSync(f, "utf8") }])
  ),
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
for (const [file, contracts] of Object.entries(output.contracts)) {
  const sourceHash = crypto.createHash("sha256").update(input.sources[file].content).digest("hex");
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = {
      contractName: name,
      source: file,
      sourceSha256: sourceHash,
      compiler: solc.version(),
      evmVersion: EVM_VERSION,
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
      deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
    console.log(`compiled ${file}:${name}`);
  }
}
