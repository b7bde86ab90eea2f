#!/usr/bin/env node
// `npm run fuzz`: the project's own fuzzing (issue 16). Four campaigns, each input judged
// from outside its process (exit status, stderr, wall clock, peak RSS):
//   review    patch/mail mutants            → ext4-write-path review
//   c         fs/ext4 C mutants on a tree   → ext4-write-path simulate --kernel <copy>
//   scenario  scenario-file mutants         → simulate --scenarios F, workload --scenarios F
//                                              (+ the printed shell script run in a sandbox)
//   lsp       JSON-RPC storms, bad frames   → node dist/server.js --stdio
// See docs/robustness.md. Usage: node fuzz/run.mjs --help
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from './lib/prng.mjs';
import { buildCorpus, C_FILES } from './lib/corpus.mjs';
import { reviewInput, ownPatch, REVIEW_SENTINELS } from './lib/patch.mjs';
import { cInput, C_SENTINELS } from './lib/cmut.mjs';
import { scenarioInput, SCENARIO_SENTINELS } from './lib/scen.mjs';
import { lspSession, runSession } from './lib/lsp.mjs';
import { BAD, CLASSES, classify, jsonOk, killGroup, procMem, runMonitored, track } from './lib/exec.mjs';
import { checkWorkloadScript } from './lib/workloadCheck.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
const CAMPAIGNS = ['review', 'c', 'scenario', 'lsp'];

const USAGE = `usage: node fuzz/run.mjs [options]        (npm run fuzz -- [options])
  --short               the CI run: 500 inputs, --budget-s 120, --timeout-s 20, --confirm 2
  --long                the long run: 100,000 inputs, --weights review=2,c=3,scenario=65,lsp=30,
                        --timeout-s 30, --budget-s 3480 (about 55 minutes on two cores)
  --inputs N            total inputs over the campaigns (default 1000; an lsp input is one frame)
  --budget-s S          stop starting inputs after S seconds (default: none)
  --seed N              PRNG seed (default 16)
  --campaigns LIST      review,c,scenario,lsp (default all)
  --weights LIST        share of the inputs per campaign, e.g. review=1,c=1,scenario=4,lsp=4
  --concurrency N       parallel workers (default 2)
  --mode driver|proc    driver: batch CLI inputs in a long-lived driver process (default);
                        proc: one \`node dist/cli.js\` process per input
  --timeout-s S         per-input timeout (default 60)
  --rss-mb M            memory budget per process (default 500)
  --rss-kill-mb M       kill a process above this RSS (default 2048)
  --confirm N           re-run up to N driver findings per campaign and class through the
                        real CLI (default 5)
  --out DIR             reproducers (default fuzz/out)
  --root DIR            the build under test (default: this repository; needs dist/)
  --report-only         always exit 0
  --input C:I           run only input I of campaign C (regenerated from the seed)
  --replay DIR          re-run a reproducer directory and print its class
  --verbose             one line per input`;

