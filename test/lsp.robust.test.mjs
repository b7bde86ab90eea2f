// Regression tests for the LSP defects of issue 16 (robustness):
//  (5) a server that goes silent: after one stdio frame with a bad, negative or missing
//      Content-Length, or a body longer than announced, the server answered nothing ever
//      again yet did not exit, so no client restarted it. It must exit non-zero instead.
//  (6) cancellation ignored: `$/cancelRequest` did not end a waiting request, which later
//      answered `null` (or its result) instead of RequestCancelled (-32800); a request
//      waiting on an analysis that a newer edit superseded waited for it to finish.
// dist/server.js is driven over stdio as a client would; the Analyzer is also loaded
// in-process (bundled from source) to stage an analysis that never ends by itself.
// Every wait is a poll with a generous bound; the bounds are hang guards, not targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { hunksOf, kernelDiff, kernelDir, need, ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');
const { TextDocument } = require('vscode-languageserver-textdocument');

const SERVER = join(ROOT, 'dist', 'server.js');
/** How long a broken server may take to exit: a failure bound, far above the real time. */
const EXIT_MS = 10_000;
/** Analyses of the real diff on two busy cores. */
const WAIT_MS = 90_000;
const REQUEST_CANCELLED = -32800;

/** Poll `fn` until it returns something truthy. */
async function poll(fn, what, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// --- (5) framing errors ---------------------------------------------------------------

/** One LSP frame for `msg`. */
function frame(msg) {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/**
 * dist/server.js over stdio, spoken to in raw bytes (a protocol library would refuse to
 * send the bad frames). `messages` are the frames it sent back, parsed.
 */
function rawServer(t) {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const s = { child, messages: [], stderr: '' };
  let buf = Buffer.alloc(0);
  child.stdout.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString('ascii'))?.[1]);
      if (buf.length < end + 4 + len) return;
      s.messages.push(JSON.parse(buf.subarray(end + 4, end + 4 + len).toString('utf8')));
      buf = buf.subarray(end + 4 + len);
    }
  });
  child.stderr.on('data', (d) => (s.stderr += d));
  child.stdin.on('error', () => undefined); // the server may be gone while we write
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return s;
}

const gone = (child) => child.exitCode !== null || child.signalCode !== null;

/** initialize → answer → initialized, as every client starts. */
async function handshake(s) {
  s.child.stdin.write(frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
  await poll(() => s.messages.some((m) => m.id === 1 && m.result?.capabilities), 'the initialize answer');
  s.child.stdin.write(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));
}

