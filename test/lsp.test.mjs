// The language server as a client sees it: dist/server.js started over stdio and driven
// with the LSP protocol library (the same one vscode-languageclient uses), on the real
// 6.1 → 6.12 change of fs/ext4/file.c and inode.c reviewed against the Debian 6.1 tree.
// Pull and push diagnostics are both exercised by toggling the client capability; the pull
// client also announces what the VS Code extension does (experimental.ext4WritePath,
// markdown allowedTags, code-action literals), the push client is a plain LSP client like
// Neovim: the two get command links and client commands vs plain markdown and the
// server's text commands. Everything is polled for; nothing sleeps a fixed time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { api, kernel, kernelDir, need, parser, readSeed, ROOT, kernelDiff, REAL_DIFF_FILES, toBase } from './helpers.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

const STATUS = 'ext4WritePath/status';
const TRACE = 'ext4WritePath.server.trace';
const MATRIX = 'ext4WritePath.server.matrix';
const TRACE_TEXT = 'ext4WritePath.server.traceText';
const MATRIX_TEXT = 'ext4WritePath.server.matrixText';
const OPEN = 'ext4WritePath.server.openLocation';
const COMMENT = 'ext4WritePath.server.reviewComment';
/** Markdown `allowedTags` of vscode-languageclient 9 (what VS Code announces). */
const VSCODE_TAGS = ['ul', 'li', 'p', 'code', 'blockquote', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'em', 'pre', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'div', 'del', 'a', 'strong', 'br', 'img', 'span'];
/** HTML tags in markdown (a plain client shows them raw). */
const HTML_TAG = /<\/?(span|div|br|img|a|table|p)\b/i;
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
async function startServer({ pull, settings, folders = [], vscode = false, showDocument = false }) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => undefined); // the server may exit while a message is in flight
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const pushed = new Map();
  const statuses = [];
  const logs = [];
  const messages = [];
  const shownDocuments = [];
  let refreshes = 0;
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => (it.section === 'ext4WritePath' ? settings : null)));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('client/unregisterCapability', () => null);
  conn.onRequest('workspace/diagnostic/refresh', () => (refreshes++, null));
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onNotification('textDocument/publishDiagnostics', (p) => pushed.set(p.uri, p));
  conn.onNotification(STATUS, (p) => statuses.push(p));
  conn.onNotification('window/logMessage', (p) => logs.push(p.message));
  conn.onNotification('window/showMessage', (p) => (logs.push(p.message), messages.push(p)));
  conn.onRequest('window/showDocument', (p) => (shownDocuments.push(p), { success: true }));
  conn.listen();
  const capabilities = {
    textDocument: {
      synchronization: { dynamicRegistration: false },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      codeLens: {},
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
      ...(pull ? { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false } } : {}),
      // Neovim 0.7 and VS Code both take CodeAction literals.
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } } },
    },
    workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true }, diagnostics: { refreshSupport: true } },
    ...(showDocument ? { window: { showDocument: { support: true } } } : {}),
    ...(vscode ? { general: { markdown: { parser: 'marked', version: '1.1.0', allowedTags: VSCODE_TAGS } }, experimental: { ext4WritePath: { codicons: true, commands: ['ext4WritePath.copyText'] } } } : {}),
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
    messages,
    shownDocuments,
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
async function realDiff(t) {
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return undefined;
  const dir = fixtureDir();
  const diff = kernelDiff(k61, k612);
  const file = join(dir, '6.1-6.12.diff');
  writeFileSync(file, diff);
  const after = readFileSync(join(k612, 'fs/ext4/file.c'), 'utf8');
  const dio = [
    ...hunksTouching(diff, 'fs/ext4/file.c', functionLines(after, 'ext4_dio_write_checks')),
    ...hunksTouching(diff, 'fs/ext4/file.c', functionLines(after, 'ext4_dio_write_iter')),
  ];
  assert.ok(dio.length > 0, 'the 6.1 → 6.12 diff changes ext4_dio_write_checks / ext4_dio_write_iter');
  // Of those, the hunks the engine (the review the server runs) gives i_rwsem's exclusive →
  // shared change across the IO: where a hunk's own removal moves it (ablation).
  const review = api.reviewPatch(diff, { parser: await parser(), base: toBase(await kernel('6.1')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' }).result;
  const wanted = review.files.flatMap((f) => f.hunks).filter((h) => dio.includes(h.line - 1) && h.changes.some((c) => c.field === 'lockAcrossIo' && c.before === 'exclusive' && c.after === 'shared')).map((h) => h.line - 1);
  assert.ok(wanted.length > 0, 'some ext4_dio_write_checks/iter hunk changes i_rwsem exclusive → shared');
  return { k61, k612, dir, diff, uri: pathToFileURL(file).href, wanted };
}

const settingsFor = (tree) => ({ kernelTree: tree, kernelVersion: 'auto', scenarios: 'default', timeBudget: 120_000 });

/** A lock-change warning on one of the hunks of ext4_dio_write_checks() / ext4_dio_write_iter(). */
function lockWarningOn(items, wanted) {
  return items.find((d) => d.code === 'lock-change' && d.severity === 2 && wanted.includes(d.range.start.line));
}

for (const pull of [true, false]) {
  // The pull client is VS Code (its extras announced); the push client a plain one (Neovim-like, with window/showDocument).
  const vscode = pull;
  test(`real 6.1 → 6.12 diff against the 6.1 tree (${pull ? 'pull diagnostics, VS Code extras' : 'push diagnostics, plain client'})`, async (t) => {
    const fx = await realDiff(t);
    if (!fx) return;
    // ext4WritePath.codeLens: the VS Code client keeps the default (`changes`), the plain one asks for `all`.
    const srv = await startServer({ pull, settings: { ...settingsFor(fx.k61), ...(vscode ? {} : { codeLens: 'all' }) }, vscode, showDocument: !vscode });
    t.after(async () => {
      await srv.stop();
      rmSync(fx.dir, { recursive: true, force: true });
    });
    assert.equal(!!srv.init.capabilities.diagnosticProvider, pull, 'diagnosticProvider follows the client capability');
    assert.deepEqual(srv.init.capabilities.codeActionProvider.codeActionKinds, ['quickfix'], 'code actions are advertised');
    for (const c of [TRACE, MATRIX, TRACE_TEXT, MATRIX_TEXT, OPEN, COMMENT]) assert.ok(srv.init.capabilities.executeCommandProvider.commands.includes(c), `${c} is a server command`);
    srv.open(fx.uri, fx.diff);
    const items = await srv.diagnostics(fx.uri, (xs) => !!lockWarningOn(xs, fx.wanted), 'a lock-change warning on an ext4_dio_write_checks/iter hunk');
    const warn = lockWarningOn(items, fx.wanted);
    assert.match(warn.message, /→/);
    assert.equal(warn.source, 'ext4-write-path');
    for (const d of items.filter((x) => x.code && !['lock-change', 'fallback-change', 'unwritten-change', 'write-path-change', 'patch-problem', 'time-budget', 'cannot-tell'].includes(x.code))) {
      assert.match(d.codeDescription.href, new RegExp(`${d.code}\\.md$`), 'check ids link to their docs page');
    }
    // The squiggle sits on the leading `@@` only: the rest of the header line hovers the table alone.
    assert.equal(warn.range.end.character - warn.range.start.character, 2);
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
      assert.match(md, /\*Legend:\*.*\*\*lock\*\*: `i_rwsem` mode held/);
      assert.match(md, /Profile \*\*6\.1\*\*/);
      assert.doesNotMatch(md, /~graft|convertContext|ioEndAllocs|bufferedWrite/, 'user-facing names only');
      if (vscode) {
        assert.match(md, /lock <span style="color:[^"]+">exclusive<\/span> → <span style="color:[^"]+">\*\*shared\*\*<\/span>/, 'VS Code gets coloured before → after');
        assert.match(md, /command:ext4WritePath\.showTrace\?/);
        assert.match(md, /\[Scenarios view\]\(command:ext4WritePath\.showScenarios\?/);
        assert.match(md, /\[file\.c:\d+[^\]]*\]\(command:ext4WritePath\.openLocation\?/, 'a link to the deciding C line');
      } else {
        assert.match(md, /lock exclusive → \*\*shared\*\*/, 'plain clients get the after value in bold');
        assert.doesNotMatch(md, HTML_TAG, 'no HTML for a plain client');
        assert.doesNotMatch(md, /command:/, 'no command links for a plain client');
        // The deciding line as a file link other editors open: the tree's file, #L<line>.
        const link = /Deciding line \[fs\/ext4\/file\.c:(\d+)[^\]]*\]\((file:\/\/[^)#]+)#L(\d+)\)/.exec(md);
        assert.ok(link, `a file:// link to the deciding line in:\n${md}`);
        assert.equal(link[1], link[3]);
        assert.ok(link[2].startsWith(pathToFileURL(fx.k61).href), 'into the kernel tree');
        const lines = readFileSync(new URL(link[2]), 'utf8').split('\n');
        assert.ok(lines[Number(link[3]) - 1].trim().length > 0, 'the line exists in the tree');
      }
    });

    await t.test('hover on the @@ line: the table first', async () => {
      const h = await srv.request('textDocument/hover', { textDocument: { uri: fx.uri }, position: { line: warn.range.start.line, character: 5 } });
      const md = h.contents.value;
      const table = md.indexOf('| # | what changed');
      assert.ok(table > 0 && table < 400, 'the table starts within the first lines');
      const findings = md.search(/\*\*(Breaks|Fixes|Still breaks)\*\*/);
      if (findings >= 0) assert.ok(findings > table, 'findings after the table');
    });

    await t.test('document symbols: patch → file → hunk', async () => {
      const syms = await srv.request('textDocument/documentSymbol', { textDocument: { uri: fx.uri } });
      assert.equal(syms.length, 1);
      const files = syms[0].children.map((f) => f.name);
      assert.deepEqual(files, REAL_DIFF_FILES);
      const hunks = syms[0].children[0].children;
      assert.ok(hunks.length > 5);
      assert.ok(hunks.every((h) => h.name.startsWith('@@ ') && typeof h.detail === 'string'));
      assert.ok(hunks.some((h) => fx.wanted.includes(h.selectionRange.start.line)));
    });

    await t.test('code lenses carry the hunk summaries', async () => {
      const lenses = await srv.request('textDocument/codeLens', { textDocument: { uri: fx.uri } });
      const atHeaders = fx.diff.split('\n').flatMap((l, i) => (l.startsWith('@@ ') ? [i] : []));
      // VS Code runs its own commands; other clients the server's text commands.
      const traceCmd = vscode ? 'ext4WritePath.showTrace' : TRACE_TEXT;
      const viewCmd = vscode ? 'ext4WritePath.showScenarios' : MATRIX_TEXT;
      const summaries = lenses.filter((l) => l.command.command === traceCmd);
      const lensLines = summaries.map((l) => l.range.start.line).sort((a, b) => a - b);
      if (vscode) {
        // Quiet by default: lenses only where a hunk changes something (issue 13 §6).
        assert.ok(lensLines.length > 0 && lensLines.length < atHeaders.length / 2, `${lensLines.length} of ${atHeaders.length} hunks have a lens`);
        assert.ok(lensLines.every((l) => atHeaders.includes(l)));
        assert.ok(summaries.every((l) => !/^(\$\([a-z-]+\) )?no write-path change/.test(l.command.title)), 'no "no write-path change" lens by default');
      } else assert.deepEqual(lensLines, atHeaders, 'codeLens "all": a summary lens on every @@');
      assert.ok(summaries.some((l) => /scenarios change/.test(l.command.title)));
      assert.ok(summaries.every((l) => l.command.arguments[0] === fx.uri));
      assert.ok(summaries.every((l) => l.command.title.includes('$(') === vscode), 'codicons only for the client that asked');
      assert.ok(lenses.every((l) => !/convertContext|ioEndAllocs|bufferedWrite|~graft/.test(l.command.title)), 'user-facing names only');
      // Hunks that change something also get a lens that opens the scenarios there.
      const views = lenses.filter((l) => l.command.command === viewCmd);
      assert.ok(views.length > 0 && views.length < summaries.length);
      assert.ok(views.every((l) => atHeaders.includes(l.command.arguments[1])));
      assert.equal(lenses.length, summaries.length + views.length);
      if (!vscode) {
        // Every lens runs through workspace/executeCommand and answers text.
        const server = srv.init.capabilities.executeCommandProvider.commands;
        assert.ok(lenses.every((l) => server.includes(l.command.command)), 'every lens command is a server command');
        const lens = summaries.find((l) => l.range.start.line === warn.range.start.line);
        const n = srv.messages.length;
        const tr = await srv.request('workspace/executeCommand', lens.command);
        assert.match(tr.title, /^trace of \S+, after the patch — fs\/ext4\/file\.c @@/);
        assert.match(tr.text, /^\s+fs\/ext4\/file\.c:\d+ /m, 'one line per step with its C line');
        assert.match(tr.text, /^\* /m, 'the steps where before and after part are marked');
        assert.match(tr.text, /outcome .*lock: (exclusive → shared|shared → exclusive)/);
        assert.doesNotMatch(tr.text, /```|\*\*|command:/, 'plain text, not markdown');
        const shown = await poll(() => srv.messages.slice(n).find((m) => m.message.startsWith(`ext4 write path: ${tr.title}`)), 'the trace shown as a message');
        assert.equal(shown.type, 3);
        assert.ok(shown.message.split('\n').length <= 62, 'a message holds the start; the log the rest');
        const view = views.find((l) => l.range.start.line === warn.range.start.line);
        const m = await srv.request('workspace/executeCommand', view.command);
        assert.match(m.title, /^scenarios of fs\/ext4\/file\.c @@/);
        assert.match(m.text, /\d+ of \d+ scenarios that run this code change/);
        assert.match(m.text, /lock (exclusive → shared|shared → exclusive)/);
        assert.match(m.text, /\d+ unchanged:/);
      }
    });

    await t.test('code actions on a finding diagnostic', async () => {
      const ours = items.filter((d) => d.range.start.line === warn.range.start.line);
      const actions = await srv.request('textDocument/codeAction', { textDocument: { uri: fx.uri }, range: warn.range, context: { diagnostics: ours } });
      const titles = actions.map((a) => a.title);
      const trace = actions.find((a) => a.title.startsWith('Show the trace'));
      const go = actions.find((a) => a.title.startsWith('Go to the deciding line'));
      const copy = actions.find((a) => a.title === 'Copy as review comment');
      assert.ok(trace && go && copy, `the trace, deciding-line and review-comment actions (got ${JSON.stringify(titles)})`);
      for (const a of [trace, go, copy]) {
        assert.equal(a.kind, 'quickfix');
        assert.deepEqual(a.diagnostics, ours, 'attached to the hunk\'s diagnostics');
      }
      assert.equal(trace.command.command, vscode ? 'ext4WritePath.showTrace' : TRACE_TEXT);
      assert.equal(go.command.command, vscode ? 'ext4WritePath.openLocation' : OPEN);
      const [target, line] = go.command.arguments;
      assert.match(go.title, new RegExp(`\\(fs/ext4/file\\.c:${line + 1}\\)`));
      assert.ok(target.startsWith(pathToFileURL(fx.k61).href), 'the deciding line is in the tree');
      assert.ok(readFileSync(new URL(target), 'utf8').split('\n')[line].trim(), 'an existing line of the tree');
      // On the @@ line without the diagnostics in the context (the cursor off the `@@`): the same actions.
      const offMarker = await srv.request('textDocument/codeAction', { textDocument: { uri: fx.uri }, range: { start: { line: warn.range.start.line, character: 8 }, end: { line: warn.range.start.line, character: 8 } }, context: { diagnostics: [] } });
      assert.deepEqual(offMarker.map((a) => a.title), titles);
      // Nothing inside the hunk's body (no lightbulb on every line under review), on a hunk-less line, or when only refactorings are asked for.
      const body = { start: { line: warn.range.start.line + 2, character: 0 }, end: { line: warn.range.start.line + 2, character: 0 } };
      assert.deepEqual(await srv.request('textDocument/codeAction', { textDocument: { uri: fx.uri }, range: body, context: { diagnostics: [] } }), []);
      assert.deepEqual(await srv.request('textDocument/codeAction', { textDocument: { uri: fx.uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }), []);
      assert.equal(await srv.request('textDocument/codeAction', { textDocument: { uri: fx.uri }, range: warn.range, context: { diagnostics: ours, only: ['refactor'] } }), null);
      // The review comment: the hunk quoted under its file header, then sentences wrapped at 72 columns.
      let comment;
      if (vscode) {
        // A client that copies (it listed ext4WritePath.copyText) gets the text in the arguments.
        assert.equal(copy.command.command, 'ext4WritePath.copyText');
        comment = copy.command.arguments[0];
        assert.match(copy.command.arguments[1], /^review comment on fs\/ext4\/file\.c @@/);
      } else {
        assert.equal(copy.command.command, COMMENT);
        const n = srv.messages.length;
        const r = await srv.request('workspace/executeCommand', copy.command);
        comment = r.text;
        await poll(() => srv.messages.slice(n).find((m) => m.message.startsWith(`ext4 write path: ${r.title}`)), 'the comment shown as a message');
      }
      const header = fx.diff.split('\n')[warn.range.start.line];
      assert.ok(comment.split('\n').includes(`> ${header}`), 'the hunk header quoted');
      assert.match(comment, /^> --- a\/fs\/ext4\/file\.c$/m, 'under its file header');
      const prose = comment.split('\n').filter((l) => !l.startsWith('>'));
      assert.ok(prose.some((l) => /shared|exclusive|i_rwsem/.test(l)), 'the lock change in words');
      assert.ok(prose.every((l) => l.length <= 72 || !l.includes(' ')), 'sentences wrapped at 72 columns');
      assert.doesNotMatch(comment, /command:|\*\*|<span/, 'plain text');
      if (!vscode) {
        // The plain client runs them through the server: the trace as text, the line opened with window/showDocument.
        const tr = await srv.request('workspace/executeCommand', trace.command);
        assert.equal(tr.title.split(',')[0], `trace of ${trace.command.arguments[2]}`);
        const opened = await srv.request('workspace/executeCommand', go.command);
        assert.equal(opened.uri, target);
        assert.equal(opened.line, line);
        const shown = await poll(() => srv.shownDocuments.find((d) => d.uri === target), 'window/showDocument');
        assert.equal(shown.selection.start.line, line);
        assert.equal(shown.takeFocus, true);
      }
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
      // Incomplete, with how far it got — never "no write-path change" (issue 13).
      const st = await poll(() => srv.statuses.slice(n).find((s) => s.uri === fx.uri && /incomplete: \d+ of \d+ scenarios \(time budget\)/.test(s.text)), 'an incomplete status');
      assert.doesNotMatch(st.text, /no write-path change/);
      assert.match(partial.message, /^incomplete: \d+ of \d+ scenarios simulated/);
      if (pull) assert.ok(srv.refreshes > 0, 'pull clients are asked to refresh');
    });
    assert.doesNotMatch(srv.stderr, /Error/);
  });
}

test('seed 001: quoted hunks are annotated at their @@ lines', async (t) => {
  const seed = readSeed('001_19eda201be480ccb.txt');
  const k612 = kernelDir('6.12');
  if (!need(t, seed, 'seed 001') || !need(t, k612, 'the Debian 6.12 tree (npm run fetch-kernels)')) return;
  const srv = await startServer({ pull: true, settings: { ...settingsFor(k612), codeLens: 'all' } });
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

test('seed 000 in hunk-only mode: user-facing names only (no field ids, no ~graft) in every view of a plain client', async (t) => {
  const seed = readSeed('000_5e32f489a77d5aed.txt');
  if (!need(t, seed, 'seed 000') || !need(t, kernelDir('6.1'), 'the Debian 6.1 tree (the 5.3 profile\'s reference)')) return;
  const srv = await startServer({ pull: false, settings: { kernelTree: '', timeBudget: 120_000 } });
  t.after(() => srv.stop());
  const uri = 'untitled:seed-000.txt';
  srv.open(uri, seed, 'plaintext');
  const INTERNAL = /~graft|\b(convertContext|ioEndAllocs|bufferedWrite|lockAcrossIo|dioUnwritten|unwrittenConverted)\b/;
  const items = await srv.diagnostics(uri, (xs) => xs.some((d) => d.code === 'unwritten-change'), 'the unwritten-change warnings of seed 000');
  for (const d of items) assert.doesNotMatch(d.message, INTERNAL, d.message);
  const lenses = await srv.request('textDocument/codeLens', { textDocument: { uri } });
  assert.ok(lenses.some((l) => /unwritten conversion ×\d+/.test(l.command.title)), 'the summary counts conversion changes in words');
  for (const l of lenses) assert.doesNotMatch(l.command.title, INTERNAL, l.command.title);
  const lines = seed.split(/\r\n|\r|\n/);
  const headers = lines.flatMap((l, i) => (/^(>\s?)*@@ /.test(l) ? [i] : []));
  let tables = 0;
  for (const line of headers) {
    const h = await srv.request('textDocument/hover', { textDocument: { uri }, position: { line, character: lines[line].indexOf('@@') + 4 } });
    if (!h) continue;
    assert.doesNotMatch(h.contents.value, INTERNAL, h.contents.value);
    assert.doesNotMatch(h.contents.value, /command:|<span/);
    if (/unwritten conversion runs in/.test(h.contents.value)) tables++;
  }
  assert.ok(tables > 0, 'some hover shows the conversion context in words');
  const lens = lenses.find((l) => /unwritten conversion/.test(l.command.title));
  const tr = await srv.request('workspace/executeCommand', lens.command);
  assert.doesNotMatch(tr.title + tr.text, INTERNAL);
  const syms = await srv.request('textDocument/documentSymbol', { textDocument: { uri } });
  for (const d of JSON.stringify(syms).match(/"detail":"[^"]*"/g) ?? []) assert.doesNotMatch(d, INTERNAL, d);
});

test('no tree configured: the editor reviews a series against the cached tree it applies to, as the CLI does (the real 6.1 → 6.12 diff: 6.1)', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'the Debian 6.1 and 6.12 trees')) return;
  const srv = await startServer({ pull: false, settings: { kernelTree: '', timeBudget: 120_000 } });
  t.after(() => srv.stop());
  const uri = 'untitled:forward.diff';
  srv.open(uri, kernelDiff(kernelDir('6.1'), kernelDir('6.12')));
  const st = await poll(() => srv.statuses.find((s) => s.uri === uri && s.state !== 'busy'), 'a status', 120_000);
  assert.notEqual(st.state, 'no-kernel', st.text);
  assert.match(st.text, /ext4: \d+ hunks? changed/);
  assert.doesNotMatch(st.text, /hunk-only/);
  const items = await srv.diagnostics(uri, (xs) => xs.some((d) => /applies to the cached 6\.1 tree/.test(d.message)), 'the tree it was reviewed against, said once');
  assert.ok(items.some((d) => d.code === 'lock-change'), 'reviewed: the lock changes of 6.12 show');
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
  for (const f of ['Makefile', 'fs/ext4/file.c', 'fs/ext4/inode.c']) copyFileSync(join(k612, f), join(root, f));
  // The rest of what the engine reads (headers, fs/iomap, mm/filemap.c) is the tree's own.
  for (const e of readdirSync(join(k612, 'fs', 'ext4'))) if (!existsSync(join(root, 'fs', 'ext4', e))) symlinkSync(join(k612, 'fs', 'ext4', e), join(root, 'fs', 'ext4', e));
  for (const d of ['include', 'arch', 'mm', 'fs/iomap', 'fs/read_write.c']) symlinkSync(join(k612, d), join(root, d));
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
  const md = hover.contents.value;
  assert.match(md, /\| \| # \| path \| lock across IO \| waits \| unwritten \|/);
  // Narrow enough for a default-size hover: rows are lettered groups, scenario names are listed below the table.
  const rows = md.split('\n').filter((l) => /^\| \*\*[A-Z]\d*\*\* \| \d+ \|/.test(l));
  assert.ok(rows.length >= 1);
  for (const r of rows) assert.ok(r.length <= 90, `a short row: ${r}`);
  assert.ok(md.indexOf('* **A**: `') > md.indexOf(rows.at(-1)), 'the group legend names the scenarios after the table');
  assert.doesNotMatch(md, /command:|<span/, 'plain markdown for a client without the extras');
  const tr = await srv.request('workspace/executeCommand', { command: TRACE, arguments: [cUri, start] });
  assert.match(tr.markdown, /fs\/ext4\/file\.c:\d+/);

  // A finding of the current C (6.12's IOCB_NOWAIT write may start a journal handle) has its quick fixes.
  const cItems = await srv.diagnostics(cUri, (xs) => xs.some((d) => d.code === 'nowait-blocks'), 'the nowait-blocks finding of 6.12 file.c');
  const finding = cItems.find((d) => d.code === 'nowait-blocks');
  const cActions = await srv.request('textDocument/codeAction', { textDocument: { uri: cUri }, range: finding.range, context: { diagnostics: [finding] } });
  const cTrace = cActions.find((x) => x.title.startsWith('Show the trace') && x.title.includes('nowait-blocks'));
  const cGo = cActions.find((x) => x.title.startsWith('Go to the deciding line') && x.title.includes('nowait-blocks'));
  assert.ok(cTrace && cGo, JSON.stringify(cActions.map((x) => x.title)));
  assert.deepEqual(cTrace.diagnostics, [finding]);
  assert.equal(cTrace.command.command, TRACE_TEXT, 'a plain client runs the server\'s text command');
  const cText = await srv.request('workspace/executeCommand', cTrace.command);
  assert.match(cText.title, new RegExp(`^trace of ${cTrace.command.arguments[2]}, current text`));
  assert.equal(cGo.command.arguments[0], cUri);
  assert.ok(text.split('\n')[cGo.command.arguments[1]].trim(), 'the deciding line is a line of the document');

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

test('a patch calling a function with no C: an information "cannot tell" diagnostic, no warning or error (issue 13)', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'the Debian 6.12 tree')) return;
  const file = 'fs/ext4/file.c';
  const before = readFileSync(join(tree, file), 'utf8');
  const after = before.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = ext4_overwrite_io_elsewhere(inode, offset, count, unwritten);');
  assert.notEqual(after, before);
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-lsp-unknown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'after.c'), after);
  const diff = spawnSync('diff', ['-u', '--label', `a/${file}`, '--label', `b/${file}`, join(tree, file), join(dir, 'after.c')], { encoding: 'utf8' }).stdout;
  const srv = await startServer({ pull: false, settings: { kernelTree: tree, timeBudget: 60_000 } });
  t.after(() => srv.stop());
  const uri = pathToFileURL(join(dir, 'unknown.patch')).href;
  srv.open(uri, diff);
  const diags = await poll(() => srv.pushed.get(uri)?.diagnostics.length && srv.pushed.get(uri).diagnostics, 'diagnostics');
  const cannot = diags.filter((d) => d.code === 'cannot-tell');
  assert.equal(cannot.length, 1, JSON.stringify(diags.map((d) => d.message)));
  assert.equal(cannot[0].severity, 3, 'information');
  assert.match(cannot[0].message, /cannot tell for \d+ scenarios: ext4_overwrite_io_elsewhere\(\): no C and no model/);
  assert.deepEqual(diags.filter((d) => d.severity <= 2).map((d) => d.message), [], 'no warning or error from unknown runs');
});
