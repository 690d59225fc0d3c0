// Opens sdk/js/test/index.html in headless Chromium (Debian's /usr/bin/chromium, by
// playwright-core): the page checks sdk/js against docs/spec/vectors/zk.json.
//   node tests/browser/sdk_js_page.cjs <page url> <timeout s>
// Prints the page's console ("[page] …") and "RESULT {json}" (window.zkbraidVectors).
'use strict';
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
  const [url, timeoutS] = process.argv.slice(2);
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
    await page.waitForFunction(() => window.zkbraidVectors);
    console.log(`RESULT ${JSON.stringify(await page.evaluate(() => window.zkbraidVectors))}`);
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