// ---------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const o = { seed: 16, inputs: 1000, budgetS: Infinity, campaigns: CAMPAIGNS, weights: { review: 2, c: 1, scenario: 4, lsp: 3 }, concurrency: 2, mode: 'driver', timeoutS: 60, rssMb: 500, rssKillMb: 2048, confirm: 5, out: join(HERE, 'out'), root: REPO, reportOnly: false, verbose: false };
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = () => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a}: expected a number`);
      return v;
    };
    given.add(a);
    switch (a) {
      case '--short': o.short = true; break;
      case '--long': o.long = true; break;
      case '--inputs': o.inputs = Math.floor(num()); break;
      case '--budget-s': o.budgetS = num(); break;
      case '--seed': o.seed = Math.floor(num()); break;
      case '--campaigns':
        o.campaigns = val().split(',').filter(Boolean);
        for (const c of o.campaigns) if (!CAMPAIGNS.includes(c)) throw new Error(`unknown campaign ${c}`);
        break;
      case '--weights':
        for (const kv of val().split(',')) {
          const [k, v] = kv.split('=');
          if (!CAMPAIGNS.includes(k) || !(Number(v) >= 0)) throw new Error(`bad weight ${kv}`);
          o.weights[k] = Number(v);
        }
        break;
      case '--concurrency': o.concurrency = Math.max(1, Math.floor(num())); break;
      case '--mode': o.mode = val(); if (!['driver', 'proc'].includes(o.mode)) throw new Error('--mode is driver or proc'); break;
      case '--timeout-s': o.timeoutS = num(); break;
      case '--rss-mb': o.rssMb = num(); break;
      case '--rss-kill-mb': o.rssKillMb = num(); break;
      case '--confirm': o.confirm = Math.floor(num()); break;
      case '--out': o.out = resolve(val()); break;
      case '--root': o.root = resolve(val()); break;
      case '--report-only': o.reportOnly = true; break;
      case '--input': {
        const [c, n] = val().split(':');
        if (!CAMPAIGNS.includes(c) || !(Number(n) >= 0)) throw new Error('--input CAMPAIGN:INDEX');
        o.single = { campaign: c, index: Number(n) };
        break;
      }
      case '--replay': o.replay = resolve(val()); break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.short) {
    // The CI run: a few hundred inputs, well under 3 minutes even while defects make
    // inputs hang (each hang costs one timeout; the budget stops new inputs).
    if (!given.has('--inputs')) o.inputs = 500;
    if (!given.has('--budget-s')) o.budgetS = 120;
    if (!given.has('--timeout-s')) o.timeoutS = 20;
    if (!given.has('--confirm')) o.confirm = 2;
  }
  if (o.long) {
    // The long run: 100,000 inputs weighted towards the cheap campaigns so that it ends
    // within about an hour on two cores (docs/robustness.md "Throughput").
    if (!given.has('--inputs')) o.inputs = 100000;
    if (!given.has('--weights')) o.weights = { review: 2, c: 3, scenario: 65, lsp: 30 };
    if (!given.has('--timeout-s')) o.timeoutS = 30;
    if (!given.has('--budget-s')) o.budgetS = 3480;
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Inputs

/** Shell-quote for the reproducer's cmd.sh (bash: $'…' for control characters). */
function shq(s) {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  if (/[\x00-\x1f\x7f]/.test(s)) return `$'${[...s].map((c) => (c === "'" ? "\\'" : c === '\\' ? '\\\\' : /[\x00-\x1f\x7f]/.test(c) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('')}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function makeGenerator(o, corpus) {
  return (campaign, index) => {
    const rng = Rng.for(o.seed, campaign, index);
    // The first inputs of each campaign are fixed ones of the known-hard kinds (sentinels).
    const fixed = { review: REVIEW_SENTINELS, c: C_SENTINELS, scenario: SCENARIO_SENTINELS }[campaign];
    if (fixed && index < fixed.length) return fixed[index](rng, corpus);
    if (campaign === 'review') return reviewInput(rng, corpus);
    if (campaign === 'c') return cInput(rng, corpus);
    if (campaign === 'scenario') return scenarioInput(rng, corpus);
    const docText = () => {
      const r = reviewInput(rng, corpus);
      const d = r.files[0].data;
      return d.length > 300000 ? ownPatch(rng, corpus).text : d.toString('utf8');
    };
    const cText = () => Object.values(cInput(rng, corpus).tree.replace)[0].toString('utf8');
    // The first six sessions: the four bad frames of the brief, one valid and one storm
    // session (a short run has them all); then valid/storm/frame in rotation, the frame
    // sessions walking through the other bad frames.
    const EARLY = ['frame', 'frame', 'valid', 'frame', 'frame', 'storm'];
    const ROT = ['valid', 'storm', 'frame', 'storm', 'valid'];
    const kind = index < EARLY.length ? EARLY[index] : ROT[(index - EARLY.length) % ROT.length];
    const frameVariant = index < EARLY.length ? EARLY.slice(0, index).filter((k) => k === 'frame').length : 4 + Math.floor((index - EARLY.length) / ROT.length);
    const session = lspSession(rng, { docText, cText, trees: corpus.trees, kind, frameVariant });
    return { lsp: session, what: session.what };
  };
}

/** Does the command line ask for JSON (the last --format wins, as node:util parseArgs does)? */
function wantsJson(argv) {
  let f;
  for (let i = 0; i < argv.length - 1; i++) if (argv[i] === '--format') f = argv[i + 1];
  return f === 'json' || f === 'sarif';
}

