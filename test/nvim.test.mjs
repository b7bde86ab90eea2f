// A second real LSP client: headless Neovim 0.7 (TESTBEDS.md §2) runs test/nvim/client.lua,
// which starts dist/server.js over stdio, opens the real 6.1 → 6.12 diff, waits for the
// pushed diagnostics, asks for a hover (plain markdown: Neovim announces none of the VS
// Code extras), runs a CodeLens's command through workspace/executeCommand, a lens
// through Neovim's own codelens UI and a code action through its code-action UI.
// Skipped without nvim locally, failed under CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, kernel, kernelDir, need, parser, ROOT, kernelDiff, hunksOf, toBase } from './helpers.mjs';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const hasNvim = nvim.status === 0;



test('neovim 0.7: pushed diagnostics, a plain hover, lenses and code actions that work, on the 6.1 → 6.12 diff', async (t) => {
  if (!need(t, hasNvim, 'nvim (apt-get install -y neovim)')) return;
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-nvim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const diff = kernelDiff(k61, k612);
  const file = join(dir, '6.1-6.12.diff');
  writeFileSync(file, diff);
  const after = readFileSync(join(k612, 'fs/ext4/file.c'), 'utf8');
  // The hunks of ext4_dio_write_checks()/ext4_dio_write_iter() the engine gives the
  // exclusive → shared change of i_rwsem across the IO (the same review the server runs).
  const dio = [...hunksOf(diff, 'fs/ext4/file.c', after, 'ext4_dio_write_checks'), ...hunksOf(diff, 'fs/ext4/file.c', after, 'ext4_dio_write_iter')];
  const review = api.reviewPatch(diff, { parser: await parser(), base: toBase(await kernel('6.1')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' }).result;
  const wanted = review.files.flatMap((f) => f.hunks).filter((h) => dio.includes(h.line - 1) && h.changes.some((c) => c.field === 'lockAcrossIo' && c.before === 'exclusive' && c.after === 'shared')).map((h) => h.line - 1);
  assert.ok(wanted.length, 'the engine gives some ext4_dio_write_checks/iter hunk exclusive → shared');
  const jobFile = join(dir, 'job.json');
  const settings = { kernelTree: k61, kernelVersion: 'auto', scenarios: 'default', timeBudget: 120000 };
  writeFileSync(jobFile, JSON.stringify({ cmd: [process.execPath, join(ROOT, 'dist', 'server.js'), '--stdio'], file, root: dir, settings, wanted, wait: 60000 }));
  const r = spawnSync('nvim', ['--headless', '--clean', '-c', `luafile ${join(ROOT, 'test', 'nvim', 'client.lua')}`], {
    encoding: 'utf8',
    env: { ...process.env, EXT4WP_NVIM_JOB: jobFile, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir, XDG_DATA_HOME: dir },
    timeout: 180_000,
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `no JSON from nvim (status ${r.status}): ${r.stdout.slice(0, 2000)} ${r.stderr.slice(0, 2000)}`);
  const out = JSON.parse(line);
  assert.deepEqual(out.errors, []);
  assert.ok(out.waited, 'diagnostics arrived');
  const lock = out.diagnostics.filter((d) => d.code === 'lock-change');
  assert.ok(lock.some((d) => wanted.includes(d.lnum) && d.severity === 2), `a lock-change warning on an ext4_dio_write_checks/iter hunk (got ${JSON.stringify(lock.map((d) => d.lnum))}, want one of ${wanted})`);
  assert.ok(out.diagnostics.every((d) => d.source === 'ext4-write-path'));
  assert.ok(wanted.includes(out.hover_line - 1), 'hovered inside such a hunk');
  assert.match(out.hover ?? '', /exclusive → \*\*shared\*\*/);
  assert.match(out.hover, /\| # \| what changed: before → after \|/);
  // Plain markdown: nothing only VS Code can run or render.
  assert.doesNotMatch(out.hover, /command:/, 'no command: links');
  assert.doesNotMatch(out.hover, /<\/?[a-z][a-z0-9]*(\s[^>]*)?>/i, 'no HTML tags');
  assert.match(out.hover, /Deciding line \[fs\/ext4\/file\.c:\d+[^\]]*\]\(file:\/\/[^)]+#L\d+\)/, 'the deciding line as a file link Neovim can open');
  assert.ok(out.lenses > 10, 'a code lens per hunk');
  // Every lens runs on the server…
  const lensCommands = Object.keys(out.lens_commands);
  assert.deepEqual(lensCommands.filter((c) => !out.server_commands.includes(c)), [], 'every lens command is a server command');
  // …and answers text: the trace of the hunk's first changed scenario.
  assert.ok(out.exec, 'workspace/executeCommand of the trace lens answered');
  assert.match(out.exec.title, /^trace of \S+, after the patch — fs\/ext4\/file\.c @@/);
  assert.match(out.exec.text, /^\s+fs\/ext4\/file\.c:\d+ /m, 'steps with their C lines');
  assert.doesNotMatch(out.exec.text, /command:|```/);
  // Neovim's own lens UI ran the scenarios lens: the server showed the hunk's scenarios.
  assert.ok(out.lens_message, `vim.lsp.codelens.run() showed the scenarios (messages: ${JSON.stringify(out.messages.map((m) => m.message.slice(0, 80)))})`);
  assert.match(out.lens_message.message, /\d+ of \d+ scenarios that run this code change/);
  // The code actions of the @@ line's diagnostics, through vim.lsp.buf.code_action().
  assert.ok(out.action_titles.some((x) => /^Show the trace \(/.test(x)), `a "Show the trace" action (offered: ${JSON.stringify(out.action_titles)})`);
  assert.ok(out.action_titles.includes('Copy as review comment'));
  assert.ok(out.goto_message, 'the "Go to the deciding line" action said where (Neovim 0.7 has no window/showDocument)');
  const m = /^ext4 write path: deciding line (\/\S+):(\d+)$/.exec(out.goto_message.message);
  assert.ok(m, out.goto_message.message);
  assert.ok(m[1].startsWith(k61), 'a line of the kernel tree');
  assert.ok(readFileSync(m[1], 'utf8').split('\n')[Number(m[2]) - 1].trim(), 'an existing line');
  assert.ok(out.statuses.some((s) => /^ext4: \d+ hunks changed/.test(s.text)), 'status notifications reach the client');
});
