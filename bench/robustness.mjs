// Robustness numbers for `npm run bench` (issue 16): review time against hunk count (the
// ratio shows whether review is linear in hunks) and the peak RSS of simulate on a
// runaway C edit. Inputs are generated here; every run is a child process of the real CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** A patch of `n` hunk-only hunks on fs/ext4/file.c (context that is in no tree). */
function manyHunks(n) {
  const lines = ['diff --git a/fs/ext4/file.c b/fs/ext4/file.c', '--- a/fs/ext4/file.c', '+++ b/fs/ext4/file.c'];
  for (let i = 0; i < n; i++) lines.push(`@@ -${i * 10 + 1},3 +${i * 10 + 1},3 @@ static int x${i}(void)`, ` int a${i};`, `-return ${i};`, `+return ${i + 1};`, ' }');
  return `${lines.join('\n')}\n`;
}

/** Wall time (ms) and peak RSS (MiB, from GNU time when installed) of one CLI run. */
function measure(root, args) {
  const gnuTime = existsSync('/usr/bin/time');
  const argv = gnuTime ? ['/usr/bin/time', '-f', 'EXT4WP_RSS_KB=%M', process.execPath, join(root, 'dist', 'cli.js'), ...args] : [process.execPath, join(root, 'dist', 'cli.js'), ...args];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000 });
  const ms = performance.now() - t0;
  const kb = /EXT4WP_RSS_KB=(\d+)/.exec(r.stderr ?? '')?.[1];
  return { ms, rssMiB: kb ? Number(kb) / 1024 : undefined, status: r.status };
}

/**
 * Review of 1k / 4k / 16k hunks (hunk-only mode, no tree given), and simulate of the
 * default matrix on the 6.12 tree with an unclosed `{{{` in ext4_iomap_begin().
 * @returns rows for the bench table and a JSON object.
 */
export function robustness(root, tree612) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-bench-'));
  try {
    const hunks = {};
    for (const n of [1000, 4000, 16000]) {
      const file = join(dir, `h${n}.patch`);
      writeFileSync(file, manyHunks(n));
      hunks[n] = measure(root, ['review', file, '--format', 'json']);
    }
    // The runaway edit: a tree of symlinks with one edited inode.c.
    const mt = join(dir, 'tree');
    const link = (rel) => {
      for (const e of readdirSync(join(tree612, rel), { withFileTypes: true })) {
        const r = join(rel, e.name);
        if (r === join('fs', 'ext4', 'inode.c')) continue;
        if (e.isDirectory() && (r === 'fs' || r === join('fs', 'ext4'))) {
          mkdirSync(join(mt, r), { recursive: true });
          link(r);
        } else symlinkSync(join(tree612, r), join(mt, r));
      }
    };
    mkdirSync(mt);
    link('');
    const text = readFileSync(join(tree612, 'fs', 'ext4', 'inode.c'), 'utf8');
    const at = text.indexOf('{', text.indexOf('static int ext4_iomap_begin('));
    writeFileSync(join(mt, 'fs', 'ext4', 'inode.c'), `${text.slice(0, at + 1)}\n{{{\n${text.slice(at + 1)}`);
    const runaway = measure(root, ['simulate', '--kernel', mt, '--format', 'json']);
    const rss = (m) => (m.rssMiB === undefined ? 'RSS n/a (no /usr/bin/time)' : `peak RSS ${m.rssMiB.toFixed(0)} MiB`);
    const rows = [
      ...[1000, 4000, 16000].map((n) => [`review of ${n / 1000}k hunk-only hunks (CLI, JSON)`, `${hunks[n].ms.toFixed(0)} ms`, `${(hunks[n].ms / hunks[1000].ms).toFixed(2)}× the 1k run; ${rss(hunks[n])}`]),
      ['simulate, default matrix, `{{{` in ext4_iomap_begin() (CLI, JSON)', `${runaway.ms.toFixed(0)} ms`, rss(runaway)],
    ];
    return { rows, json: { reviewHunks: hunks, runawayEdit: runaway } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