/** Write an input's files (and its tree of symlinks) into `dir`. */
function materialize(input, dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of input.files ?? []) writeFileSync(join(dir, f.name), f.data);
  if (input.tree) {
    const t = join(dir, input.tree.dir);
    const base = input.tree.base;
    mkdirSync(join(t, 'fs', 'ext4'), { recursive: true });
    // Everything the engine reads besides fs/ext4: headers, fs/iomap and mm/filemap.c (issue 11).
    for (const top of ['Makefile', 'include', 'arch', 'mm', 'fs/iomap', 'fs/read_write.c']) if (existsSync(join(base, top))) symlinkSync(join(base, top), join(t, top));
    for (const name of readdirSync(join(base, 'fs', 'ext4'))) {
      const rel = `fs/ext4/${name}`;
      if (input.tree.replace[rel]) writeFileSync(join(t, rel), input.tree.replace[rel]);
      else symlinkSync(join(base, rel), join(t, rel));
    }
  }
  if (input.lsp) writeFileSync(join(dir, 'session.json'), JSON.stringify(input.lsp));
}

// ---------------------------------------------------------------------------------------
// The driver (lib/driver.mjs), one per worker

class Driver {
  constructor(o) {
    this.o = o;
    this.child = undefined;
    this.runs = 0;
  }
  async start() {
    const child = spawn(process.execPath, [join(HERE, 'lib', 'driver.mjs')], { env: { ...process.env, FUZZ_ROOT: this.o.root }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true });
    track(child);
    this.starts = (this.starts ?? 0) + 1;
    this.child = child;
    this.stderr = '';
    child.stderr.on('data', (d) => {
      if (this.stderr.length < 1 << 20) this.stderr += d;
    });
    // Events of a driver this worker already killed must not reach its successor.
    child.on('message', (m) => this.child === child && this.onMessage?.(m));
    child.on('exit', (code, signal) => this.child === child && this.onExit?.(code, signal));
    await new Promise((res, rej) => {
      this.onMessage = (m) => m.type === 'ready' && res();
      this.onExit = (code, signal) => rej(new Error(`driver exited (${code ?? signal}) before it was ready: ${this.stderr.slice(0, 2000)}`));
    });
    this.runs = 0;
  }
  kill() {
    if (!this.child) return;
    killGroup(this.child.pid);
    this.child = undefined;
  }
  stop() {
    if (!this.child) return;
    const c = this.child;
    try {
      c.disconnect();
    } catch {
      /* already gone */
    }
    setTimeout(() => killGroup(c.pid), 2000).unref();
    this.child = undefined;
  }
  /** Run one op; resolves with the driver's result or what the fuzzer saw happen to it. */
  async run(op) {
    if (!this.child) await this.start();
    const child = this.child;
    const pid = child.pid;
    this.stderr = '';
    this.runs++;
    const t0 = Date.now();
    const timeoutMs = op.timeoutMs ?? this.o.timeoutS * 1000;
    let polledKB = 0;
    const out = await new Promise((res) => {
      let settled = false;
      const done = (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        res(v);
      };
      const timer = setTimeout(() => done({ timedOut: true }), timeoutMs);
      const poll = setInterval(async () => {
        const m = await procMem(pid);
        if (!m || settled) return;
        polledKB = Math.max(polledKB, m.rss);
        if (m.rss > this.o.rssKillMb * 1024) done({ killedForMemory: true });
      }, 100);
      this.onMessage = (m) => m.type === 'result' && done({ result: m.result });
      this.onExit = (code, signal) => done({ died: { code, signal } });
      try {
        child.send({ type: 'run', id: this.runs, op });
      } catch {
        done({ died: { code: null, signal: 'channel closed' } });
      }
    });
    const ms = Date.now() - t0;
    if (out.result) {
      const r = out.result;
      if (r.asyncFault) this.child = undefined; // it exits by itself
      else if (r.rssNowKB > 400 * 1024 || this.runs >= 300) this.stop();
      return { code: r.code, signal: null, stderr: r.stderr + this.stderr, stdout: r.stdout, stdoutLen: r.stdoutLen, jsonOk: r.jsonOk, ms: r.ms, rssKB: r.rssKB, timedOut: false, killedForMemory: false };
    }
    this.kill();
    if (out.timedOut) return { code: null, signal: 'SIGKILL', stderr: this.stderr, stdoutLen: 0, ms, rssKB: polledKB, timedOut: true, killedForMemory: false };
    if (out.killedForMemory) return { code: null, signal: 'SIGKILL', stderr: this.stderr, stdoutLen: 0, ms, rssKB: polledKB, timedOut: false, killedForMemory: true };
    return { code: out.died.code, signal: out.died.signal, stderr: this.stderr || `driver died (${out.died.code ?? out.died.signal})`, stdoutLen: 0, ms, rssKB: polledKB, timedOut: false, killedForMemory: false };
  }
}

