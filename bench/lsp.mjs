// LSP latency after a one-line edit, part of `npm run bench`: the real server over stdio,
// the real 6.1 → 6.12 diff against the Debian 6.1 tree. For each edit (one `+` line gets a
// trailing space, alternately added and removed) we time didChange → the pushed
// diagnostics for that version, and didChange → a hover answer on a changed hunk.
// The server debounces edits (300 ms); that is part of what a user waits for.
// Then an edit storm with cancellation (`editStorm`): bursts of keystrokes, each followed
// by a hover, each hover cancelling the one before it as a real client does; we time the
// hovers that are answered (the last of each burst) and count the RequestCancelled answers.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const REQUEST_CANCELLED = -32800;

/**
 * The edit storm on an open, analysed document: `storms` bursts of `edits` one-character
 * edits of line `target`, `gapMs` apart (fast typing). After each edit a hover on that line
 * is sent and the previous one cancelled (`$/cancelRequest`). A burst ends when every hover
 * of it has answered, or after `boundMs` (counted as `unanswered`; the loop never waits
 * longer). Returns the latencies of answered hovers and the count of each kind of answer.
 */
async function editStorm(conn, uri, lines, target, version, { storms = 5, edits = 10, gapMs = 50, boundMs = 60_000 } = {}) {
  const answered = [];
  let cancelled = 0;
  let other = 0;
  let unanswered = 0;
  for (let s = 0; s < storms; s++) {
    const hovers = [];
    for (let i = 0; i < edits; i++) {
      lines = [...lines];
      lines[target] = lines[target].endsWith(' ') ? lines[target].trimEnd() : `${lines[target]} `;
      version++;
      conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: lines.join('\n') }] });
      hovers.at(-1)?.cts.cancel();
      const h = { cts: new rpc.CancellationTokenSource(), t0: performance.now(), done: false };
      h.promise = conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: target, character: 2 } }, h.cts.token).then(
        (r) => {
          h.done = true;
          if (r?.contents) answered.push(performance.now() - h.t0);
          else other++;
        },
        (err) => {
          h.done = true;
          if (err?.code === REQUEST_CANCELLED) cancelled++;
          else other++;
        },
      );
      hovers.push(h);
      await new Promise((r) => setTimeout(r, gapMs));
    }
    let timer;
    const bound = new Promise((r) => (timer = setTimeout(r, boundMs)));
    await Promise.race([Promise.all(hovers.map((h) => h.promise)), bound]);
    clearTimeout(timer);
    unanswered += hovers.filter((h) => !h.done).length;
    if (unanswered) break; // a server that stopped answering: report what we have
  }
  return {
    stormHoverP50: percentile(answered, 50),
    stormHoverP95: percentile(answered, 95),
    stormAnswered: answered.length,
    stormCancelled: cancelled,
    stormOther: other,
    stormUnanswered: unanswered,
    stormEdits: storms * edits,
  };
}

/**
 * Returns { diagP50, diagP95, hoverP50, hoverP95, edits } in milliseconds, plus the edit
 * storm's numbers (`editStorm`: stormHoverP50/P95, stormAnswered, stormCancelled, …).
 */
export async function lspLatency(root, tree61, tree612, edits = 12) {
  let diff = '';
  for (const f of ['fs/ext4/file.c', 'fs/ext4/inode.c']) {
    diff += spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(tree61, f), join(tree612, f)], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
  }
  const child = spawn(process.execPath, [join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const settings = { kernelTree: tree61, kernelVersion: 'auto', scenarios: 'default', timeBudget: 60000 };
  const waiters = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    for (const w of waiters.splice(0)) if (!w(p)) waiters.push(w);
  });
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => settings));
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { textDocument: { hover: { contentFormat: ['markdown'] }, publishDiagnostics: { versionSupport: true } }, workspace: { configuration: true } }, initializationOptions: settings });
  conn.sendNotification('initialized', {});
  const uri = pathToFileURL(join(root, '.bench-6.1-6.12.diff')).href;
  const diagFor = (version) => new Promise((resolve) => waiters.push((p) => (p.uri === uri && p.version === version && p.diagnostics.length ? (resolve(), true) : false)));
  let lines = diff.split('\n');
  // A changed hunk line to edit and hover: the first '+' line of an ext4_dio_write_checks hunk.
  const target = lines.findIndex((l, i) => l.startsWith('+') && !l.startsWith('+++') && lines.slice(Math.max(0, i - 30), i).some((x) => x.includes('ext4_dio_write_checks')));
  let version = 1;
  const first = diagFor(1);
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'diff', version, text: diff } });
  await first;
  const diag = [];
  const hover = [];
  for (let i = 0; i < edits; i++) {
    lines = [...lines];
    lines[target] = lines[target].endsWith(' ') ? lines[target].trimEnd() : `${lines[target]} `;
    version++;
    const got = diagFor(version);
    const t0 = performance.now();
    conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: lines.join('\n') }] });
    const h = conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: target, character: 2 } }).then(() => hover.push(performance.now() - t0));
    await got;
    diag.push(performance.now() - t0);
    await h;
  }
  const storm = await editStorm(conn, uri, lines, target, version);
  child.kill();
  return { diagP50: percentile(diag, 50), diagP95: percentile(diag, 95), hoverP50: percentile(hover, 50), hoverP95: percentile(hover, 95), edits, ...storm };
}
