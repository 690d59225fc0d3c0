#!/usr/bin/env node
// zkbraid's bridge to snarkjs (npm, pinned in package.json), run by src/zkbraid/proving:
//
//   node snarkjs_runner.cjs witness <circuit.wasm> <input.json> <out.wtns>
//       circom's own witness generator (the circuit's wasm, run by snarkjs/circom_runtime):
//       fails, naming the template and line, when any circuit assertion does not hold.
//   node snarkjs_runner.cjs prove <circuit.wasm> <circuit.zkey> <input.json>
//       witness (as above) and Groth16 proof (snarkjs.groth16.prove, what fullProve does);
//       prints {"proof", "publicSignals"}.
//   node snarkjs_runner.cjs verify <verification_key.json> <proof.json> <public.json>
//       prints true or false.
//   node snarkjs_runner.cjs serve
//       the same commands as JSON lines on stdin ({"cmd": "prove", "args": [...]}), one JSON
//       reply per line ({"ok": result} or {"error": message}): saves node's start-up per proof.
//
// Exit status 0 on success, 2 when the circuit refused the input, 1 for anything else.
"use strict";

const fs = require("fs");
const util = require("util");
const snarkjs = require("snarkjs");
const { WitnessCalculatorBuilder } = require("circom_runtime");
const { unstringifyBigInts } = require("ffjavascript").utils;

// stdout carries the replies only: whatever the libraries print goes to stderr.
for (const name of ["log", "info", "warn", "debug"]) {
    console[name] = (...args) => process.stderr.write(util.format(...args) + "\n");
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function circuitRefused(err) {
    const text = String(err && err.message ? err.message : err);
    return /Assert Failed|Error in template|Not enough values|Too many values|Signal not found/.test(text);
}

// Compiled witness generators by wasm file (compiling the wasm costs more than running it).
// One that failed is dropped: a trapped wasm instance is not reused.
const calculators = new Map();

async function computeWitness(wasm, inputPath, out) {
    const stat = fs.statSync(wasm);
    const key = `${wasm}:${stat.size}:${stat.mtimeMs}`;
    if (!calculators.has(key)) {
        calculators.set(key, await WitnessCalculatorBuilder(fs.readFileSync(wasm)));
    }
    const input = unstringifyBigInts(JSON.parse(fs.readFileSync(inputPath, "utf8")));
    try {
        const wtns = await calculators.get(key).calculateWTNSBin(input, true);
        fs.writeFileSync(out, wtns);
    } catch (err) {
        calculators.delete(key);
        throw err;
    }
}

async function run(cmd, args) {
    if (cmd === "witness") {
        const [wasm, inputPath, out] = args;
        await computeWitness(wasm, inputPath, out);
        return true;
    }
    if (cmd === "prove") {
        // snarkjs.groth16.fullProve, with the witness from the cached generator.
        const [wasm, zkey, inputPath] = args;
        const wtns = `${inputPath}.wtns`;
        await computeWitness(wasm, inputPath, wtns);
        try {
            const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, wtns, quiet);
            return { proof, publicSignals };
        } finally {
            fs.rmSync(wtns, { force: true });
        }
    }
    if (cmd === "verify") {
        const [vkeyPath, proofPath, publicPath] = args;
        const vkey = JSON.parse(fs.readFileSync(vkeyPath, "utf8"));
        const proof = JSON.parse(fs.readFileSync(proofPath, "utf8"));
        const pub = JSON.parse(fs.readFileSync(publicPath, "utf8"));
        return await snarkjs.groth16.verify(vkey, pub, proof, quiet);
    }
    throw new Error(`unknown command ${cmd}`);
}

async function serve() {
    const readline = require("readline");
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    for await (const line of rl) {
        if (!line.trim()) continue;
        let reply;
        try {
            const { cmd, args } = JSON.parse(line);
            reply = { ok: await run(cmd, args) };
        } catch (err) {
            reply = { error: String(err && err.message ? err.message : err), refused: circuitRefused(err) };
        }
        process.stdout.write(JSON.stringify(reply) + "\n");
    }
}

async function main() {
    const [cmd, ...args] = process.argv.slice(2);
    if (cmd === "serve") {
        await serve();
        return 0;
    }
    try {
        const result = await run(cmd, args);
        process.stdout.write(JSON.stringify(result) + "\n");
        return 0;
    } catch (err) {
        process.stderr.write(String(err && err.message ? err.message : err) + "\n");
        return circuitRefused(err) ? 2 : 1;
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
        process.exit(1);
    }
);