// ---------------------------------------------------------------------------------------
// Running and judging one input

/**
 * Milliseconds an input may run before it is a hang: the timeout, plus 10 ms per scenario
 * of a `simulate` scenario file. A 5,001-scenario file is 5,001 simulations: 37.5 s of
 * steady progress at 129 MB on a loaded machine (7.5 ms each), which a flat 30 s timeout
 * called a hang twice in the first complete long run.
 */
function inputTimeoutMs(o, input) {
  const perScenario = input.argv?.[0] === 'simulate' ? (input.scenarioCount ?? 0) * 10 : 0;
  return o.timeoutS * 1000 + perScenario;
}

async function runCliProc(o, input, dir) {
  const r = await runMonitored(process.execPath, [join(o.root, 'dist', 'cli.js'), ...input.argv], { cwd: dir, timeoutMs: inputTimeoutMs(o, input), rssKillKB: o.rssKillMb * 1024, node: true });
  r.jsonOk = input.expectJson && (r.code === 0 || r.code === 1) ? jsonOk(r.stdout, r.stdoutLen) : undefined;
  return r;
}

async function judgeCli(o, input, dir, r) {
  let post = {};
  if (input.workloadSh && r.code === 0 && r.stdout !== undefined) post = await checkWorkloadScript(dir, r.stdout.toString('utf8'), { timeoutMs: Math.min(10000, o.timeoutS * 1000) });
  let { cls, reason } = classify(r, { rssBudgetKB: o.rssMb * 1024, exit1Ok: input.argv[0] === 'review', injection: post.injection });
  if (cls === 'ok' && post.hang) [cls, reason] = ['hang', post.hang];
  return { cls, reason, notes: post.notes ?? [] };
}

async function execute(o, state, worker, campaign, index, input, dir) {
  materialize(input, dir);
  if (input.lsp) {
    const r = await runSession(input.lsp, { root: o.root, cwd: dir, timeoutMs: o.timeoutS * 1000, rssKillKB: o.rssKillMb * 1024, rssBudgetKB: o.rssMb * 1024 });
    return { cls: r.cls, reason: r.reason, ms: r.ms, rssKB: r.rssKB, frames: r.frames, detail: { exit: r.exit, stderr: r.stderr, logs: r.logs, missing: r.missing } };
  }
  const useDriver = o.mode === 'driver' && worker;
  let r;
  let via = 'proc';
  if (useDriver) {
    const fileOk = input.cachedSimulate && existsSync(join(dir, input.argv[input.argv.indexOf('--scenarios') + 1])) && statSync(join(dir, input.argv[input.argv.indexOf('--scenarios') + 1])).isFile();
    via = fileOk ? 'driver:cachedSimulate' : 'driver:main';
    r = await worker.driver.run({ kind: fileOk ? 'cachedSimulate' : 'main', argv: input.argv, cwd: dir, expectJson: input.expectJson, wantStdout: !!input.workloadSh, timeoutMs: inputTimeoutMs(o, input) });
    if (r.stdout !== undefined) r.stdout = Buffer.from(r.stdout, 'utf8');
  } else r = await runCliProc(o, input, dir);
  let j = await judgeCli(o, input, dir, r);
  let confirmation;
  // Findings from the driver are re-run through the real CLI (a fresh process): the class
  // reported is the CLI's. Hangs only when the driver took its own path (cachedSimulate).
  if (useDriver && BAD.has(j.cls) && j.cls !== 'injection' && (j.cls !== 'hang' || via === 'driver:cachedSimulate')) {
    const key = `${campaign}:${j.cls}`;
    state.confirmed[key] = state.confirmed[key] ?? 0;
    if (state.confirmed[key] < o.confirm) {
      state.confirmed[key]++;
      const rc = await runCliProc(o, input, dir);
      const jc = await judgeCli(o, input, dir, rc);
      confirmation = { driver: { cls: j.cls, reason: j.reason, rssKB: r.rssKB, ms: r.ms }, cli: { cls: jc.cls, reason: jc.reason, rssKB: rc.rssKB, ms: rc.ms } };
      if (jc.cls !== j.cls) state.driverOnly.push({ campaign, index, driver: j.cls, cli: jc.cls, reason: j.reason });
      j = jc;
      r = rc;
      via += '+cli';
    }
  }
  return { cls: j.cls, reason: j.reason, ms: r.ms, rssKB: r.rssKB, frames: 1, detail: { via, exit: { code: r.code, signal: r.signal }, stderr: (r.stderr ?? '').slice(0, 8192), notes: j.notes, confirmation, stdoutLen: r.stdoutLen } };
}

