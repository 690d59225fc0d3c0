// Makes one NFT ownership proof in headless Chromium (Debian's /usr/bin/chromium, by
// playwright-core) with web/prover/ownership.js, in the browser prover's Web Worker.
//   node tests/browser/ownership_page.cjs <page url> <input.json> <options.json> <timeout s>
// The page at <page url> loads /prover/ownership.js; <options.json> holds the URLs of the
// circuit's files ({wasmUrl, zkeyUrl, vkeyUrl, snarkjsUrl}). Prints the page's console as it
// goes ("[page] …") and "RESULT {json}" (zkbraidOwnership.prove's result); exits 1 on failure.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function main() {
  const [url, inputPath, optionsPath, timeoutS] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const options = JSON.parse(fs.readFileSync(optionsPath, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.ZKBRAID_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(Number(timeoutS) * 1000);
    page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    console.log(`browser ${browser.version()} at ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.zkbraidOwnership);
    const result = await page.evaluate(
      ([inp, opts]) =>
        window.zkbraidOwnership.prove(inp, {
          ...opts,
          onProgress: (message) => console.log(`ownership: ${message}`),
        }),
      [input, options],
    );
    console.log(`RESULT ${JSON.stringify(result)}`);
    return 0;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`failed: ${err.stack || err}`);
    process.exit(1);
  },
);
