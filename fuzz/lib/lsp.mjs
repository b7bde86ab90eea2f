// Campaign "lsp": JSON-RPC storms and malformed frames against `node dist/server.js --stdio`.
//
// A session is a list of frames (raw bytes) written to the server's stdin with small
// pauses, while the fuzzer answers the server's own requests (workspace/configuration,
// client/registerCapability…) and collects its answers and log messages. Every frame is
// one input of the campaign; the session is the unit that is classified and reproduced.
//
// Session kinds:
// * valid  — only well-formed messages with valid params (requests, edits, cancels, unknown
//            methods, configuration changes). Any error the server logs is a crash here.
// * storm  — the same interleaved with malformed JSON, non-JSON-RPC values, bad params,
//            odd ids, a second `initialize`. Errors logged for bad params are expected.
// * frame  — one bad frame (negative, missing, non-numeric, huge Content-Length, body longer
//            than announced…) then a valid probe request.
// Classification: crash = the server exits (or prints a stack trace / logs an uncaught
// error) on well-formed input; hang ("silent") = a request goes unanswered and the server
// does not exit within the timeout; ok = every request answered, or (after a malformed
// frame) the server exits promptly with a non-zero status.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { killGroup, procMem, RSS_HOOK, stackTraceIn, track } from './exec.mjs';

