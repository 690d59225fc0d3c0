// The browser prover's page logic (issue 4): a prover key, registration and heartbeats, the
// jobs the proving market assigns to this prover, proofs made by worker.js, signed submissions.
// Plain JavaScript over ethers (the page loads ethers.umd.min.js and encoding.js first).
//
// window.zkbraidProver is the page's state, for people at the console and for tests:
// {address, running, status, accepted, failed, lastError, log, jobs, prover, lastProofMs}.
(function () {
  'use strict';

  const enc = window.zkbraidEncoding;
  const KEY_STORAGE = 'zkbraid.prover.key';
  const POLL_MS = 1000; // how often the assignments are asked for
  const MAX_HEARTBEAT_MS = 20000; // heartbeat cadence: min(20 s, heartbeat window / 3)
  const WAIT_MS = 30000; // one braid_waitForTransaction long-poll
  const WAIT_TRIES = 4;
  const MAX_LOG = 500;

  const query = new URLSearchParams(window.location.search);
  const $ = (id) => document.getElementById(id);

  const state = {
    address: null,
    running: false,
    status: 'stopped',
    accepted: 0, // proofs and bundles whose submission was included and succeeded
    failed: 0,
    lastError: null,
    lastProofMs: null,
    log: [],
    jobs: [], // a copy of the job table, oldest first (see `jobs` below)
    prover: null, // the node's record of this prover (braid_getProver)
    circuit: null, // /prover/circuit/info.json
  };
  window.zkbraidProver = state;

  let wallet = null;
  let rpcUrl = query.get('rpc') || `${window.location.origin}/`;
  let heartbeatMs = MAX_HEARTBEAT_MS;
  let heartbeatTimer = null;
  let pollTimer = null;
  let session = 0; // bumped by every start and stop: work of an older session stands down
  const jobs = new Map(); // jobId -> job (see `track`)
  let provingQueue = Promise.resolve(); // one proof at a time, in assignment order
  let marketQueue = Promise.resolve(); // market transactions in nonce order

  // -- log and errors -------------------------------------------------------------------------

  function log(message) {
    const line = `${new Date().toISOString().slice(11, 23)} ${message}`;
    state.log.push(line);
    if (state.log.length > MAX_LOG) state.log.splice(0, state.log.length - MAX_LOG);
    console.log(`[zkbraid prover] ${message}`);
    const pre = $('log');
    pre.append(`${line}\n`);
    while (pre.childNodes.length > MAX_LOG) pre.firstChild.remove();
    pre.scrollTop = pre.scrollHeight;
  }

  function showError(err) {
    const message = String((err && err.message) || err);
    state.lastError = message;
    $('error').textContent = message;
    $('error').hidden = false;
    log(`error: ${message}`);
  }

  function setStatus(text) {
    state.status = text;
    $('status').textContent = text;
  }

  // -- the node ------------------------------------------------------------------------------

  let rpcId = 0;

  async function rpc(method, ...params) {
    let response;
    try {
      response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
      });
    } catch (err) {
      throw new Error(`${method}: the node at ${rpcUrl} is unreachable (${err.message})`);
    }
    if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
    const reply = await response.json();
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result;
  }

  /** Waits until a transaction is ordered; its status object (status, error, …). */
  async function waitFor(hash) {
    for (let i = 0; i < WAIT_TRIES; i++) {
      const status = await rpc('braid_waitForTransaction', hash, WAIT_MS);
      if (status && status.status !== 'pending') return status;
    }
    throw new Error(`transaction ${hash} was not ordered within ${(WAIT_TRIES * WAIT_MS) / 1000} s`);
  }

  const ok = (status) => status.status === 'committed' || status.status === 'proven';

  /** Sends a market transaction built by `build(prover record)`, in nonce order, and waits. */
  function marketTx(what, build) {
    const run = async () => {
      const prover = await rpc('braid_getProver', state.address);
      const raw = await build(prover);
      const hash = await rpc('braid_sendMarketTx', raw);
      const status = await waitFor(hash);
      if (!ok(status)) throw new Error(`${what} ${status.status}: ${status.error || 'no reason given'}`);
      return status;
    };
    const result = marketQueue.then(run);
    marketQueue = result.catch(() => {});
    return result;
  }

  // -- the key -------------------------------------------------------------------------------

  function setWallet(next, why) {
    wallet = next;
    state.address = next.address.toLowerCase();
    window.localStorage.setItem(KEY_STORAGE, next.privateKey);
    $('address').textContent = state.address;
    $('private-key').hidden = true;
    $('show-key').textContent = 'Show key';
    state.prover = null;
    jobs.clear();
    state.accepted = 0;
    state.failed = 0;
    log(`${why}: prover address ${state.address}`);
    render();
  }

  function loadStoredKey() {
    const stored = window.localStorage.getItem(KEY_STORAGE);
    if (stored) {
      try {
        setWallet(new ethers.Wallet(stored), 'key loaded from this browser');
        return;
      } catch (err) {
        showError(new Error(`the stored key is not a private key (${err.message}); made a new one`));
      }
    }
    setWallet(ethers.Wallet.createRandom(), 'new key');
  }

  // -- the circuit and the worker ------------------------------------------------------------

  let worker = null;
  let workerBusy = false;
  const pending = new Map(); // proof id -> {resolve, reject, job}
  let proofId = 0;

  async function loadCircuit() {
    const response = await fetch('/prover/circuit/info.json', { cache: 'no-cache' });
    const info = await response.json();
    state.circuit = info;
    if (!info.available) throw new Error(info.reason || 'this node cannot prove');
    const mb = (info.sizes.zkey / 1e6).toFixed(1);
    const insecure = info.insecure ? ', INSECURE development keys' : '';
    $('circuit').textContent =
      `Circuit: ${info.digest.slice(0, 12)}…, ${info.constraints || '?'} constraints, ` +
      `keys "${info.keys}"${insecure}; proving key ${mb} MB (downloaded once per page)`;
    return info;
  }

  function startWorker() {
    const lib = state.circuit.libraries.snarkjs;
    const url = `/prover/worker.js${lib ? `?snarkjs=${encodeURIComponent(lib.url)}` : ''}`;
    worker = new Worker(url);
    worker.onmessage = (event) => {
      const m = event.data;
      const waiting = pending.get(m.id);
      if (!waiting) return;
      if (m.type === 'progress') {
        log(`job ${short(waiting.job.jobId)}: ${m.message}`);
      } else {
        pending.delete(m.id);
        workerBusy = pending.size > 0;
        if (m.type === 'proved') waiting.resolve(m);
        else waiting.reject(new Error(`proving failed: ${m.message}`));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      stopWorker(new Error(`the proving worker crashed: ${event.message || 'unknown error'}`));
    };
  }

  function stopWorker(reason) {
    if (worker) worker.terminate();
    worker = null;
    workerBusy = false;
    for (const waiting of pending.values()) waiting.reject(reason);
    pending.clear();
  }

  function proveInWorker(job, input) {
    if (!worker) startWorker();
    const files = state.circuit.files;
    const id = ++proofId;
    workerBusy = true;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, job });
      worker.postMessage({
        type: 'prove', id, input, wasmUrl: files.wasm, zkeyUrl: files.zkey, vkeyUrl: files.vkey,
      });
    });
  }

  // -- jobs ----------------------------------------------------------------------------------

  // A job's states: queued → fetching → proving → submitting → accepted | failed; lost (it left
  // this prover's assignments before its submission: reassigned, or proven by another) and
  // abandoned (the prover stopped). A job is worked on by one run at a time: a run stands down
  // at its next step once the job is no longer held, and a job that comes back while its run
  // is still going is simply held again, never started twice.
  const UNSUBMITTED = new Set(['queued', 'fetching', 'proving']);
  const RETRY_MS = 5000; // a failed job still assigned here is tried again after this …
  const MAX_TRIES = 3; // … up to this many times per attempt
  let runs = 0;

  function track(a) {
    const job = {
      jobId: a.jobId,
      kind: a.kind,
      txHash: a.txHash || null,
      batch: a.batch,
      attempt: a.attempt,
      bounty: a.bounty,
      deadline: a.deadline,
      state: 'queued',
      error: null,
      proveMs: null,
      held: true, // in this prover's assignments at the last poll
      run: 0, // the run working on it (0: none)
      tries: 0,
      failedAt: 0,
    };
    jobs.set(a.jobId, job);
    const what = job.kind === 'tx' ? `tx ${short(job.txHash)}` : `batch ${job.batch}`;
    log(`job ${short(job.jobId)}: assigned (${job.kind} ${what}, bounty ${zkpow(job.bounty)}, ` +
      `attempt ${job.attempt})`);
    return job;
  }

  /** Starts a run of `job`: proofs wait for the one worker, bundles need none. */
  function schedule(job) {
    const run = ++runs;
    job.run = run;
    job.state = 'queued';
    job.error = null;
    job.tries += 1;
    const go = () => runJob(job, run, session);
    if (job.kind === 'tx') provingQueue = provingQueue.then(go);
    else go();
  }

  /** Why a run stops working on a job without failing: it is `lost` or `abandoned`. */
  class Standing extends Error {
    constructor(outcome, reason) {
      super(reason);
      this.outcome = outcome;
    }
  }

  /** Throws Standing if this run must stop working on the job. */
  function check(job, run, mine) {
    if (job.run !== run || mine !== session || !state.running) {
      throw new Standing('abandoned', 'the prover stopped');
    }
    if (!job.held) throw new Standing('lost', 'no longer assigned to this prover');
  }

  async function runJob(job, run, mine) {
    try {
      check(job, run, mine);
      if (job.kind === 'tx') await proveTx(job, run, mine);
      else await aggregate(job, run, mine);
    } catch (err) {
      if (job.run !== run) return; // a newer run has the job
      if (err instanceof Standing) {
        job.state = err.outcome;
        log(`job ${short(job.jobId)}: ${job.state} (${err.message})`);
      } else {
        job.state = 'failed';
        job.error = String(err.message || err);
        job.failedAt = Date.now();
        state.failed += 1;
        showError(new Error(`job ${short(job.jobId)}: ${job.error}`));
      }
    } finally {
      if (job.run === run) job.run = 0;
      render();
    }
  }

  async function proveTx(job, run, mine) {
    job.state = 'fetching';
    render();
    const work = await rpc('zk_getProofJob', job.txHash);
    if (!work) throw new Error(`the node has no proving job for ${job.txHash}`);
    if (work.proven) throw new Standing('lost', 'already proven');
    check(job, run, mine);
    job.state = 'proving';
    render();
    const result = await proveInWorker(job, work.job.witness);
    job.proveMs = result.proveMs;
    state.lastProofMs = result.proveMs;
    const verify = result.verifyMs === null ? '' : `, checked in ${(result.verifyMs / 1000).toFixed(2)} s`;
    log(`job ${short(job.jobId)}: proved in ${(result.proveMs / 1000).toFixed(2)} s${verify}`);
    check(job, run, mine);
    const raw = await enc.submitProof(wallet, job.txHash, enc.proofBytes(result.proof));
    await submit(job, 'zk_submitProof', raw);
  }

  async function aggregate(job, run, mine) {
    job.state = 'fetching';
    render();
    const work = await rpc('braid_getAggregationJob', job.batch);
    // encoding.submitBundle recomputes the bundle hash and refuses to sign a different one.
    const raw = await enc.submitBundle(wallet, work.batch, work.entries, work.bundleHash);
    log(`job ${short(job.jobId)}: bundle of batch ${work.batch} (${work.entries.length} proofs), ` +
      `hash ${short(work.bundleHash)} checked`);
    check(job, run, mine);
    await submit(job, 'braid_sendMarketTx', raw);
  }

  async function submit(job, method, raw) {
    job.state = 'submitting';
    render();
    const hash = await rpc(method, raw);
    log(`job ${short(job.jobId)}: submitted in transaction ${short(hash)}`);
    const status = await waitFor(hash);
    if (!ok(status)) throw new Error(`the submission ${status.status}: ${status.error || 'no reason given'}`);
    job.state = 'accepted';
    state.accepted += 1;
    log(`job ${short(job.jobId)}: accepted (${state.accepted} so far)`);
  }

  // -- the market loop -----------------------------------------------------------------------

  async function poll(mine) {
    try {
      const [assignments, prover] = await Promise.all([
        rpc('braid_getAssignments', state.address),
        rpc('braid_getProver', state.address),
      ]);
      if (mine !== session) return;
      state.prover = prover;
      const held = new Set(assignments.map((a) => a.jobId));
      for (const job of jobs.values()) {
        if (held.has(job.jobId) || !job.held) continue;
        job.held = false;
        if (UNSUBMITTED.has(job.state)) log(`job ${short(job.jobId)}: no longer assigned to this prover`);
        if (job.state === 'queued') job.state = 'lost';
      }
      for (const a of assignments) {
        const job = jobs.get(a.jobId) || track(a);
        job.held = true;
        job.bounty = a.bounty;
        job.deadline = a.deadline;
        if (job.run) continue; // being worked on (again held, if it had left)
        if (job.attempt !== a.attempt) {
          job.attempt = a.attempt; // back to this prover after a reassignment
          job.tries = 0;
        }
        const again = job.state === 'failed'
          ? job.tries < MAX_TRIES && Date.now() - job.failedAt >= RETRY_MS
          : job.state !== 'accepted' && job.state !== 'submitting';
        if (again) {
          if (job.tries) log(`job ${short(job.jobId)}: trying again (attempt ${job.attempt})`);
          schedule(job);
        }
      }
      const busy = [...jobs.values()].filter((j) => j.run).length;
      setStatus(busy ? `running: ${busy} job(s) in hand` : 'running: waiting for jobs');
      render();
    } catch (err) {
      showError(err);
    } finally {
      if (mine === session && state.running) pollTimer = setTimeout(() => poll(mine), POLL_MS);
    }
  }

  function heartbeat() {
    return marketTx('heartbeat', (prover) => {
      if (!prover) throw new Error('this prover is not registered');
      return enc.heartbeat(wallet, prover.pendingNonce);
    }).then(
      () => log('heartbeat included'),
      (err) => showError(err),
    );
  }

  async function start() {
    if (state.running) return;
    state.running = true;
    const mine = ++session;
    rpcUrl = $('rpc').value.trim() || rpcUrl;
    $('error').hidden = true;
    state.lastError = null;
    render();
    try {
      setStatus('connecting');
      const [market] = await Promise.all([rpc('braid_market'), loadCircuit()]);
      const p = market.params;
      heartbeatMs = Math.max(1000, Math.min(MAX_HEARTBEAT_MS, Math.floor(p.heartbeatWindowMs / 3)));
      log(`node ${rpcUrl}: height ${market.height}, ${market.activeProvers} active prover(s); ` +
        `deadline ${p.deadlineMs / 1000} s / ${p.deadlineBlocks} blocks, fine ${zkpow(p.fine)}, ` +
        `heartbeat every ${heartbeatMs / 1000} s`);
      const prover = await rpc('braid_getProver', state.address);
      if (prover === null) {
        setStatus('registering');
        await marketTx('registration', () => enc.registerProver(wallet));
        log('registered');
      } else {
        setStatus('sending a heartbeat');
        await heartbeat();
      }
      if (mine !== session) return;
      heartbeatTimer = setInterval(heartbeat, heartbeatMs);
      setStatus('running: waiting for jobs');
      poll(mine);
    } catch (err) {
      showError(err);
      if (mine === session) halt('stopped (failed to start)');
    }
  }

  function halt(text) {
    state.running = false;
    session += 1;
    clearTimeout(pollTimer);
    clearInterval(heartbeatTimer);
    pollTimer = heartbeatTimer = null;
    for (const job of jobs.values()) {
      if (job.run && job.state !== 'submitting') {
        job.run = 0;
        job.state = 'abandoned';
      }
    }
    // A proof in progress would be for a job this prover no longer holds.
    if (workerBusy) stopWorker(new Error('stopped'));
    provingQueue = Promise.resolve();
    setStatus(text);
    render();
  }

  async function stop() {
    if (!state.running) return;
    clearTimeout(pollTimer);
    setStatus('stopping: deactivating');
    halt('stopping: deactivating');
    try {
      const prover = await rpc('braid_getProver', state.address);
      if (prover && prover.active) {
        await marketTx('deactivation', (p) => enc.deactivate(wallet, p.pendingNonce));
        log('deactivated: its jobs go back to the market, unfined');
      }
      state.prover = await rpc('braid_getProver', state.address);
    } catch (err) {
      showError(err);
    }
    setStatus('stopped');
    render();
  }

  // -- rendering -----------------------------------------------------------------------------

  function short(hex) {
    return hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : String(hex);
  }

  /** A ZKPoW amount (a decimal string of base units, maybe negative) in ZKPoW. */
  function zkpow(amount) {
    if (amount === null || amount === undefined) return '–';
    const n = BigInt(amount);
    const text = ethers.formatUnits(n < 0n ? -n : n, 18);
    return `${n < 0n ? '−' : ''}${text.replace(/\.0$/, '')} ZKPoW`;
  }

  function deadlineText(deadline) {
    if (!deadline) return '–';
    const seconds = Math.round((deadline.timeMs - Date.now()) / 1000);
    return `block ${deadline.height}, ${seconds > 0 ? `in ${seconds} s` : 'passed'}`;
  }

  function render() {
    state.jobs = [...jobs.values()].map((j) => ({ ...j }));
    const running = state.running;
    $('start').disabled = running;
    $('stop').disabled = !running;
    for (const id of ['new-key', 'load-key', 'paste-key', 'rpc']) $(id).disabled = running;
    $('accepted').textContent = String(state.accepted);
    const p = state.prover;
    $('jobs-done').textContent = p ? String(p.jobsDone) : '–';
    $('earned').textContent = p ? zkpow(p.earned) : '–';
    $('fines').textContent = p ? `${p.fines} (${zkpow(p.fined)})` : '–';
    $('balance').textContent = p ? zkpow(p.balance) : '–';
    $('active').textContent = p ? `${p.active ? 'yes' : 'no'}${p.assignable ? ', assignable' : ''}` : '–';
    $('last-proof').textContent =
      state.lastProofMs === null ? '–' : `proved in ${(state.lastProofMs / 1000).toFixed(2)} s`;
    const body = $('jobs');
    body.replaceChildren();
    const rows = [...jobs.values()].reverse();
    if (!rows.length) {
      const tr = body.insertRow();
      tr.className = 'empty';
      const td = tr.insertCell();
      td.colSpan = 6;
      td.textContent = 'no jobs yet';
    }
    for (const job of rows) {
      const tr = body.insertRow();
      const cells = [
        short(job.jobId),
        job.kind === 'tx' ? 'tx' : `aggregate (batch ${job.batch})`,
        zkpow(job.bounty),
        UNSUBMITTED.has(job.state) ? deadlineText(job.deadline) : '–',
        job.error ? `${job.state}: ${job.error}` : job.state,
        job.proveMs === null ? '–' : `${(job.proveMs / 1000).toFixed(2)} s`,
      ];
      cells.forEach((text, i) => {
        const td = tr.insertCell();
        td.textContent = text;
        if (i === 4) td.className = `state-${job.state}`;
      });
      tr.title = job.txHash || job.jobId;
    }
  }

  // -- controls ------------------------------------------------------------------------------

  $('rpc').value = rpcUrl;
  $('start').addEventListener('click', start);
  $('stop').addEventListener('click', stop);
  $('new-key').addEventListener('click', () => {
    if (window.confirm('Make a new key? The current one is lost unless you saved it (Show key).')) {
      setWallet(ethers.Wallet.createRandom(), 'new key');
    }
  });
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('paste-key').value.trim();
    const hex = text.startsWith('0x') ? text : `0x${text}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
      showError(new Error('not a private key: a secp256k1 private key is 64 hex digits (0x optional)'));
      return;
    }
    try {
      setWallet(new ethers.Wallet(hex), 'key loaded');
      $('paste-key').value = '';
      $('error').hidden = true;
    } catch (err) {
      showError(new Error(`not a private key: ${err.shortMessage || err.message}`));
    }
  });
  $('show-key').addEventListener('click', () => {
    const el = $('private-key');
    el.hidden = !el.hidden;
    el.textContent = el.hidden ? '' : wallet.privateKey;
    $('show-key').textContent = el.hidden ? 'Show key' : 'Hide key';
  });
  setInterval(() => { if (jobs.size) render(); }, 1000); // deadlines count down

  loadStoredKey();
  if (query.get('autostart') === '1') start();
})();
