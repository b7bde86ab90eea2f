// The client's webview markup (client/src/html.ts) and call-path picture (client/src/svg.ts)
// are pure functions of the server's answers: checked here on the real trace and matrix of
// the 6.1 → 6.12 diff, without VS Code (the e2e test shows them inside a real one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { kernelDir, need, ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

/** client/src/html.ts and svg.ts bundled for Node (they import nothing of VS Code). */
function loadViews() {
  const out = buildSync({ entryPoints: [join(ROOT, 'client/src/html.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, require);
  return module.exports;
}

const views = loadViews();

/** One trace and one matrix answer from dist/server.js for the 6.1 → 6.12 diff reviewed against 6.1. */
async function serverAnswers(k61, k612) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-views-'));
  const diff = ['fs/ext4/file.c', 'fs/ext4/inode.c']
    .map((f) => spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(k61, f), join(k612, f)], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout)
    .join('');
  const file = join(dir, 'p.diff');
  writeFileSync(file, diff);
  const uri = pathToFileURL(file).href;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const settings = { kernelTree: k61, kernelVersion: 'auto', scenarios: 'default', timeBudget: 120000 };
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => settings));
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { textDocument: { diagnostic: {} }, workspace: { configuration: true } }, initializationOptions: settings });
    conn.sendNotification('initialized', {});
    conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'diff', version: 1, text: diff } });
    const items = (await conn.sendRequest('textDocument/diagnostic', { textDocument: { uri } })).items;
    const lock = items.find((d) => d.code === 'lock-change');
    const line = lock.range.start.line + 1;
    const trace = await conn.sendRequest('workspace/executeCommand', { command: 'ext4WritePath.server.trace', arguments: [uri, line] });
    const matrix = await conn.sendRequest('workspace/executeCommand', { command: 'ext4WritePath.server.matrix', arguments: [uri, line] });
    return { trace, matrix, uri };
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    const timer = setTimeout(() => child.kill(), 5000);
    await exited;
    clearTimeout(timer);
    conn.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('escapeHtml and the page shell: a strict CSP, the nonce on the only script and style', () => {
  assert.equal(views.escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const page = views.webviewPage({ title: 't<', cspSource: 'vscode-resource:', nonce: 'N0NCE', body: '<p>b</p>', style: 'p{}', script: 'x()' });
  assert.match(page, /Content-Security-Policy" content="default-src 'none'; img-src vscode-resource: data:; style-src 'nonce-N0NCE'; script-src 'nonce-N0NCE';"/);
  assert.match(page, /<style nonce="N0NCE">/);
  assert.match(page, /<script nonce="N0NCE">x\(\)<\/script>/);
  assert.match(page, /<title>t&lt;<\/title>/);
});

test('requestWords says what differs from the usual request', () => {
  const d = { direct: 'yes', aio: 'yes', nowait: 'no', atomic: 'no', dsync: 'no', aligned: 'no', target: 'unwritten', nosec: 'cold', mapping: 'extents', flags: '-', mount: 'default', env: '-' };
  assert.equal(views.requestWords(d), 'aio · unaligned · unwritten · cold');
  assert.equal(views.requestWords(d, new Set(['aio', 'target'])), 'aio · unwritten');
});

test('trace view and matrix view of the real 6.1 → 6.12 diff', async (t) => {
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  const { trace, matrix } = await serverAnswers(k61, k612);

  await t.test('the call path picture: boxes for C and model functions, the touched one highlighted', () => {
    const svg = views.traceBody(trace).match(/<svg[\s\S]*?<\/svg>/)[0];
    assert.match(svg, /<g class="node c[^"]*"[^>]*><title>ext4_file_write_iter\(\)/);
    // iomap's DIO and ext4_map_blocks() are the tree's C now (issue 11): boxes that open their C.
    assert.match(svg, /<g class="node c[^"]*"[^>]*><title>iomap_dio_rw\(\) · C · fs\/iomap\/direct-io\.c:\d+/, 'iomap_dio_rw() is a C box');
    assert.match(svg, /<g class="node c[^"]*"[^>]*><title>ext4_map_blocks\(\) · C · fs\/ext4\/inode\.c:\d+/, 'ext4_map_blocks() is a C box');
    assert.match(svg, /class="node c touched[^"]*"/, 'a function the hunk touches is highlighted');
    assert.match(svg, /class="node c[^"]*diverges/, 'where the paths part is marked');
    assert.match(svg, /data-uri="file:\/\/[^"]+" data-line="\d+"/, 'boxes open their C');
    assert.ok((svg.match(/<g class="node/g) ?? []).length <= 49, 'a long run is cut');
  });

  await t.test('the decision flow: nested calls, branches with results, locations, divergence', () => {
    const body = views.traceBody(trace);
    assert.match(body, /<details open class="call[^"]*" id="s0"><summary><span class="badge call">call<\/span> <span class="fn">ext4_file_write_iter\(\)<\/span>/);
    assert.match(body, /<li class="step branch[^"]*"[^>]*><span class="badge branch">if<\/span> <code>[^<]+<\/code><span class="arrow">→<\/span><span class="res (yes|no)">/);
    assert.match(body, /<a class="loc" data-uri="file:[^"]+" data-line="\d+"/);
    assert.match(body, /⇢ patch/, 'a line the patch adds opens in the patch');
    assert.match(body, /class="step [a-z]+ diverges"/);
    assert.match(body, /data-jump="s\d+">first step that differs from before/);
    assert.match(body, /<button data-side="before" class="">before<\/button><button data-side="after" class="on">after<\/button>/);
    // The outcome table uses the display names and the compact lock sequence.
    assert.match(body, /<th>lock<\/th><td><span class="b">/);
    assert.doesNotMatch(body, /<th>lockAcrossIo<\/th>/);
    // Balanced nesting: every call block is closed.
    assert.equal((body.match(/<details/g) ?? []).length, (body.match(/<\/details>/g) ?? []).length);
  });

  await t.test('the matrix: hunk picker, filters by dimension, coloured changes', () => {
    const body = views.matrixBody(matrix);
    assert.match(body, /<select id="hunk">(<option value="\d+"( selected)?>[^<]+<\/option>)+<\/select>/);
    assert.match(body, /<option value="\d+" selected>file\.c @@/);
    assert.match(body, /<select class="dim" data-dim="aio"><option value="">any<\/option><option value="no">no<\/option><option value="yes">yes<\/option><\/select>/);
    assert.match(body, /<select id="show"><option value="hunk" selected>changed by this hunk/);
    const rows = body.match(/<tr class="(changed|same)"/g) ?? [];
    assert.equal(rows.length, matrix.rows.length);
    assert.match(body, /<td class="chg f-lockAcrossIo"><span class="b">exclusive<\/span><span class="arrow">→<\/span><span class="a">shared<\/span><\/td>/);
    assert.match(body, /class="chg f-lockSequence"><span class="b">[SX −✗↓]+<\/span>/, 'lock sequences in the compact S/X form');
    assert.match(body, /<span class="mark" title="changed by this hunk">●<\/span>/);
    // Changed-by-this-hunk rows come first.
    assert.match(body.slice(body.indexOf('<tbody>')), /^<tbody><tr class="changed"[^>]*data-by="hunk"/);
  });
});

test('empty and message bodies', () => {
  assert.match(views.messageBody('T', 'why <x>', [{ label: 'Pick', command: 'ext4WritePath.pickKernelTree' }]), /<p class="empty muted">why &lt;x&gt;<\/p><button data-command="ext4WritePath.pickKernelTree">Pick<\/button>/);
  const empty = views.matrixBody({ uri: 'file:///x', rows: [], hunks: [] });
  assert.match(empty, /No scenario runs the code of this hunk/);
  const plain = views.traceBody({ scenario: 's', side: 'after', markdown: '# md <b>', scenarios: ['s'] });
  assert.match(plain, /<pre class="mono"># md &lt;b&gt;<\/pre>/, 'a server without steps: its markdown, escaped');
});

test('the scenarios view header stays small: filters fold out, the legend behind "?"', () => {
  const dims = (aio, target) => ({ direct: 'yes', aio, nowait: 'no', atomic: 'no', dsync: 'no', aligned: 'yes', target, nosec: 'warm', mapping: 'extents', flags: '-', mount: 'default', env: '-' });
  const row = (scenario, aio, target, changed) => ({ scenario, dimensions: dims(aio, target), before: { path: 'dio', lockAcrossIo: 'exclusive', convertContext: 'endio' }, after: { path: 'dio', lockAcrossIo: changed ? 'shared' : 'exclusive', convertContext: changed ? 'workqueue' : 'endio' }, changed: changed ? ['lockAcrossIo', 'convertContext'] : [] });
  const m = {
    uri: 'file:///p.diff',
    rows: [row('a', 'no', 'written', true), row('b', 'yes', 'hole', true), row('c', 'yes', 'written', false)],
    hunk: { line: 3, path: 'fs/ext4/file.c~graft', header: '@@ -1,2 +1,3 @@', functions: ['f'], summary: '', scenariosRun: 3, scenariosChanged: 2 },
    hunks: [{ line: 3, path: 'fs/ext4/file.c~graft', header: '@@ -1,2 +1,3 @@', functions: ['f'], summary: '', scenariosRun: 3, scenariosChanged: 2 }],
    hunkScenarios: ['a'],
    // No label for convertContext: the client words the id itself.
    fieldLabels: { path: 'path', lockAcrossIo: 'lock' },
    profile: '6.12',
    scenarioSource: 'default',
  };
  const body = views.matrixBody(m);
  const header = body.slice(0, body.indexOf('</header>'));
  assert.match(header, /<div class="line filters" id="filters" hidden>.*<select class="dim" data-dim="aio">/s, 'dimension filters folded by default');
  assert.match(header, /<button id="more"[^>]*aria-expanded="false">filters <span id="active"><\/span>▾<\/button>/);
  assert.match(header, /<details class="legend"><summary>/, 'the legend folds');
  assert.match(header, /<input type="search" id="text"/);
  assert.match(header, /<option value="3" selected>file\.c @@ -1,2 \+1,3 @@ f — 2\/3 change<\/option>/, 'file names as the reader knows them (no ~graft)');
  assert.match(body, /<th>convert context<\/th>/);
  assert.doesNotMatch(body, /convertContext<|~graft/);
  assert.equal(views.fieldLabel({ lockAcrossIo: 'lock' }, 'lockAcrossIo'), 'lock');
  assert.equal(views.fieldLabel(undefined, 'ioEndAllocs'), 'io end allocs');
  assert.equal(views.displayFile('fs/ext4/inode.c~graft'), 'inode.c');
  assert.equal(views.displayFile('fs/ext4/file.c'), 'file.c');
});
