// Running things the fuzzer observes from outside: a child with a wall-clock timeout, peak
// RSS (the child's own report on exit, else VmHWM polled from /proc), a hard RSS ceiling,
// and the classification rules shared by every campaign.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const RSS_HOOK = pathToFileURL(join(HERE, 'rss-hook.mjs')).href;

/** The classes, worst first. */
export const CLASSES = ['injection', 'hang', 'memory', 'crash', 'clean-error', 'ok'];
export const BAD = new Set(['injection', 'hang', 'memory', 'crash']);

/**
 * Process groups the fuzzer started and has not seen exit: killed when the fuzzer is
 * interrupted or exits (children run detached, so a Ctrl-C would not reach them).
 */
export const LIVE = new Set();
export function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
export function track(child) {
  LIVE.add(child.pid);
  child.on('exit', () => LIVE.delete(child.pid));
}
process.on('exit', () => {
  for (const pid of LIVE) killGroup(pid);
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const pid of LIVE) killGroup(pid);
    process.stderr.write(`fuzz: ${sig}: stopped\n`);
    process.exit(130);
  });
}

/** VmHWM and VmRSS of a live process, in KiB (undefined when /proc cannot tell). */
export async function procMem(pid) {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    return { hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0), rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

/**
 * Spawn `cmd args` in its own process group and watch it. Resolves when it exits or is
 * killed (timeout, RSS ceiling). `node: true` preloads the RSS hook (fd 3).
 * @returns {Promise<{code, signal, stdout: Buffer, stdoutLen, stderr: string, ms, rssKB, timedOut, killedForMemory}>}
 */
export function runMonitored(cmd, args, { cwd, env, timeoutMs, rssKillKB, node = false, stdin, stdoutLimit = 64 << 20, onSpawn } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const argv = node ? ['--import', RSS_HOOK, ...args] : args;
    const child = spawn(cmd, argv, { cwd, env, detached: true, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', node ? 'pipe' : 'ignore'] });
    track(child);
    const out = [];
    let outLen = 0;
    let err = '';
    let hook = '';
    let polledKB = 0;
    let timedOut = false;
    let killedForMemory = false;
    let done = false;
    const kill = () => killGroup(child.pid);
    child.stdout.on('data', (d) => {
      outLen += d.length;
      if (outLen <= stdoutLimit) out.push(d);
    });
    child.stderr.on('data', (d) => {
      if (err.length < 1 << 20) err += d;
    });
    if (node) child.stdio[3].on('data', (d) => (hook += d));
    if (stdin !== undefined) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    let polling = false;
    const poll = setInterval(async () => {
      if (polling || done) return;
      polling = true;
      const m = await procMem(child.pid);
      polling = false;
      if (!m) return;
      polledKB = Math.max(polledKB, m.hwm);
      if (rssKillKB && m.rss > rssKillKB) {
        killedForMemory = true;
        kill();
      }
    }, 50);
    onSpawn?.(child);
    child.on('error', (e) => {
      err += `spawn error: ${e.message}\n`;
    });
    child.on('close', (code, signal) => {
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      const reported = Number(/maxrss (\d+)/.exec(hook)?.[1] ?? 0);
      resolve({ code, signal, stdout: Buffer.concat(out), stdoutLen: outLen, stderr: err, ms: Date.now() - t0, rssKB: Math.max(reported, polledKB), timedOut, killedForMemory });
    });
  });
}

/** A stack trace or an "internal error" in stderr text. */
export function stackTraceIn(stderr) {
  return /^\s+at .+(\(|:\d+)/m.test(stderr) || /internal error/i.test(stderr) || /FATAL ERROR|Fatal error in|Native stack trace|Aborted \(core dumped\)|Segmentation fault/i.test(stderr);
}

/**
 * Classify one CLI run. `r`: {code, signal, stderr, timedOut, killedForMemory, rssKB,
 * jsonOk}. `opts`: {rssBudgetKB, exit1Ok (review: 1 = an invariant newly broken),
 * injection (reason string)}. Returns {cls, reason}.
 */
export function classify(r, { rssBudgetKB, exit1Ok = false, injection } = {}) {
  if (injection) return { cls: 'injection', reason: injection };
  // Over the memory budget is the more telling diagnosis when a run also timed out.
  if (r.timedOut && r.rssKB > rssBudgetKB) return { cls: 'memory', reason: `peak RSS ${Math.round(r.rssKB / 1024)} MB > ${Math.round(rssBudgetKB / 1024)} MB, and no exit within the timeout (killed after ${r.ms} ms)` };
  if (r.timedOut) return { cls: 'hang', reason: `no exit within the timeout (killed after ${r.ms} ms)` };
  if (r.killedForMemory) return { cls: 'memory', reason: `RSS over the kill ceiling (${Math.round(r.rssKB / 1024)} MB), killed` };
  if (r.rssKB > rssBudgetKB) return { cls: 'memory', reason: `peak RSS ${Math.round(r.rssKB / 1024)} MB > ${Math.round(rssBudgetKB / 1024)} MB` };
  if (/heap out of memory/i.test(r.stderr)) return { cls: 'memory', reason: 'JavaScript heap out of memory' };
  if (r.signal) return { cls: 'crash', reason: `killed by ${r.signal}` };
  if (![0, 1, 2].includes(r.code)) return { cls: 'crash', reason: `exit status ${r.code}` };
  if (stackTraceIn(r.stderr)) return { cls: 'crash', reason: `stack trace / internal error on stderr (exit ${r.code}): ${firstLine(r.stderr)}` };
  if ((r.code === 0 || (r.code === 1 && exit1Ok)) && r.jsonOk === false) return { cls: 'crash', reason: `exit ${r.code} but stdout is not the JSON asked for` };
  if (r.code === 0 || (r.code === 1 && exit1Ok)) return { cls: 'ok', reason: `exit ${r.code}` };
  return { cls: 'clean-error', reason: `exit ${r.code}: ${firstLine(r.stderr)}` };
}

export const firstLine = (s) => (s.split('\n').find((l) => l.trim()) ?? '').slice(0, 200);

/** Is `buf` (stdout) one JSON document? Undefined when too big to check cheaply. */
export function jsonOk(buf, len) {
  if (len > 64 << 20) return undefined;
  try {
    JSON.parse(buf.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