const enc = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o), 'utf8');
export const frameOf = (body) => {
  const b = Buffer.isBuffer(body) ? body : enc(body);
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`, 'ascii'), b]);
};

const RANDOM_TEXT = ['+\tret = -EIO;\n', '-\tinode_lock(inode);\n', ' context\n', '@@ -1,3 +1,3 @@\n', '> ', '\n', '}', '{{{', '\u0000', '\ud83d\ude00', 'diff --git a/fs/ext4/file.c b/fs/ext4/file.c\n', '\r\n'];

/**
 * Make a session. `docText` makes a patch document (string), `cText` a mutated file.c.
 * Frames are stored as {b64, tag, id?} so the session can be written out and replayed.
 */
export function lspSession(rng, { docText, cText, trees, kind: forced, frameVariant }) {
  const kind = forced ?? rng.weighted([[4, 'storm'], [3, 'valid'], [1, 'frame']]);
  const pull = rng.chance(0.5);
  const kernelTree = trees['6.12'] && rng.chance(0.7) ? trees['6.12'] : '';
  const settings = { kernelTree, kernelVersion: 'auto', scenarios: rng.chance(0.8) ? 'core' : 'default', timeBudget: rng.pick([500, 1000, 2000]) };
  const docs = [{ uri: 'file:///fuzz/doc.patch', languageId: 'diff', text: docText(), version: 1 }];
  if (kind !== 'frame' && trees['6.12'] && rng.chance(0.2)) docs.push({ uri: pathToFileURL(join(trees['6.12'], 'fs/ext4/file.c')).href, languageId: 'c', text: cText(), version: 1 });
  const frames = [];
  let nextId = 2;
  const push = (obj, tag, raw) => {
    const f = { b64: (raw ?? frameOf(obj)).toString('base64'), tag };
    if (obj && typeof obj === 'object' && !Array.isArray(obj) && 'id' in obj && obj.method && (typeof obj.id === 'number' || typeof obj.id === 'string')) f.id = obj.id;
    if (rng.chance(0.3)) f.pauseMs = rng.pick([0, 1, 5, 20, 50]);
    frames.push(f);
  };
  const req = (method, params, tag = 'valid') => {
    const id = nextId++;
    push({ jsonrpc: '2.0', id, method, params }, tag);
    return id;
  };
  const note = (method, params, tag = 'valid') => push({ jsonrpc: '2.0', method, params }, tag);
  const capabilities = {
    workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true }, codeLens: { refreshSupport: true }, diagnostics: { refreshSupport: pull } },
    textDocument: { ...(pull ? { diagnostic: { dynamicRegistration: false } } : {}), hover: { contentFormat: ['markdown', 'plaintext'] } },
    general: { markdown: { parser: 'marked', allowedTags: rng.chance(0.5) ? ['span'] : [] } },
    experimental: rng.chance(0.5) ? { ext4WritePath: { codicons: true } } : undefined,
  };
  push({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, workspaceFolders: null, capabilities, initializationOptions: settings } }, 'init');
  note('initialized', {});
  for (const d of docs) note('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: d.languageId, version: d.version, text: d.text } });
  const doc = () => rng.pick(docs);
  const lines = (d) => d.text.split('\n').length;
  const pos = (d) => ({ line: rng.chance(0.9) ? rng.int(lines(d) + 1) : rng.pick([lines(d) + 5, 2 ** 31 - 1]), character: rng.chance(0.9) ? rng.int(80) : rng.pick([1000, 2 ** 31 - 1]) });
  const sent = [];

  if (kind === 'frame') {
    const bad = frameVariant !== undefined && frameVariant < BAD_FRAMES.length ? BAD_FRAMES[frameVariant] : randomBadFrame(rng);
    frames.push({ b64: Buffer.from(bad[1], 'latin1').toString('base64'), tag: `malformed:${bad[0]}` });
    push({ jsonrpc: '2.0', id: 7777, method: 'textDocument/hover', params: { textDocument: { uri: docs[0].uri }, position: { line: 0, character: 0 } } }, 'probe');
    return { kind, settings, pull, frames, what: `frame:${bad[0]}` };
  }

  // Long sessions: the server's start-up and first analysis are paid once per session.
  const n = kind === 'storm' ? rng.range(30, 100) : rng.range(25, 80);
  const kinds = [
    [10, 'hover'], [3, 'symbols'], [3, 'codeLens'], [pull ? 3 : 0, 'diagnostic'], [4, 'trace'], [3, 'matrix'], [10, 'edit'], [2, 'replace'], [5, 'cancel'], [1, 'reopen'],
    [2, 'unknownRequest'], [1, 'unknownNotification'], [1, 'configuration'], [1, 'watched'], [1, 'folders'],
  ];
  if (kind === 'storm') kinds.push([6, 'badParams'], [1, 'reinitialize'], [1, 'hugeEdit']);
  // Malformed JSON may end the session (a server is allowed to exit on it): only in the
  // last quarter of a storm, so the rest of the storm runs first.
  const tail = kind === 'storm' ? [...kinds, [4, 'malformedJson'], [2, 'notRpc'], [2, 'oddId']] : kinds;
  for (let i = 0; i < n; i++) {
    const k = rng.weighted(i >= 0.75 * n ? tail : kinds);
    const d = doc();
    const td = { uri: d.uri };
    switch (k) {
      case 'hover':
        sent.push(req('textDocument/hover', { textDocument: td, position: pos(d) }));
        break;
      case 'symbols':
        sent.push(req('textDocument/documentSymbol', { textDocument: td }));
        break;
      case 'codeLens':
        sent.push(req('textDocument/codeLens', { textDocument: td }));
        break;
      case 'diagnostic':
        sent.push(req('textDocument/diagnostic', { textDocument: td, previousResultId: rng.chance(0.3) ? '1.0' : undefined }));
        break;
      case 'trace':
        sent.push(req('workspace/executeCommand', { command: 'ext4WritePath.server.trace', arguments: [d.uri, rng.int(lines(d)), ...(rng.chance(0.5) ? ['dio-sync-al-written-warm', rng.pick(['before', 'after'])] : [])] }));
        break;
      case 'matrix':
        sent.push(req('workspace/executeCommand', { command: 'ext4WritePath.server.matrix', arguments: [d.uri, ...(rng.chance(0.7) ? [rng.int(lines(d))] : [])] }));
        break;
      case 'edit': {
        const text = d.text;
        const ls = text.split('\n');
        const l = rng.int(ls.length);
        const c = rng.int((ls[l]?.length ?? 0) + 1);
        const del = rng.chance(0.4);
        const endLine = del ? Math.min(ls.length - 1, l + rng.int(3)) : l;
        const endChar = del ? rng.int((ls[endLine]?.length ?? 0) + 1) : c;
        const ins = del && rng.chance(0.5) ? '' : rng.pick(RANDOM_TEXT).repeat(rng.small(4));
        // Keep our copy in step (offsets in UTF-16 code units, as LSP and JS strings count).
        const off = (L, C) => ls.slice(0, L).reduce((s, x) => s + x.length + 1, 0) + C;
        const a = off(l, c);
        const b = Math.max(a, off(endLine, endChar));
        d.text = text.slice(0, a) + ins + text.slice(b);
        d.version++;
        note('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: [{ range: { start: { line: l, character: c }, end: b === a ? { line: l, character: c } : { line: endLine, character: endChar } }, text: ins }] });
        break;
      }
      case 'replace':
        d.text = d.languageId === 'c' ? cText() : docText();
        d.version++;
        note('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: [{ text: d.text }] });
        break;
      case 'cancel':
        if (sent.length) note('$/cancelRequest', { id: rng.chance(0.9) ? rng.pick(sent.slice(-5)) : 99999 });
        break;
      case 'reopen':
        note('textDocument/didClose', { textDocument: td });
        d.version = 1;
        note('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: d.languageId, version: 1, text: d.text } });
        break;
      case 'unknownRequest':
        sent.push(req(rng.pick(['fuzz/unknown', 'textDocument/definition', 'textDocument/completion', 'workspace/symbol']), { textDocument: td, position: pos(d), query: '' }));
        break;
      case 'unknownNotification':
        note(rng.pick(['$/fuzz', 'fuzz/notify', '$/setTrace', '$/progress']), { value: 'x', token: 1 });
        break;
      case 'configuration':
        note('workspace/didChangeConfiguration', { settings: { ext4WritePath: { ...settings, scenarios: rng.pick(['core', 'default']), timeBudget: rng.pick([200, 500, 1000]) } } });
        break;
      case 'watched':
        note('workspace/didChangeWatchedFiles', { changes: [{ uri: trees['6.12'] ? pathToFileURL(join(trees['6.12'], 'fs/ext4/inode.c')).href : 'file:///x/fs/ext4/inode.c', type: 2 }] });
        break;
      case 'folders':
        note('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: 'file:///tmp/fuzz-folder', name: 'f' }], removed: [] } });
        break;
      case 'badParams': {
        const [method, params] = rng.pick([
          ['textDocument/hover', null],
          ['textDocument/hover', []],
          ['textDocument/hover', { textDocument: 5, position: 'x' }],
          ['textDocument/hover', { textDocument: td, position: { line: -1, character: -1 } }],
          ['textDocument/hover', { textDocument: td, position: { line: 1e300, character: 0.5 } }],
          ['textDocument/hover', { textDocument: { uri: 'file:///%zz' }, position: { line: 0, character: 0 } }],
          ['textDocument/hover', { textDocument: { uri: '' }, position: { line: 0, character: 0 } }],
          ['textDocument/codeLens', { textDocument: { uri: 'untitled:never-opened' } }],
          ['textDocument/documentSymbol', {}],
          ['workspace/executeCommand', { command: 'ext4WritePath.server.trace', arguments: [d.uri, 1e300, { x: 1 }, 'sideways'] }],
          ['workspace/executeCommand', { command: 'ext4WritePath.server.matrix', arguments: [null, -5] }],
          ['workspace/executeCommand', { command: 'ext4WritePath.server.trace', arguments: 'not-an-array' }],
          ['workspace/executeCommand', { command: 'no.such.command', arguments: [] }],
          ['workspace/executeCommand', null],
          ['textDocument/diagnostic', { textDocument: null }],
        ]);
        sent.push(req(method, params, 'badparams'));
        break;
      }
      case 'malformedJson':
        push(undefined, 'malformed:json', frameOf(Buffer.from(rng.pick(['{', '{"jsonrpc":"2.0","id":3,"method":', 'not json', '{"jsonrpc":"2.0","method":"textDocument/hover","params":{"a":}}', '\u0000\u0000', '{"jsonrpc":"2.0","id":1e999,"method":"x"}', '\ufeff{}']), 'utf8')));
        break;
      case 'notRpc':
        push(undefined, 'malformed:notrpc', frameOf(rng.pick(['[]', '42', 'null', '"x"', '{"foo":1}', '{"jsonrpc":"2.0"}', '{"jsonrpc":"1.0","id":1,"method":"shutdown"}', JSON.stringify([{ jsonrpc: '2.0', id: 4242, method: 'textDocument/hover', params: { textDocument: td, position: { line: 0, character: 0 } } }])])));
        break;
      case 'oddId': {
        const id = rng.pick([{}, [], null, 1.5, -1, 2 ** 60, true]);
        push({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: td, position: { line: 0, character: 0 } } }, 'malformed:id');
        break;
      }
      case 'reinitialize':
        sent.push(req('initialize', { processId: null, rootUri: null, capabilities: {} }, 'badparams'));
        break;
      case 'hugeEdit':
        d.text += `\n${'+\tret = -EIO;\n'.repeat(rng.pick([10000, 200000]))}`;
        d.version++;
        note('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: [{ text: d.text }] });
        break;
    }
  }
  return { kind, settings, pull, frames, what: `${kind}:${frames.length} frames` };
}

// The brief's four first (a short run meets them), then the rest.
const BAD_FRAMES = [
  ['negative-length', 'Content-Length: -5\r\n\r\n{}'],
  ['missing-length', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"shutdown"}'],
  ['non-numeric-length', 'Content-Length: abc\r\n\r\n{}'],
  ['longer-body', 'Content-Length: 2\r\n\r\n{}trailing garbage that is not a header\r\n\r\n'],
  ['huge-length', 'Content-Length: 99999999999999999999\r\n\r\n{}'],
  ['float-length', 'Content-Length: 1e3\r\n\r\n{}'],
  ['zero-length', 'Content-Length: 0\r\n\r\n'],
  ['lf-only', 'Content-Length: 2\n\n{}'],
  ['no-separator', 'Content-Length: 2\r\n{}'],
  ['duplicate-length', 'Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}'],
  ['bad-charset', 'Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n{}'],
  ['nul-header', 'Content-\u0000Length: 2\r\n\r\n{}'],
  ['giant-header', `X-Fuzz: ${'a'.repeat(1 << 20)}\r\nContent-Length: 2\r\n\r\n{}`],
  ['space-length', 'Content-Length:    2   \r\n\r\n{}'],
  ['body-not-utf8', 'Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc'],
];

/**
 * A random bad frame (once the fixed list is used up): a wrong Content-Length, odd headers
 * or separators, a body that is not a message. Announced lengths stay below what the frame
 * and the probe after it supply, so a server cannot be silent merely by waiting for bytes.
 */
function randomBadFrame(rng) {
  const body = rng.pick(['{}', '{"jsonrpc":"2.0","id":31,"method":"textDocument/hover","params":{}}', 'garbage', '', '\u0000\u0000', '{"jsonrpc":"2.0","id":3', '[1,2,3]']);
  const len = Buffer.byteLength(body, 'latin1');
  const value = rng.pick([-1, 0, 1, len - 1, len + 1, len + 40, 'x', '', '1.5', '+2', ` ${len} `, '0x2', `${len}${len}`, '-0']);
  const headers = [`Content-Length: ${value}`];
  if (rng.chance(0.3)) headers.splice(rng.int(2), 0, rng.pick(['Content-Type: text/plain', 'X: y', ':', 'Content-Length', 'content-length: 2', '\u0000: 1']));
  const sep = rng.pick(['\r\n', '\r\n', '\n', '\r']);
  const end = rng.pick(['\r\n\r\n', '\r\n\r\n', '\n\n', '\r\n']);
  return [`random(${JSON.stringify(headers)},${JSON.stringify(sep)},${JSON.stringify(end)},${JSON.stringify(body)})`, `${headers.join(sep)}${end}${body}`];
}

/**
 * Run a session against `node <root>/dist/server.js --stdio`. Returns the classification
 * and what was observed.
 */
export function runSession(session, { root, cwd, timeoutMs, rssKillKB, rssBudgetKB }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, join(root, 'dist', 'server.js'), '--stdio'], { cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    track(child);
    let stderr = '';
    let hook = '';
    let buf = Buffer.alloc(0);
    const responses = new Map();
    const logs = [];
    const garbage = [];
    let stalled = false;
    let exited;
    let polledKB = 0;
    let killedForMemory = false;
    let finished = false;
    let malformedSent = false;
    let exitSent = false;
    child.stderr.on('data', (d) => {
      if (stderr.length < 1 << 20) stderr += d;
    });
    child.stdio[3].on('data', (d) => (hook += d));
    child.stdin.on('error', () => undefined);
    const write = (b) =>
      new Promise((r) => {
        if (exited || child.stdin.destroyed) return r();
        child.stdin.write(b, () => r());
      });
    const answer = (msg) => {
      // The server's own requests: configuration gets our settings, the rest null.
      const result = msg.method === 'workspace/configuration' ? (msg.params?.items ?? []).map((it) => (it.section === 'ext4WritePath' ? session.settings : null)) : null;
      void write(frameOf({ jsonrpc: '2.0', id: msg.id, result }));
    };
    child.stdout.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sep = buf.indexOf('\r\n\r\n');
        if (sep < 0) break;
        const header = buf.subarray(0, sep).toString('latin1');
        const len = Number(/^Content-Length: (\d+)$/im.exec(header)?.[1]);
        if (!Number.isFinite(len)) {
          // Not a frame: something wrote to the protocol stream (a stray console.log…).
          garbage.push(header.slice(0, 200));
          buf = buf.subarray(sep + 4);
          continue;
        }
        if (buf.length < sep + 4 + len) break;
        const body = buf.subarray(sep + 4, sep + 4 + len).toString('utf8');
        buf = buf.subarray(sep + 4 + len);
        let msg;
        try {
          msg = JSON.parse(body);
        } catch {
          garbage.push(body.slice(0, 200));
          continue;
        }
        if (msg.method && msg.id !== undefined) answer(msg);
        else if (msg.method === 'window/logMessage' || msg.method === 'window/showMessage') logs.push({ type: msg.params?.type, message: String(msg.params?.message ?? '') });
        else if (msg.id !== undefined && !msg.method) responses.set(msg.id, (responses.get(msg.id) ?? 0) + 1);
      }
    });
    const exitP = new Promise((r) =>
      child.on('close', (code, signal) => {
        exited = { code, signal, at: Date.now() - t0 };
        r();
      }),
    );
    const poll = setInterval(async () => {
      if (exited) return;
      const m = await procMem(child.pid);
      if (!m) return;
      polledKB = Math.max(polledKB, m.hwm);
      if (rssKillKB && m.rss > rssKillKB) {
        killedForMemory = true;
        kill();
      }
    }, 100);
    const kill = () => killGroup(child.pid);
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());
    const until = async (pred, ms) => {
      const end = Date.now() + ms;
      while (!pred() && !exited && Date.now() < end) await sleep(20);
      return pred();
    };

    (async () => {
      const expected = [];
      let sentFrames = 0;
      let exitBeforeBye;
      for (const f of session.frames) {
        if (exited) break;
        // A server that stops reading fills the pipe: a write that cannot finish is silence too.
        if (!(await Promise.race([write(Buffer.from(f.b64, 'base64')).then(() => true), sleep(timeoutMs).then(() => false)]))) {
          stalled = true;
          break;
        }
        sentFrames++;
        if (f.tag.startsWith('malformed')) malformedSent = true;
        if (f.id !== undefined) expected.push(f.id);
        if (f.tag === 'init' && !(await until(() => responses.has(1), timeoutMs))) break;
        if (f.pauseMs) await sleep(f.pauseMs);
      }
      // Every request must be answered (a result or an error, cancelled ones included).
      const answered = () => expected.every((id) => responses.has(id));
      if (!stalled) await until(answered, timeoutMs);
      const missing = expected.filter((id) => !responses.has(id));
      if (exited) exitBeforeBye = exited;
      let byeOk = true;
      // A server already silent is not asked to shut down (that would only cost two more timeouts).
      if (!exited && session.kind !== 'frame' && !missing.length && !stalled) {
        await write(frameOf({ jsonrpc: '2.0', id: 'bye', method: 'shutdown', params: null }));
        const shut = await until(() => responses.has('bye'), timeoutMs);
        await write(frameOf({ jsonrpc: '2.0', method: 'exit' }));
        exitSent = true;
        byeOk = shut && (await Promise.race([exitP.then(() => true), sleep(timeoutMs).then(() => false)]));
      }
      if (!exited) {
        child.stdin.end();
        await Promise.race([exitP, sleep(2000)]);
      }
      if (!exited) kill();
      await exitP;
      finished = true;
      clearInterval(poll);
      const reported = Number(/maxrss (\d+)/.exec(hook)?.[1] ?? 0);
      const rssKB = Math.max(reported, polledKB);
      const errLogs = logs.filter((l) => l.type === 1);
      const uncaught = errLogs.filter((l) => /^(uncaught|unhandled rejection):/.test(l.message));
      let cls;
      let reason;
      if (killedForMemory) [cls, reason] = ['memory', `server RSS over the kill ceiling, killed`];
      else if (stackTraceIn(stderr)) [cls, reason] = ['crash', `stack trace on the server's stderr: ${stderr.split('\n').find((l) => l.trim())?.slice(0, 160)}`];
      else if (exitBeforeBye && exitBeforeBye.signal) [cls, reason] = ['crash', `server killed by ${exitBeforeBye.signal}`];
      else if (exitBeforeBye && !malformedSent) [cls, reason] = ['crash', `server exited (status ${exitBeforeBye.code}) on well-formed input after ${sentFrames} frames`];
      else if (uncaught.length) [cls, reason] = ['crash', `server logged: ${uncaught[0].message.slice(0, 200)}`];
      else if (garbage.length) [cls, reason] = ['crash', `server wrote something that is not a JSON-RPC frame to stdout: ${JSON.stringify(garbage[0]).slice(0, 160)}`];
      else if (stalled && !exitBeforeBye) [cls, reason] = ['hang', `silent: the server stopped reading its input (a write did not finish within ${timeoutMs} ms) after ${sentFrames} frames`];
      else if (session.kind === 'valid' && errLogs.length) [cls, reason] = ['crash', `internal error on well-formed input: ${errLogs[0].message.slice(0, 200)}`];
      else if (missing.length && !exitBeforeBye) [cls, reason] = ['hang', `silent: ${missing.length} request(s) unanswered (ids ${missing.slice(0, 5).join(',')}) and no exit within ${timeoutMs} ms`];
      else if (!byeOk) [cls, reason] = ['hang', `no answer to shutdown, or no exit after exit, within ${timeoutMs} ms`];
      else if (exitBeforeBye) [cls, reason] = exitBeforeBye.code === 0 ? ['clean-error', 'exited with status 0 after a malformed frame'] : ['ok', `exited with status ${exitBeforeBye.code} after a malformed frame`];
      else if (rssKB > rssBudgetKB) [cls, reason] = ['memory', `server peak RSS ${Math.round(rssKB / 1024)} MB`];
      else if (exitSent && exited.code !== 0) [cls, reason] = ['clean-error', `exit status ${exited.code} after shutdown+exit`];
      else [cls, reason] = ['ok', `${expected.length} requests answered`];
      resolve({
        cls,
        reason,
        frames: sentFrames,
        ms: Date.now() - t0,
        rssKB,
        stderr: stderr.slice(0, 8192),
        logs: errLogs.slice(0, 20).map((l) => l.message.slice(0, 500)),
        exit: exited,
        missing,
      });
    })().catch((e) => {
      if (!finished) kill();
      resolve({ cls: 'crash', reason: `fuzzer session error: ${e.stack}`, frames: 0, ms: Date.now() - t0, rssKB: polledKB, stderr, logs: [], exit: exited, missing: [] });
    });
  });
}