function writeReproducer(o, campaign, index, input, dir, res) {
  const name = `${campaign}-${res.cls}-${index}`;
  const dest = join(o.out, name);
  rmSync(dest, { recursive: true, force: true });
  cpSync(dir, dest, { recursive: true, verbatimSymlinks: true });
  // FUZZ_ROOT picks the build to run it on (default: the one that produced it).
  const cmd = input.lsp
    ? `exec node ${shq(join(HERE, 'run.mjs'))} --root "$root" --replay "$here"`
    : `cd "$here" && exec node "$root/dist/cli.js" ${input.argv.map(shq).join(' ')}`;
  const extra = input.workloadSh ? `# The injection check runs the printed script in a sandbox: node ${join(HERE, 'run.mjs')} --root "$root" --replay "$here"\n` : '';
  writeFileSync(join(dest, 'cmd.sh'), `#!/bin/bash\n# ${campaign} input ${index} (seed ${o.seed}): ${String(input.what).replace(/[\x00-\x1f\x7f\u2028\u2029]/g, '?').slice(0, 400)}\n# class: ${res.cls} — ${res.reason.replace(/[\x00-\x1f\x7f]/g, '?')}\n${extra}here=$(cd "$(dirname "$0")" && pwd)\nroot=\${FUZZ_ROOT:-${shq(o.root)}}\n${cmd}\n`, { mode: 0o755 });
  writeFileSync(join(dest, 'result.json'), `${JSON.stringify({ campaign, index, seed: o.seed, class: res.cls, reason: res.reason, what: input.what, argv: input.argv, ms: res.ms, peakRssMB: Math.round(res.rssKB / 1024), ...res.detail }, null, 1)}\n`);
  writeFileSync(join(dest, 'input.json'), `${JSON.stringify({ campaign, index, seed: o.seed, argv: input.argv, expectJson: input.expectJson, workloadSh: input.workloadSh, scenarioCount: input.scenarioCount, lsp: !!input.lsp, what: input.what })}\n`);
  return dest;
}

// ---------------------------------------------------------------------------------------
// Scheduling and reporting

function plan(o) {
  const active = o.campaigns.filter((c) => (o.weights[c] ?? 0) > 0);
  const total = active.reduce((s, c) => s + o.weights[c], 0);
  const target = {};
  for (const c of active) target[c] = Math.max(1, Math.round((o.inputs * o.weights[c]) / total));
  return target;
}

function newStats() {
  return { inputs: 0, sessions: 0, busyMs: 0, runMs: 0, peakKB: 0, classes: Object.fromEntries(CLASSES.map((c) => [c, 0])) };
}