const hover = (id) => frame({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///nowhere.patch' }, position: { line: 0, character: 0 } } });
const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///nowhere.patch' }, position: { line: 0, character: 0 } } }));

const BAD_FRAMES = {
  'Content-Length: -5': Buffer.concat([Buffer.from('Content-Length: -5\r\n\r\n'), body]),
  'Content-Length: abc': Buffer.concat([Buffer.from('Content-Length: abc\r\n\r\n'), body]),
  'a header without Content-Length': Buffer.concat([Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n'), body]),
  'a body longer than announced, then a valid request': Buffer.concat([Buffer.from(`Content-Length: ${body.length - 20}\r\n\r\n`), body, hover(3)]),
  // Found by `npm run fuzz`: the reader waited for 99999999 bytes for ever. It now gives up
  // after PARTIAL_MESSAGE_MS (5 s), inside EXIT_MS.
  'a Content-Length far larger than the body': Buffer.concat([Buffer.from('Content-Length: 99999999\r\n\r\n'), body]),
};

for (const [name, bad] of Object.entries(BAD_FRAMES)) {
  test(`framing: after ${name} the server exits non-zero (a client can restart it)`, async (t) => {
    const s = rawServer(t);
    await handshake(s);
    s.child.stdin.write(bad);
    await poll(() => gone(s.child), 'the server to exit', EXIT_MS);
    assert.notEqual(s.child.exitCode, 0, `exit status ${s.child.exitCode} (signal ${s.child.signalCode})`);
    assert.equal(s.child.signalCode, null, 'it exits by itself, not by a signal');
    const said = s.stderr.split('\n').filter((l) => /unreadable message from the client \(.+\); exiting/.test(l));
    assert.equal(said.length, 1, `one line on stderr says why: ${s.stderr}`);
  });
}

test('framing: a well-formed session keeps the server up; shutdown + exit ends it with 0', async (t) => {
  const s = rawServer(t);
  await handshake(s);
  // Several frames in one write and one frame split over writes: both are legal framing.
  s.child.stdin.write(Buffer.concat([hover(10), hover(11)]));
  const split = hover(12);
  s.child.stdin.write(split.subarray(0, 7));
  s.child.stdin.write(split.subarray(7, 30));
  s.child.stdin.write(split.subarray(30));
  await poll(() => [10, 11, 12].every((id) => s.messages.some((m) => m.id === id)), 'the three hover answers');
  for (const id of [10, 11, 12]) assert.equal(s.messages.find((m) => m.id === id).result, null, 'no such document: null');
  assert.ok(!gone(s.child), 'still running');
  s.child.stdin.write(frame({ jsonrpc: '2.0', id: 13, method: 'shutdown' }));
  await poll(() => s.messages.some((m) => m.id === 13), 'the shutdown answer');
  s.child.stdin.write(frame({ jsonrpc: '2.0', method: 'exit' }));
  await poll(() => gone(s.child), 'the server to exit', EXIT_MS);
  assert.equal(s.child.exitCode, 0);
  assert.doesNotMatch(s.stderr, /unreadable/);
});

test('framing: stdin closing without shutdown ends the server with 1 (the client is gone)', async (t) => {
  const s = rawServer(t);
  await handshake(s);
  s.child.stdin.end();
  await poll(() => gone(s.child), 'the server to exit', EXIT_MS);
  assert.equal(s.child.exitCode, 1);
});

// --- (6) cancellation: the real server in an edit storm -------------------------------

/** dist/server.js over stdio with a protocol client, pull diagnostics on. */
async function lspServer(t, settings) {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => undefined);
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const logs = [];
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => (it.section === 'ext4WritePath' ? settings : null)));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('workspace/diagnostic/refresh', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onNotification('window/logMessage', (p) => logs.push(p.message));
  conn.onNotification('ext4WritePath/status', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { hover: { contentFormat: ['markdown'] }, codeLens: {}, diagnostic: { dynamicRegistration: false } }, workspace: { configuration: true } },
    initializationOptions: settings,
  });
  conn.sendNotification('initialized', {});
  t.after(async () => {
    const exited = new Promise((r) => (gone(child) ? r() : child.once('exit', r)));
    try {
      await Promise.race([conn.sendRequest('shutdown'), exited]);
      await conn.sendNotification('exit');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => child.kill(), 5000);
    await exited;
    clearTimeout(timer);
    conn.dispose();
  });
  return { child, conn, logs, stderr: () => stderr };
}

/** A request sent with its own cancellation source; `settled` records how and when it answered. */
function tracked(conn, method, params) {
  const cts = new rpc.CancellationTokenSource();
  const r = { method, cts, settled: undefined };
  r.promise = conn.sendRequest(method, params, cts.token).then(
    (result) => (r.settled = { ok: true, result, at: Date.now() }),
    (error) => (r.settled = { ok: false, error, at: Date.now() }),
  );
  return r;
}

