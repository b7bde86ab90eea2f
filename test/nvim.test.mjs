// A second real LSP client: headless Neovim 0.7 (TESTBEDS.md §2) runs test/nvim/client.lua,
// which starts dist/server.js over stdio, opens the real 6.1 → 6.12 diff, waits for the
// pushed diagnostics and asks for a hover. Skipped without nvim locally, failed under CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelDir, need, ROOT, kernelDiff, hunksOf } from './helpers.mjs';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const hasNvim = nvim.status === 0;



test('neovim 0.7: pushed diagnostics and a hover on the 6.1 → 6.12 diff', async (t) => {
  if (!need(t, hasNvim, 'nvim (apt-get install -y neovim)')) return;
  const k61 = kernelDir('6.1');
  const k612 = kernelDir('6.12');
  if (!need(t, k61 && k612, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-nvim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = ['fs/ext4/file.c', 'fs/ext4/inode.c'];
  const diff = kernelDiff(k61, k612, files);
  const file = join(dir, '6.1-6.12.diff');
  writeFileSync(file, diff);
  const after = readFileSync(join(k612, 'fs/ext4/file.c'), 'utf8');
  const wanted = [...hunksOf(diff, 'fs/ext4/file.c', after, 'ext4_dio_write_checks'), ...hunksOf(diff, 'fs/ext4/file.c', after, 'ext4_dio_write_iter')];
  assert.ok(wanted.length);
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
  assert.ok(out.lenses > 10, 'a code lens per hunk');
  assert.ok(out.statuses.some((s) => /^ext4: \d+ hunks changed/.test(s.text)), 'status notifications reach the client');
});
