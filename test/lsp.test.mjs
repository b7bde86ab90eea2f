// The language server as a client sees it: dist/server.js started over stdio and driven
// with the LSP protocol library (the same one vscode-languageclient uses), on the real
// 6.1 → 6.12 change of fs/ext4/file.c and inode.c reviewed against the Debian 6.1 tree.
// Pull and push diagnostics are both exercised by toggling the client capability.
// Everything is polled for; nothing sleeps a fixed time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { kernelDir, need, readSeed, ROOT, kernelDiff } from './helpers.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

const STATUS = 'ext4WritePath/status';
const TRACE = 'ext4WritePath.server.trace';
const MATRIX = 'ext4WritePath.server.matrix';
/** Generous: two cores under CI, and the first analysis also loads the tree. */
const WAIT_MS = 60_000;

/** Poll `fn` until it returns something truthy. */
async function poll(fn, what, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}


/** 1-based [start, end] of a C function's definition in `text` (from its signature to the closing brace). */
function functionLines(text, name) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\w.*\\b${name}\\(`).test(l));
  assert.ok(start >= 0, `${name} not found`);
  let end = start;
  while (end < lines.length && lines[end] !== '}') end++;
  return [start + 1, end + 1];
}

/** Document lines of `@@` headers whose post-image range overlaps [lo, hi] of `file`. */
function hunksTouching(diff, file, [lo, hi]) {
  const out = [];
  let cur;
  diff.split('\n').forEach((l, i) => {
    if (l.startsWith('+++ ')) cur = l.slice(4).replace(/^b\//, '');
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (m && cur === file) {
      const s = Number(m[1]);
      const e = s + Number(m[2] ?? 1) - 1;
      if (s <= hi && e >= lo) out.push(i);
    }
  });
  return out;
}

/** A running server and a client connection to it, with what it sent us. */
async function startServer({ pull, settings, folders = [] }) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => undefined); // the server may exit while a message is in flight
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const pushed = new Map();
  const statuses = [];
  const logs = [];
  let refreshes = 0;
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => (it.section === 'ext4WritePath' ? settings : null)));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('client/unregisterCapability', () => null);
  conn.onRequest('workspace/diagnostic/refresh', () => (refreshes++, null));
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onNotification('textDocument/publishDiagnostics', (p) => pushed.set(p.uri, p));
  conn.onNotification(STATUS, (p) => statuses.push(p));
  conn.onNotification('window/logMessage', (p) => logs.push(p.message));
  conn.onNotification('window/showMessage', (p) => logs.push(p.message));
  conn.listen();
  const capabilities = {
    textDocument: {
      synchronization: { dynamicRegistration: false },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      codeLens: {},
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
      ...(pull ? { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false } } : {}),
    },
    workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true }, diagnostics: { refreshSupport: true } },
  };
  const init = await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities,
    initializationOptions: settings,
    workspaceFolders: folders.map((f) => ({ uri: pathToFileURL(f).href, name: f })),
  });
  conn.sendNotification('initialized', {});
  const versions = new Map();
  const s = {
    child,
    conn,
    init,
    settings,
    pushed,
    statuses,
    logs,
    get refreshes() {
      return refreshes;
    },
    get stderr() {
      return stderr;
    },
    open(uri, text, languageId = 'diff') {
      versions.set(uri, 1);
      conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    change(uri, text) {
      const v = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, v);
      conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
      return v;
    },
    close(uri) {
      conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    },
    request: (method, params) => conn.sendRequest(method, params),
    /** Pull (or wait for pushed) diagnostics of `uri` until `ok(items)` holds. */
    async diagnostics(uri, ok = (xs) => xs.length > 0, what = `diagnostics of ${uri}`) {
      return poll(async () => {
        const items = pull ? (await conn.sendRequest('textDocument/diagnostic', { textDocument: { uri } })).items : pushed.get(uri)?.diagnostics;
        return items && ok(items) ? items : undefined;
      }, what);
    },
    /** shutdown + exit, then wait for the process to end (killed if it does not). */
    async stop() {
      const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
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
    },
  };
  return s;
}

function fixtureDir() {
  return mkdtempSync(join(tmpdir(), 'ext4wp-lsp-'));
}

/** Everything the real-diff checks share: the diff on disk and where its interesting hunks are. */
function realDiff(t) {
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return undefined;
  const dir = fixtureDir();
  const diff = kernelDiff(k61, k612);
  const file = join(dir, '6.1-6.12.diff');
  writeFileSync(file, diff);
  const after = readFileSync(join(k612, 'fs/ext4/file.c'), 'utf8');
  const wanted = [
    ...hunksTouching(diff, 'fs/ext4/file.c', functionLines(after, 'ext4_dio_write_checks')),
    ...hunksTouching(diff, 'fs/ext4/file.c', functionLines(after, 'ext4_dio_write_iter')),
  ];
  assert.ok(wanted.length > 0, 'the 6.1 → 6.12 diff changes ext4_dio_write_checks / ext4_dio_write_iter');
  return { k61, k612, dir, diff, uri: pathToFileURL(file).href, wanted };
}

const settingsFor = (tree) => ({ kernelTree: tree, kernelVersion: 'auto', scenarios: 'default', timeBudget: 120_000 });

/** A lock-change warning on one of the hunks of ext4_dio_write_checks() / ext4_dio_write_iter(). */
function lockWarningOn(items, wanted) {
  return items.find((d) => d.code === 'lock-change' && d.severity === 2 && wanted.includes(d.range.start.line));
}

for (const pull of [true, false]) {
  test(`real 6.1 → 6.12 diff against the 6.1 tree (${pull ? 'pull' : 'push'} diagnostics)`, async (t) => {
    const fx = realDiff(t);
    if (!fx) return;
    const srv = await startServer({ pull, settings: settingsFor(fx.k61) });
    t.after(async () => {
      await srv.stop();
      rmSync(fx.dir, { recursive: true, force: true });
    });
    assert.equal(!!srv.init.capabilities.diagnosticProvider, pull, 'diagnosticProvider follows the client capability');
    srv.open(fx.uri, fx.diff);
    const items = await srv.diagnostics(fx.uri, (xs) => !!lockWarningOn(xs, fx.wanted), 'a lock-change warning on an ext4_dio_write_checks/iter hunk');
    const warn = lockWarningOn(items, fx.wanted);
    assert.match(warn.message, /→/);
    assert.equal(warn.source, 'ext4-write-path');
    for (const d of items.filter((x) => x.code && !['lock-change', 'fallback-change', 'unwritten-change', 'write-path-change', 'patch-problem', 'time-budget'].includes(x.code))) {
      assert.match(d.codeDescription.href, new RegExp(`${d.code}\\.md$`), 'check ids link to their docs page');
    }
    const related = items.find((d) => d.relatedInformation?.length);
    assert.ok(related, 'some diagnostic points at the deciding C line');
    assert.ok(related.relatedInformation[0].location.uri.startsWith(pathToFileURL(fx.k61).href), 'the deciding line is in the kernel tree');
    if (pull) assert.ok(!srv.pushed.has(fx.uri), 'a pull client gets no pushed diagnostics');

    await t.test('hover inside the hunk shows the table', async () => {
      const line = warn.range.start.line + 1;
      const h = await srv.request('textDocument/hover', { textDocument: { uri: fx.uri }, position: { line, character: 0 } });
      assert.equal(h.contents.kind, 'markdown');
      const md = h.contents.value;
      assert.match(md, /\| # \| what changed: before → after \| example \|\n/);
      // Scenarios are grouped by what changed: at most about ten rows, then the unchanged count.
      const rows = md.split('\n').filter((l) => /^\| (\*\*\d+\*\*|\d+) /.test(l));
      assert.ok(rows.length >= 2 && rows.length <= 10, `${rows.length} rows`);
      assert.match(rows.at(-1), /^\| \d+ \| \*unchanged\* \|/);
      assert.match(md, /lock exclusive → \*\*shared\*\*/, 'plain clients get the after value in bold');
      assert.doesNotMatch(md, /<span/, 'no HTML for a client without allowedTags');
      assert.match(md, /\*Legend:\*.*\*\*lock\*\*: `i_rwsem` mode held/);
      assert.match(md, /command:ext4WritePath\.showTrace\?/);
      assert.match(md, /\[Scenarios view\]\(command:ext4WritePath\.showScenarios\?/);
      assert.match(md, /\[file\.c:\d+[^\]]*\]\(command:ext4WritePath\.openLocation\?/, 'a link to the deciding C line');
      assert.match(md, /Profile \*\*6\.1\*\*/);
    });

    await t.test('document symbols: patch → file → hunk', async () => {
      const syms = await srv.request('textDocument/documentSymbol', { textDocument: { uri: fx.uri } });
      assert.equal(syms.length, 1);
      const files = syms[0].children.map((f) => f.name);
      assert.deepEqual(files, ['fs/ext4/file.c', 'fs/ext4/inode.c']);
      const hunks = syms[0].children[0].children;
      assert.ok(hunks.length > 5);
      assert.ok(hunks.every((h) => h.name.startsWith('@@ ') && typeof h.detail === 'string'));
      assert.ok(hunks.some((h) => fx.wanted.includes(h.selectionRange.start.line)));
    });

    await t.test('code lenses carry the hunk summaries', async () => {
      const lenses = await srv.request('textDocument/codeLens', { textDocument: { uri: fx.uri } });
      const atHeaders = fx.diff.split('\n').flatMap((l, i) => (l.startsWith('@@ ') ? [i] : []));
      const summaries = lenses.filter((l) => l.command.command === 'ext4WritePath.showTrace');
      assert.deepEqual(summaries.map((l) => l.range.start.line).sort((a, b) => a - b), atHeaders, 'a summary lens on every @@');
      assert.ok(summaries.some((l) => /scenarios change/.test(l.command.title)));
      assert.ok(summaries.every((l) => l.command.arguments[0] === fx.uri && !l.command.title.includes('$(')), 'no codicons for a client that did not ask');
      // Hunks that change something also get a lens that opens the scenarios view there.
      const views = lenses.filter((l) => l.command.command === 'ext4WritePath.showScenarios');
      assert.ok(views.length > 0 && views.length < summaries.length);
      assert.ok(views.every((l) => atHeaders.includes(l.command.arguments[1])));
    });

    await t.test('trace and matrix commands', async () => {
      const tr = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [fx.uri, warn.range.start.line] });
      assert.match(tr.markdown, /file\.c:\d+/);
      assert.ok(tr.scenarios.includes(tr.scenario));
      assert.equal(tr.side, 'after');
      const before = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [fx.uri, warn.range.start.line, tr.scenario, 'before'] });
      assert.equal(before.side, 'before');
      assert.notEqual(before.markdown, tr.markdown);
      const none = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [fx.uri, 0] });
      assert.equal(none, null, 'no hunk at line 0');
      // The trace view's data: steps with where to open them, the divergence, both outcomes.
      assert.ok(tr.steps.length > 10);
      assert.ok(tr.steps.some((s) => s.kind === 'call' && s.fn === 'ext4_file_write_iter'));
      assert.ok(tr.steps.some((s) => s.diverges), 'some step is where before and after part');
      const located = tr.steps.filter((s) => s.target);
      assert.ok(located.some((s) => s.target.uri.startsWith(pathToFileURL(fx.k61).href)), 'steps open in the kernel tree');
      assert.ok(located.some((s) => s.target.uri === fx.uri && s.target.how === 'patch'), 'added lines open in the patch');
      assert.ok(tr.outcome.lockAcrossIo && tr.otherOutcome.lockAcrossIo);
      assert.equal(tr.hasOtherSide, true);
      const m = await srv.request('workspace/executeCommand', { command: MATRIX, arguments: [fx.uri] });
      assert.ok(m.rows.length > 50);
      const row = m.rows.find((r) => r.changed.length);
      assert.ok(row, 'some scenario changed');
      assert.ok(['yes', 'no'].includes(row.dimensions.aio));
      assert.notEqual(row.before[row.changed[0]], row.after[row.changed[0]]);
      assert.ok(m.hunk.scenariosChanged > 0, 'without a line: the first hunk that changes something');
      assert.ok(m.hunks.length > 3 && m.hunks.every((h) => h.scenariosRun > 0));
      assert.equal(m.fieldLabels.lockAcrossIo, 'lock');
      // With a line: that hunk's matrix.
      const other = m.hunks.find((h) => h.line !== m.hunk.line && h.scenariosChanged > 0);
      const m2 = await srv.request('workspace/executeCommand', { command: MATRIX, arguments: [fx.uri, other.line + 1] });
      assert.equal(m2.hunk.line, other.line);
    });

    await t.test('status notification', async () => {
      const st = await poll(() => srv.statuses.find((s) => s.uri === fx.uri && s.state !== 'busy'), 'a status');
      assert.match(st.text, /^ext4: \d+ hunks changed/);
      assert.ok(['warning', 'error'].includes(st.state));
      assert.ok(srv.statuses.some((s) => s.uri === fx.uri && s.state === 'busy'), 'busy while analysing');
    });

    await t.test('garbage and truncated documents: problems, no crash', async () => {
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256));
      const garbage = pathToFileURL(join(fx.dir, 'garbage.patch')).href;
      srv.open(garbage, bytes.toString('latin1'));
      const g = await srv.diagnostics(garbage, (xs) => xs.some((d) => d.code === 'patch-problem'), 'a problem diagnostic for garbage');
      assert.ok(g.length >= 1);
      const truncated = pathToFileURL(join(fx.dir, 'truncated.patch')).href;
      const cut = fx.diff.split('\n').slice(0, 50).join('\n').replace(/@@ -(\d+),\d+ \+(\d+),\d+ @@(?![\s\S]*@@)/, '@@ -$1,400 +$2,400 @@');
      srv.open(truncated, `${cut}\n`);
      await srv.diagnostics(truncated, (xs) => xs.some((d) => d.code === 'patch-problem'), 'a problem diagnostic for a truncated hunk');
      // The server still answers.
      const h = await srv.request('textDocument/hover', { textDocument: { uri: fx.uri }, position: { line: warn.range.start.line, character: 0 } });
      assert.ok(h?.contents?.value);
      const unknown = await srv.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.patch' }, position: { line: 0, character: 0 } });
      assert.equal(unknown, null);
      const bad = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [42, 'x'] });
      assert.equal(bad, null);
      srv.close(garbage);
      srv.close(truncated);
    });

    await t.test('an edit re-analyses the new version', async () => {
      // Drop every hunk but the first: the lock-change warnings go away.
      const first = fx.diff.split('\n');
      const second = first.findIndex((l, i) => i > 3 && l.startsWith('@@ '));
      const v = srv.change(fx.uri, `${first.slice(0, second).join('\n')}\n`);
      await srv.diagnostics(fx.uri, (xs) => !xs.some((d) => d.code === 'lock-change') && (pull || srv.pushed.get(fx.uri)?.version === v), 'diagnostics of the edited version');
      srv.change(fx.uri, fx.diff);
      await srv.diagnostics(fx.uri, (xs) => !!lockWarningOn(xs, fx.wanted), 'diagnostics back after undo');
    });

    await t.test('a settings change re-analyses; a tiny time budget gives a partial answer', async () => {
      const n = srv.statuses.length;
      srv.settings.timeBudget = 50;
      srv.conn.sendNotification('workspace/didChangeConfiguration', { settings: { ext4WritePath: srv.settings } });
      const items = await srv.diagnostics(fx.uri, (xs) => xs.some((d) => d.code === 'time-budget'), 'the partial-analysis diagnostic');
      const partial = items.find((d) => d.code === 'time-budget');
      assert.equal(partial.severity, 3);
      assert.equal(partial.range.start.line, 0);
      await poll(() => srv.statuses.slice(n).some((s) => s.uri === fx.uri && /partial/.test(s.text)), 'a partial status');
      if (pull) assert.ok(srv.refreshes > 0, 'pull clients are asked to refresh');
    });
    assert.doesNotMatch(srv.stderr, /Error/);
  });
}

test('seed 001: quoted hunks are annotated at their @@ lines', async (t) => {
  const seed = readSeed('001_19eda201be480ccb.txt');
  const k612 = kernelDir('6.12');
  if (!need(t, seed, 'seed 001') || !need(t, k612, 'the Debian 6.12 tree (npm run fetch-kernels)')) return;
  const srv = await startServer({ pull: true, settings: settingsFor(k612) });
  t.after(() => srv.stop());
  const uri = 'untitled:seed-001.txt';
  srv.open(uri, seed, 'plaintext');
  const headers = seed.split(/\r\n|\r|\n/).flatMap((l, i) => (/^(>\s?)*@@ /.test(l) ? [i] : []));
  assert.ok(headers.length >= 5);
  const lenses = await poll(async () => {
    const ls = await srv.request('textDocument/codeLens', { textDocument: { uri } });
    return ls?.length ? ls : undefined;
  }, 'code lenses');
  const at = new Set(lenses.map((l) => l.range.start.line));
  assert.deepEqual(headers.filter((l) => !at.has(l)), [], 'every @@ line has a lens');
  const h = await srv.request('textDocument/hover', { textDocument: { uri }, position: { line: headers[0] + 2, character: 2 } });
  assert.match(h.contents.value, /ext4_dio_write_iter/);
  const st = await poll(() => srv.statuses.find((s) => s.uri === uri && s.state !== 'busy'), 'a status');
  assert.notEqual(st.state, 'no-kernel');
});

test('without a kernel tree: hunk-only mode and the no-kernel status', async (t) => {
  const srv = await startServer({ pull: false, settings: { kernelTree: '/nonexistent/tree', timeBudget: 60_000 } });
  t.after(() => srv.stop());
  const uri = 'untitled:tiny.patch';
  srv.open(uri, ['--- a/fs/ext4/file.c', '+++ b/fs/ext4/file.c', '@@ -1,3 +1,3 @@', ' a', '-b', '+c', ' d', ''].join('\n'));
  const st = await poll(() => srv.statuses.find((s) => s.uri === uri && s.state !== 'busy'), 'a status');
  assert.equal(st.state, 'no-kernel');
  assert.ok(srv.logs.some((m) => /kernelTree \/nonexistent\/tree has no fs\/ext4\/file\.c/.test(m)), 'the unusable setting is reported');
  const lenses = await srv.request('textDocument/codeLens', { textDocument: { uri } });
  assert.equal(lenses.length, 1);
});

test('fs/ext4 C document: hover outcomes, and edits re-review open patches', async (t) => {
  const k612 = kernelDir('6.12');
  const k61 = kernelDir('6.1');
  if (!need(t, k612 && k61, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  // A writable tree: our own copies of the interpreted files, the rest linked.
  const root = fixtureDir();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'fs', 'ext4'), { recursive: true });
  for (const f of ['Makefile', 'fs/ext4/file.c', 'fs/ext4/inode.c', 'fs/ext4/ext4.h', 'fs/ext4/ext4_jbd2.h']) copyFileSync(join(k612, f), join(root, f));
  symlinkSync(join(k612, 'include'), join(root, 'include'));
  symlinkSync(join(k612, 'arch'), join(root, 'arch'));
  const srv = await startServer({ pull: true, settings: settingsFor(''), folders: [root] });
  t.after(() => srv.stop());
  const cPath = join(root, 'fs/ext4/file.c');
  const cUri = pathToFileURL(cPath).href;
  const text = readFileSync(cPath, 'utf8');
  srv.open(cUri, text, 'c');
  const [start] = functionLines(text, 'ext4_dio_write_checks');
  const hover = await poll(async () => {
    const h = await srv.request('textDocument/hover', { textDocument: { uri: cUri }, position: { line: start - 1, character: text.split('\n')[start - 1].indexOf('ext4_dio_write_checks') + 2 } });
    return h?.contents?.value ? h : undefined;
  }, 'a hover on ext4_dio_write_checks');
  assert.match(hover.contents.value, /\*\*ext4_dio_write_checks\(\)\*\* · run by \d+ of \d+ scenarios/);
  assert.match(hover.contents.value, /\| scenarios \| path \| fallback \| lock across IO \| waits \| unwritten \|/);
  const tr = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [cUri, start] });
  assert.match(tr.markdown, /fs\/ext4\/file\.c:\d+/);

  // A patch reviewed against this tree: the 6.12 → 6.1 direction of ext4_dio_write_checks.
  const diff = kernelDiff(k612, k61, ['fs/ext4/file.c']);
  const pUri = 'untitled:back.diff';
  srv.open(pUri, diff);
  const status = () => srv.statuses.filter((s) => s.uri === pUri && s.state !== 'busy').at(-1);
  await poll(() => status(), 'the patch status');
  const baseline = srv.statuses.filter((s) => s.uri === pUri).length;
  // Editing the C (making the tree the 6.1 text) changes the base: the patch no longer applies.
  srv.change(cUri, readFileSync(join(k61, 'fs/ext4/file.c'), 'utf8'));
  const items = await srv.diagnostics(pUri, (xs) => xs.some((d) => d.code === 'patch-problem' && /did not apply/.test(d.message)), 'the patch re-reviewed against the edited C');
  assert.ok(items.length);
  assert.ok(srv.statuses.filter((s) => s.uri === pUri).length > baseline, 'the patch was analysed again');

  // A change on disk reloads the tree (the client watches fs/ext4/*.c for us).
  const inode = join(root, 'fs/ext4/inode.c');
  writeFileSync(inode, `${readFileSync(inode, 'utf8')}\n/* touched */\n`);
  srv.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(inode).href, type: 2 }] });
  await poll(() => srv.logs.some((m) => /kernel tree changed on disk/.test(m)), 'the reload');
  await poll(() => srv.logs.filter((m) => m.startsWith(`loaded kernel tree ${root}`)).length >= 2, 'the tree loaded again');
});