test('edit storm: cancelled hovers, pull diagnostics and code lenses answer RequestCancelled; the last hover a real one', async (t) => {
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  const diff = kernelDiff(k61, k612);
  const [header] = hunksOf(diff, 'fs/ext4/file.c', readFileSync(join(k612, 'fs/ext4/file.c'), 'utf8'), 'ext4_dio_write_checks');
  assert.ok(header !== undefined, 'the 6.1 → 6.12 diff changes ext4_dio_write_checks');
  let lines = diff.split('\n');
  // The line a reviewer edits and hovers: the first added line of that hunk.
  const target = lines.findIndex((l, i) => i > header && l.startsWith('+'));
  const srv = await lspServer(t, { kernelTree: k61, kernelVersion: 'auto', scenarios: 'default', timeBudget: 120_000 });
  const uri = 'untitled:storm.diff';
  const at = { textDocument: { uri }, position: { line: target, character: 2 } };
  srv.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'diff', version: 1, text: diff } });
  await poll(async () => (await srv.conn.sendRequest('textDocument/hover', at))?.contents?.value, 'the first analysis');

  // The storm, as an editor sends it: each keystroke is a didChange, then the requests for
  // the new text; the requests still open for the text before are cancelled.
  const EDITS = 6;
  const rounds = [];
  let version = 1;
  for (let i = 0; i < EDITS; i++) {
    lines = [...lines];
    lines[target] = lines[target].endsWith(' ') ? lines[target].trimEnd() : `${lines[target]} `;
    version++;
    srv.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: lines.join('\n') }] });
    for (const r of rounds.at(-1) ?? []) r.cts.cancel();
    rounds.push([
      tracked(srv.conn, 'textDocument/hover', at),
      tracked(srv.conn, 'textDocument/diagnostic', { textDocument: { uri } }),
      tracked(srv.conn, 'textDocument/codeLens', { textDocument: { uri } }),
    ]);
  }
  const all = rounds.flat();
  await poll(() => all.every((r) => r.settled), 'every request of the storm to answer');

  const cancelled = rounds.slice(0, -1).flat();
  for (const r of cancelled) {
    assert.equal(r.settled.ok, false, `cancelled ${r.method} answered ${JSON.stringify(r.settled.result)?.slice(0, 80)} instead of an error`);
    assert.equal(r.settled.error.code, REQUEST_CANCELLED, `cancelled ${r.method}: ${r.settled.error.message}`);
  }
  const [lastHover, lastDiag, lastLens] = rounds.at(-1);
  for (const r of rounds.at(-1)) assert.ok(r.settled.ok, `the uncancelled ${r.method} answered: ${r.settled.error?.message}`);
  assert.match(lastHover.settled.result.contents.value, /^\*\*ext4 write path\*\* · `fs\/ext4\/file\.c` `@@ [^`]+` · `ext4_dio_write_checks\(\)`[\s\S]*\d+ scenarios/, 'the hunk\'s hover');
  assert.equal(lastDiag.settled.result.kind, 'full');
  assert.ok(lastDiag.settled.result.resultId.startsWith(`${version}.`), `diagnostics of the last version (${version}), got ${lastDiag.settled.result.resultId}`);
  assert.ok(lastLens.settled.result.length > 0, 'code lenses');
  // Cancelled requests answer when cancelled, not when the analysis they waited for ends.
  const latest = Math.max(...cancelled.map((r) => r.settled.at));
  assert.ok(latest <= lastHover.settled.at, `cancelled answers (last at ${latest}) came before the live hover (${lastHover.settled.at})`);
  // The edits in between were never analysed: the debounce held them, and the requests for
  // them were cancelled rather than forcing an analysis each.
  const analysed = srv.logs.filter((m) => m.startsWith(`analysed ${uri} (version `)).map((m) => Number(/version (\d+)/.exec(m)[1]));
  assert.deepEqual(analysed.filter((v) => v > 1 && v < version), [], `analysed versions: ${analysed.join(', ')}`);
  assert.doesNotMatch(srv.stderr(), /Error/);
});

// --- (6) cancellation and superseded analyses, in-process -----------------------------

/** server/src/lsp/analysis.ts bundled for Node (web-tree-sitter is never called here). */
async function loadAnalysis() {
  const out = await build({
    entryPoints: [join(ROOT, 'server/src/lsp/analysis.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    external: ['web-tree-sitter', 'vscode-languageserver', 'vscode-languageserver/*'],
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', '__filename', '__dirname', out.outputFiles[0].text)(module, module.exports, require, join(ROOT, 'server/src/lsp/analysis.ts'), join(ROOT, 'server/src/lsp'));
  return module.exports;
}

/**
 * An Analyzer (no debounce) whose first analysis never gets its parser — an analysis that
 * runs until something stops it — and whose later ones get a stand-in at once. Documents
 * are fs/ext4 C files outside any kernel tree, so an analysis needs no real parsing.
 */
async function stagedAnalyzer(t) {
  const { Analyzer } = await loadAnalysis();
  const calls = [];
  const host = {
    parser: () => {
      calls.push(Date.now());
      return calls.length === 1 ? new Promise(() => undefined) : Promise.resolve({});
    },
    settings: () => ({ kernelTree: '', kernelVersion: 'auto', scenarios: 'default', timeBudget: 10_000 }),
    folders: () => [],
    log: { info: () => undefined, warn: () => undefined, error: (m) => assert.fail(m) },
    notify: () => undefined,
    started: () => undefined,
    progress: () => undefined,
    finished: () => undefined,
    failed: (_st, m) => assert.fail(m),
    invalidated: () => undefined,
  };
  const analyzer = new Analyzer(host, 0);
  t.after(() => analyzer.dispose());
  const uri = 'file:///nowhere/fs/ext4/file.c';
  const doc = (version) => TextDocument.create(uri, 'c', version, `int v${version};\n`);
  analyzer.open(doc(1));
  return { analyzer, uri, doc, calls };
}

test('analyzer: a request whose analysis a newer edit superseded follows the newer version at once', async (t) => {
  const { analyzer, uri, doc, calls } = await stagedAnalyzer(t);
  let answer;
  analyzer.current(uri).then((a) => (answer = { a }));
  await poll(() => calls.length === 1, 'the first analysis to start', EXIT_MS);
  analyzer.change(doc(2));
  const { a } = await poll(() => answer, 'the request to answer (it must not wait for the superseded analysis)', EXIT_MS);
  assert.equal(a?.version, 2, 'the analysis of the newer version');
});

test('analyzer: a cancelled request stops waiting at once, and the analysis goes on', async (t) => {
  const { analyzer, uri, calls } = await stagedAnalyzer(t);
  const cts = new rpc.CancellationTokenSource();
  let answer;
  analyzer.current(uri, cts.token).then((a) => (answer = { a }));
  await poll(() => calls.length === 1, 'the first analysis to start', EXIT_MS);
  cts.cancel();
  const { a } = await poll(() => answer, 'the cancelled request to answer', EXIT_MS);
  assert.equal(a, undefined);
  // The analysis is shared by every request for this version: a cancellation does not stop it.
  assert.equal(analyzer.state(uri).job?.cts.token.isCancellationRequested, false);
});

test('malformed params: document requests without textDocument.uri answer InvalidParams, with no stack in the log (found by the fuzzer)', async (t) => {
  const s = await lspServer(t, { kernelTree: '/nonexistent', timeBudget: 10_000 });
  for (const [method, params] of [
    ['textDocument/hover', { position: { line: 0, character: 0 } }],
    ['textDocument/documentSymbol', { textDocument: null }],
    ['textDocument/codeLens', { textDocument: { uri: 42 } }],
    ['textDocument/diagnostic', {}],
    ['textDocument/codeAction', { textDocument: 'x', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }],
  ]) {
    const err = await s.conn.sendRequest(method, params).then(() => undefined, (e) => e);
    assert.ok(err, `${method} answered with an error`);
    assert.equal(err.code, -32602, `${method}: ${err.message}`);
    assert.match(err.message, /textDocument/);
  }
  assert.deepEqual(s.logs.filter((m) => /failed:|\n\s+at /.test(m)), []);
  assert.doesNotMatch(s.stderr(), /\n\s+at /);
});
