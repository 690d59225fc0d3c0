// Drives the browser prover page in headless Chromium (Debian's /usr/bin/chromium, by
// playwright-core) until it has had `target` submissions accepted, then presses Stop, Start
// (the registered prover resumes with a heartbeat) and Stop again.
//   node tests/browser/prover_page.cjs <page url> <fresh user-data-dir> <target> <timeout s>
// Prints the page's console as it goes ("[page] …"), "ADDRESS 0x…" once the page has its key,
// and "RESULT {json}" (window.zkbraidProver) at the end; exits 1 on a timeout.
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
  const [url, userDataDir, target, timeoutS] = process.argv.slice(2);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.ZKBRAID_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  page.on('crash', () => console.log('[page crashed]'));
  const stop = async () => {
    await page.click('#stop');
    await page.waitForFunction(() => window.zkbraidProver.status === 'stopped', null, {
      timeout: 60000,
    });
  };
  const state = () => page.evaluate(() => JSON.parse(JSON.stringify(window.zkbraidProver)));
  let code = 0;
  try {
    console.log(`browser ${context.browser() ? context.browser().version() : ''} at ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.zkbraidProver && window.zkbraidProver.address);
    console.log(`ADDRESS ${(await state()).address}`);
    try {
      await page.waitForFunction((n) => window.zkbraidProver.accepted >= n, Number(target), {
        timeout: Number(timeoutS) * 1000,
        polling: 250,
      });
    } catch (err) {
      const s = await state();
      console.log(`timed out: ${s.accepted} of ${target} accepted; last error: ${s.lastError}`);
      code = 1;
    }
    await stop();
    // Start again: the registered prover comes back with a heartbeat, then Stop once more.
    await page.click('#start');
    await page.waitForFunction(
      () => /^running/.test(window.zkbraidProver.status) && window.zkbraidProver.prover &&
        window.zkbraidProver.prover.active,
      null,
      { timeout: 60000, polling: 250 },
    );
    console.log('RESTARTED active');
    await stop();
    console.log(`RESULT ${JSON.stringify(await state())}`);
  } finally {
    await context.close();
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`failed: ${err.stack || err}`);
    process.exit(1);
  },
);