function table(o, stats, wallMs, target) {
  const cols = ['campaign', ...CLASSES, 'inputs', 'planned', 'busy s', 'in/s/worker', 'peak RSS MB'];
  const rows = [];
  const tot = newStats();
  for (const c of Object.keys(stats)) {
    const s = stats[c];
    rows.push([c === 'lsp' ? `lsp (${s.sessions} sessions)` : c, ...CLASSES.map((k) => s.classes[k]), s.inputs, target[c], (s.busyMs / 1000).toFixed(1), s.busyMs ? (s.inputs / (s.busyMs / 1000)).toFixed(2) : '-', Math.round(s.peakKB / 1024)]);
    tot.inputs += s.inputs;
    tot.busyMs += s.busyMs;
    tot.peakKB = Math.max(tot.peakKB, s.peakKB);
    for (const k of CLASSES) tot.classes[k] += s.classes[k];
  }
  rows.push(['total', ...CLASSES.map((k) => tot.classes[k]), tot.inputs, Object.values(target).reduce((a, b) => a + b, 0), (tot.busyMs / 1000).toFixed(1), `${(tot.inputs / (wallMs / 1000)).toFixed(2)} (wall)`, Math.round(tot.peakKB / 1024)]);
  const w = cols.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');
  return [line(cols), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

async function main() {
  let o;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const f of ['cli.js', 'server.js', 'api.js']) {
    if (!existsSync(join(o.root, 'dist', f))) {
      process.stderr.write(`fuzz: ${join(o.root, 'dist', f)} missing: run \`npm run build\` first\n`);
      return 2;
    }
  }
  if (o.replay) return replay(o);
  const require = createRequire(import.meta.url);
  const api = require(join(o.root, 'dist', 'api.js'));
  const cacheDir = process.env.EXT4WP_CACHE ?? join(process.env.HOME ?? '/tmp', '.cache', 'ext4-write-path');
  const seedsDir = process.env.EXT4WP_SEEDS ?? join(REPO, '..', 'shared', 'seeds');
  const t00 = Date.now();
  const corpus = await buildCorpus({ root: o.root, api, cacheDir, seedsDir });
  for (const p of corpus.problems) process.stderr.write(`fuzz: ${p}\n`);
  if (!corpus.trees['6.12'] && !corpus.trees['6.1']) {
    process.stderr.write('fuzz: no fetched kernel tree: run `npm run fetch-kernels`\n');
    return 2;
  }
  if (o.campaigns.includes('c') && !Object.keys(corpus.writePath).length) o.campaigns = o.campaigns.filter((c) => c !== 'c');
  const generate = makeGenerator(o, corpus);

  mkdirSync(o.out, { recursive: true });
  for (const n of readdirSync(o.out)) if (/^(review|c|scenario|lsp)-|^summary\./.test(n)) rmSync(join(o.out, n), { recursive: true, force: true });
  const work = mkdtempSync(join(tmpdir(), 'ext4wp-fuzz-'));
  const target = o.single ? { [o.single.campaign]: 1 } : plan(o);
  const stats = Object.fromEntries(Object.keys(target).map((c) => [c, newStats()]));
  const dispatched = Object.fromEntries(Object.keys(target).map((c) => [c, 0]));
  const nextIndex = Object.fromEntries(Object.keys(target).map((c) => [c, 0]));
  const state = { confirmed: {}, driverOnly: [], findings: [], cleanWritten: {} };
  const setupMs = Date.now() - t00;
  process.stderr.write(`fuzz: seed ${o.seed}, ${o.mode} mode, concurrency ${o.concurrency}, timeout ${o.timeoutS} s, budget ${o.budgetS === Infinity ? 'none' : `${o.budgetS} s`}; planned ${Object.entries(target).map(([c, n]) => `${c} ${n}`).join(', ')} (setup ${setupMs} ms)\n`);
  const t0 = Date.now();

  /** The next input: the campaign furthest behind its share (by inputs dispatched). */
  const next = () => {
    if (o.single) {
      if (nextIndex[o.single.campaign]++ > 0) return undefined;
      return { campaign: o.single.campaign, index: o.single.index };
    }
    if (Date.now() - t0 > o.budgetS * 1000) return undefined;
    let best;
    for (const c of Object.keys(target)) {
      if (dispatched[c] >= target[c]) continue;
      const ratio = dispatched[c] / target[c];
      if (!best || ratio < best.ratio) best = { c, ratio };
    }
    if (!best) return undefined;
    return { campaign: best.c, index: nextIndex[best.c]++ };
  };

  let lastProgress = Date.now();
  const progress = () => {
    if (Date.now() - lastProgress < 10000) return;
    lastProgress = Date.now();
    const s = Object.entries(stats).map(([c, x]) => `${c} ${x.inputs}/${target[c]}${BAD_COUNT(x) ? ` (${BAD_COUNT(x)} bad)` : ''}`).join(', ');
    const m = process.memoryUsage();
    process.stderr.write(`fuzz: ${((Date.now() - t0) / 1000).toFixed(0)} s: ${s} [fuzzer heap ${m.heapUsed >> 20} MB, rss ${m.rss >> 20} MB]\n`);
  };
  const BAD_COUNT = (x) => [...BAD].reduce((n, k) => n + x.classes[k], 0);

  const workers = Array.from({ length: o.concurrency }, () => ({ driver: new Driver(o) }));
  await Promise.all(
    workers.map(async (worker) => {
      for (;;) {
        const job = next();
        if (!job) break;
        const { campaign, index } = job;
        let input;
        try {
          input = generate(campaign, index);
        } catch (e) {
          process.stderr.write(`fuzz: generating ${campaign}:${index} failed (a fuzzer bug): ${e.stack}\n`);
          state.fuzzerErrors = (state.fuzzerErrors ?? 0) + 1;
          continue;
        }
        if (input.argv) input.expectJson = wantsJson(input.argv);
        dispatched[campaign] += input.lsp ? input.lsp.frames.length : 1;
        const dir = join(work, `${campaign}-${index}`);
        // Busy time is the worker's wall clock for the input: writing it, running it, the
        // workload sandbox, confirmation runs, a driver restart, cleaning up.
        const tIn = Date.now();
        let res;
        try {
          res = await execute(o, state, worker, campaign, index, input, dir);
        } catch (e) {
          process.stderr.write(`fuzz: running ${campaign}:${index} failed (a fuzzer bug): ${e.stack}\n`);
          state.fuzzerErrors = (state.fuzzerErrors ?? 0) + 1;
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        const s = stats[campaign];
        const n = input.lsp ? res.frames : 1;
        // A session that ends early (a bad frame closes the connection) ran fewer frames
        // than it planned: give the difference back so the campaign reaches its frame
        // target (the first long run stopped at 29,900 of 30,000).
        if (input.lsp) dispatched[campaign] += n - input.lsp.frames.length;
        s.inputs += n;
        s.sessions += input.lsp ? 1 : 0;
        s.runMs += res.ms;
        s.peakKB = Math.max(s.peakKB, res.rssKB || 0);
        // A session's frames share its class: the table counts frames for lsp.
        s.classes[res.cls] += n;
        // Every bad input gets a reproducer; clean errors (usage errors the mutants provoke
        // on purpose) up to 100 per campaign.
        const cleanKey = `${campaign}:clean`;
        if (res.cls === 'clean-error') state.cleanWritten[cleanKey] = (state.cleanWritten[cleanKey] ?? 0) + 1;
        if (res.cls !== 'ok' && (res.cls !== 'clean-error' || state.cleanWritten[cleanKey] <= 100)) {
          const where = writeReproducer(o, campaign, index, input, dir, res);
          state.findings.push({ campaign, index, cls: res.cls, reason: res.reason, what: input.what, dir: where });
          if (BAD.has(res.cls) || o.verbose) process.stderr.write(`fuzz: ${res.cls.toUpperCase()} ${campaign}:${index} — ${res.reason.slice(0, 200)}\n      ${where}\n`);
        } else if (o.verbose) process.stderr.write(`fuzz: ok ${campaign}:${index} ${res.ms} ms ${Math.round(res.rssKB / 1024)} MB ${input.what.slice(0, 120)} (${res.reason.slice(0, 80)})\n`);
        rmSync(dir, { recursive: true, force: true });
        s.busyMs += Date.now() - tIn;
        progress();
      }
      worker.driver.stop();
    }),
  );
  const wallMs = Date.now() - t0;
  const driverStarts = workers.reduce((n, w) => n + (w.driver.starts ?? 0), 0);
  rmSync(work, { recursive: true, force: true });

  const text = table(o, stats, wallMs, target);
  const bad = state.findings.filter((f) => BAD.has(f.cls));
  const lines = [
    `ext4-write-path fuzz: seed ${o.seed}, ${o.mode} mode, concurrency ${o.concurrency}, timeout ${o.timeoutS} s, RSS budget ${o.rssMb} MB, wall ${(wallMs / 1000).toFixed(1)} s (+ ${(setupMs / 1000).toFixed(1)} s setup)`,
    '',
    text,
    '',
    `driver processes started: ${driverStarts} (restarted after a hang, crash or memory blow-up, and recycled every 300 inputs or above 400 MB RSS)`,
    `(lsp counts frames; a session's frames share its class. busy s = worker wall-clock seconds spent on the campaign's inputs, checks and confirmation runs included; in/s/worker = inputs / busy s.)`,
  ];
  if (state.findings.length) {
    lines.push('', `non-ok inputs (reproducers in ${o.out}):`);
    const order = (f) => CLASSES.indexOf(f.cls);
    const listed = [...state.findings].sort((a, b) => order(a) - order(b));
    const clean = listed.filter((f) => f.cls === 'clean-error');
    for (const f of [...listed.filter((f) => f.cls !== 'clean-error'), ...clean.slice(0, 20)]) lines.push(`  ${f.cls.padEnd(11)} ${f.campaign}:${f.index}  ${f.reason.replace(/\s+/g, ' ').slice(0, 150)}`);
    if (clean.length > 20) lines.push(`  … and ${clean.length - 20} more clean errors (summary.json)`);
  }
  if (state.driverOnly.length) {
    lines.push('', 'driver findings the real CLI did not reproduce (counted with the CLI class):');
    for (const d of state.driverOnly) lines.push(`  ${d.campaign}:${d.index} driver ${d.driver} → cli ${d.cli}: ${d.reason.slice(0, 150)}`);
  }
  if (state.fuzzerErrors) lines.push('', `${state.fuzzerErrors} fuzzer error(s): see stderr`);
  const summary = lines.join('\n');
  process.stdout.write(`${summary}\n`);
  writeFileSync(join(o.out, 'summary.txt'), `${summary}\n`);
  writeFileSync(join(o.out, 'summary.json'), `${JSON.stringify({ seed: o.seed, mode: o.mode, concurrency: o.concurrency, timeoutS: o.timeoutS, rssMb: o.rssMb, wallMs, setupMs, driverStarts, target, stats, findings: state.findings, driverOnly: state.driverOnly, fuzzerErrors: state.fuzzerErrors ?? 0 }, null, 1)}\n`);
  if (o.reportOnly) return 0;
  return bad.length || state.fuzzerErrors ? 1 : 0;
}

/** --replay DIR: re-run a reproducer (a copy of it, in a scratch directory) and classify it. */
/** Scenarios in a reproducer's scenario file (reproducers written before input.json kept the count). */
function countScenarios(file) {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(v) ? v.length : Array.isArray(v?.scenarios) ? v.scenarios.length : 1;
  } catch {
    return 0;
  }
}

async function replay(o) {
  const meta = JSON.parse(readFileSync(join(o.replay, 'input.json'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'ext4wp-replay-'));
  const dir = join(work, 'in');
  cpSync(o.replay, dir, { recursive: true, verbatimSymlinks: true });
  for (const n of ['cmd.sh', 'result.json', 'input.json', 'workload.sh']) rmSync(join(dir, n), { force: true });
  for (const n of readdirSync(dir)) if (n.startsWith('fuzzpwned')) rmSync(join(dir, n), { force: true });
  let res;
  if (meta.lsp) {
    const session = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    const r = await runSession(session, { root: o.root, cwd: dir, timeoutMs: o.timeoutS * 1000, rssKillKB: o.rssKillMb * 1024, rssBudgetKB: o.rssMb * 1024 });
    res = { cls: r.cls, reason: r.reason, ms: r.ms, rssKB: r.rssKB, detail: { logs: r.logs, stderr: r.stderr.slice(0, 2000), missing: r.missing } };
  } else {
    const input = { argv: meta.argv, expectJson: meta.expectJson, workloadSh: meta.workloadSh, scenarioCount: meta.scenarioCount ?? countScenarios(join(dir, meta.argv[meta.argv.indexOf('--scenarios') + 1] ?? '')) };
    const r = await runCliProc(o, input, dir);
    const j = await judgeCli(o, input, dir, r);
    res = { cls: j.cls, reason: j.reason, ms: r.ms, rssKB: r.rssKB, detail: { exit: { code: r.code, signal: r.signal }, stderr: r.stderr.slice(0, 2000), notes: j.notes } };
  }
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ replay: o.replay, class: res.cls, reason: res.reason, ms: res.ms, peakRssMB: Math.round(res.rssKB / 1024), ...res.detail }, null, 1)}\n`);
  return BAD.has(res.cls) && !o.reportOnly ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`fuzz: ${e.stack}\n`);
    process.exitCode = 2;
  },
);
