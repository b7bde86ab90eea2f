// The in-process driver: one child process that runs many inputs, one at a time, and
// reports each outcome over the IPC channel. The fuzzer watches it from outside (timeout,
// RSS ceiling, death) and restarts it after a hang, crash or memory blow-up, so every
// input is still judged on its own.
//
// op.kind "main": dist/cli.js's exported `main(argv)`, with process.stdout/stderr captured
//   and its command-line wrapper reproduced (a rejection is printed as the CLI prints it:
//   usage errors as one line and exit 2, anything else as `ext4-write-path: <stack>`,
//   exit 1). This is the CLI minus process start-up.
// op.kind "cachedSimulate": what `simulate --kernel K --scenarios F --format json` does
//   (parseScenarioFile → --only filter → simulateAll → the same JSON), over a tree this
//   driver parsed once: 20–100x faster for scenario mutants, where parsing the tree is
//   nearly all the cost. Findings from it are re-run through the real CLI by the fuzzer.
//
// Peak RSS per input: /proc/self/clear_refs ("5") resets VmHWM before each input.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const ROOT = process.env.FUZZ_ROOT;
const HOME_DIR = process.env.FUZZ_DRIVER_CWD ?? ROOT;
let cli;
let api;
let parser;
const trees = new Map();

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
const realExit = process.exit.bind(process);
let current;

class ExitCalled extends Error {
  constructor(code) {
    super(`process.exit(${code})`);
    this.exitCode = code;
  }
}

function status() {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    return { hwm: Number(/VmHWM:\s+(\d+)/.exec(s)[1]), rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]) };
  } catch {
    return { hwm: process.resourceUsage().maxRSS, rss: process.memoryUsage().rss >> 10 };
  }
}
let canReset = true;
function resetPeak() {
  if (!canReset) return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    canReset = false;
    return false;
  }
}

function capture(keepOut) {
  const cap = { out: [], outLen: 0, err: '' };
  const w = (sink) => (chunk, enc, cb) => {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    sink(s);
    if (typeof enc === 'function') enc();
    else if (typeof cb === 'function') cb();
    return true;
  };
  process.stdout.write = w((s) => {
    cap.outLen += Buffer.byteLength(s);
    if (keepOut && cap.outLen <= 64 << 20) cap.out.push(s);
  });
  process.stderr.write = w((s) => {
    if (cap.err.length < 1 << 20) cap.err += s;
  });
  process.exit = (code) => {
    throw new ExitCalled(code ?? 0);
  };
  return cap;
}
function release() {
  process.stdout.write = realOut;
  process.stderr.write = realErr;
  process.exit = realExit;
  process.exitCode = undefined;
}

async function tree(dir, profile) {
  const key = `${dir}\0${profile ?? ''}`;
  if (!trees.has(key)) {
    api ??= require(join(ROOT, 'dist', 'api.js'));
    parser ??= await api.getParser();
    trees.set(key, api.loadKernelTree(dir, parser, { profile }));
  }
  return trees.get(key);
}

async function cachedSimulate(argv, cap) {
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = opt('--scenarios');
  const k = await tree(opt('--kernel'), opt('--kernel-version'));
  // As cli/main.ts simulateCmd, from reading the file on.
  const parsed = api.parseScenarioFile(readFileSync(file, 'utf8'));
  for (const p of parsed.problems) process.stderr.write(`${file}: scenario ${p.id ?? `#${p.index}`}: ${p.message}\n`);
  let scenarios = parsed.scenarios;
  const only = opt('--only');
  if (only !== undefined) {
    const ids = new Set(only.split(','));
    scenarios = scenarios.filter((s) => ids.has(s.id));
  }
  for (const p of k.problems) process.stderr.write(`warning: ${p}\n`);
  const ctx = { image: k.image, profile: k.profile, constant: k.constant };
  const kernel = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : 'unknown';
  // As the CLI: one result at a time, each written before the next runs.
  process.stdout.write(`{\n "kernel": ${JSON.stringify(kernel)},\n "profile": ${JSON.stringify({ id: k.profile.id, why: k.profileWhy })},\n "results": [`);
  for (let i = 0; i < scenarios.length; i++) {
    const r = api.simulate(scenarios[i], ctx);
    process.stdout.write(`${i ? ',' : ''}\n  ${JSON.stringify({ id: r.id, outcome: r.outcome, trace: r.trace })}`);
  }
  process.stdout.write('\n ]\n}\n');
  return 0;
}

async function run(op) {
  cli ??= require(join(ROOT, 'dist', 'cli.js'));
  if (op.kind === 'cachedSimulate') await tree(op.argv[op.argv.indexOf('--kernel') + 1], undefined);
  const reset = resetPeak();
  const before = status();
  // Output is kept only when it is checked (JSON) or handed back (workload scripts); the
  // cached simulate path prints with JSON.stringify itself, so it is only counted.
  const cap = capture(op.wantStdout || (op.expectJson && op.kind !== 'cachedSimulate'));
  const t0 = Date.now();
  let code;
  let thrown = false;
  try {
    process.chdir(op.cwd);
    code = op.kind === 'cachedSimulate' ? await cachedSimulate(op.argv, cap) : await cli.main(op.argv);
  } catch (err) {
    if (err instanceof ExitCalled) code = err.exitCode;
    else if (err?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      cap.err += `ext4-write-path: ${err.message}\n(usage)\n`;
      code = 2;
    } else {
      thrown = true;
      cap.err += `ext4-write-path: ${err?.stack ?? err}\n`;
      code = 1;
    }
  } finally {
    release();
    // The fuzzer deletes the input's directory next: never stay in it.
    process.chdir(HOME_DIR);
  }
  const ms = Date.now() - t0;
  const after = status();
  const stdout = cap.out.join('');
  let jsonOk;
  // cachedSimulate prints with JSON.stringify itself: nothing to check (and parsing MBs of
  // traces back is most of a scenario input's cost).
  if (op.expectJson && op.kind !== 'cachedSimulate' && (code === 0 || code === 1) && cap.outLen <= 64 << 20) {
    try {
      JSON.parse(stdout);
      jsonOk = true;
    } catch {
      jsonOk = false;
    }
  }
  return {
    code,
    thrown,
    stderr: cap.err.slice(0, 16384),
    stdoutLen: cap.outLen,
    stdout: op.wantStdout ? stdout : undefined,
    jsonOk,
    ms,
    rssKB: reset ? after.hwm : Math.max(after.hwm, before.hwm),
    rssNowKB: after.rss,
    peakReset: reset,
  };
}

function fatal(kind, err) {
  if (current) {
    release();
    process.send({ type: 'result', id: current, result: { code: 1, thrown: true, stderr: `${kind}: ${err?.stack ?? err}\n`, stdoutLen: 0, ms: 0, rssKB: status().hwm, rssNowKB: status().rss, asyncFault: true } }, () => realExit(70));
  } else realExit(70);
}
process.on('uncaughtException', (e) => fatal('uncaughtException', e));
process.on('unhandledRejection', (e) => fatal('unhandledRejection', e));

process.on('message', async (msg) => {
  if (msg.type !== 'run') return;
  current = msg.id;
  const result = await run(msg.op);
  current = undefined;
  process.send({ type: 'result', id: msg.id, result });
});
process.on('disconnect', () => realExit(0));
process.send({ type: 'ready' });
