// Regression tests for the robustness defects of issue 16 (engine, CLI, workload side; the
// LSP framing and cancellation defects are in lsp.robust.test.mjs). Each reproducer is
// written here, from the defect's description; each failed on the code before the fix.
// Time bounds below are hang guards (a run that never ends), never performance targets:
// those live in `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, kernel, kernelDiff, kernelDir, need, parser, ROOT, run, toBase } from './helpers.mjs';

const CLI = join(ROOT, 'dist', 'cli.js');
const fixture = (name) => join(ROOT, 'test', 'fixtures', 'robustness', name);

function cli(args, opts = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60_000, maxBuffer: 1 << 28, ...opts });
}

function tmp(t) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-robust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One-line error, no stack trace (`    at …` frames) on stderr. */
function assertCleanError(r, what) {
  assert.equal(r.status, 2, `${what}: exit 2 (got ${r.status}, signal ${r.signal}); stderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
}

// ---------------------------------------------------------------- 1. command injection

test('workload --format sh: a line break in a scenario description or file name never becomes a command', (t) => {
  const dir = tmp(t);
  // The injected command creates `injected` in the directory the script runs in.
  const marker = join(dir, 'injected');
  const file = join(dir, 's\ntouch injected;.json');
  writeFileSync(file, readFileSync(fixture('workload-injection.json')));
  const r = cli(['workload', '--scenarios', file, '--format', 'sh']);
  assert.equal(r.status, 0, r.stderr);
  // The id with a line break is refused, and said so.
  assert.match(r.stderr, /scenario id .* skipped: an id is 1–200 characters without control characters/);
  // Run the script with every tool replaced by `true`: only an injected line could create the marker.
  const env = { ...process.env, DEV: '/dev/null', MNT: join(dir, 'mnt') };
  for (const v of ['MKFS_EXT4', 'MOUNT', 'UMOUNT', 'XFS_IO', 'FIO', 'CHATTR', 'LSATTR', 'FILEFRAG', 'STAT']) env[v] = 'true';
  const script = join(dir, 'w.sh');
  writeFileSync(script, r.stdout);
  const sh = spawnSync('sh', [script], { encoding: 'utf8', env, cwd: dir, timeout: 30_000 });
  assert.equal(sh.status, 0, sh.stderr);
  assert.equal(existsSync(marker), false, 'an injected command ran');
  // The description is still there for the reader, escaped.
  assert.match(r.stdout, /# --- 1: plain — innocent\\u000atouch /);
});

// ---------------------------------------------------------------- 2. unbounded model loops

test('scenario sizes: beyond what the kernel accepts is refused with a message; near 2^53 finishes with -EFBIG', async (t) => {
  const k = await kernel('6.12');
  if (!need(t, k, 'Debian linux-source-6.12 tree')) return;
  const problems = [];
  const s = api.normalizeScenario({ id: 'huge', request: { pos: 2 ** 53 - 2, len: 2 ** 53 - 2 }, inode: { size: 2 ** 53 - 2 } }, 0, problems);
  assert.equal(s.request.len, api.MAX_RW_COUNT, 'rw_verify_area() caps one write at MAX_RW_COUNT');
  assert.ok(problems.some((p) => /request\.len .* MAX_RW_COUNT/.test(p.message)), JSON.stringify(problems));
  assert.ok(problems.some((p) => /inode\.size .* beyond s_maxbytes \(ext4_max_size\(\)\)/.test(p.message)), JSON.stringify(problems));
  // s_maxbytes of a 4 KiB-block extent file: ((1 << 32) - 1) << 12.
  assert.equal(api.ext4MaxSize(4096), ((1n << 32n) - 1n) << 12n);
  const out = run(k, [
    { id: 'far', request: { pos: 2 ** 53 - 2, len: 2 ** 53 - 2 } },
    // Crossing s_maxbytes: shortened to what is left below it.
    { id: 'edge', request: { direct: false, pos: Number(api.ext4MaxSize(4096)) - 320, len: 8192 }, mount: { delalloc: false } },
    // A whole MAX_RW_COUNT buffered write: per-page model work is charged and bounded.
    { id: 'max-buffered', request: { direct: false, pos: 0, len: 2 ** 31 }, mount: { delalloc: false } },
  ]);
  assert.equal(out.far.outcome.ret, '-EFBIG');
  assert.equal(out.edge.outcome.ret, 320);
  assert.match(out['max-buffered'].outcome.inconclusive ?? '', /model step budget of \d+ exhausted \(generic_perform_write\)/);
});

test('simulate on a scenario file with positions near 2^53 returns (it used to loop per block for ever)', (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian linux-source-6.12 tree')) return;
  const r = cli(['simulate', '--kernel', tree, '--scenarios', fixture('huge-sizes.json'), '--format', 'json'], { timeout: 60_000 });
  assert.equal(r.signal, null, 'simulate did not finish');
  assert.equal(r.status, 0, r.stderr);
  const ids = JSON.parse(r.stdout).results.map((x) => x.id);
  assert.deepEqual(ids, ['a', 'b', 'c']);
});

// ---------------------------------------------------------------- 3. quadratic review

test('review of 16,000 hunk-only hunks finishes and says which hunks it did not simulate', (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const dir = tmp(t);
  const lines = ['diff --git a/fs/ext4/file.c b/fs/ext4/file.c', '--- a/fs/ext4/file.c', '+++ b/fs/ext4/file.c'];
  for (let i = 0; i < 16_000; i++) lines.push(`@@ -${i * 10 + 1},3 +${i * 10 + 1},3 @@ static int x${i}(void)`, ` int a${i};`, `-return ${i};`, `+return ${i + 1};`, ' }');
  const file = join(dir, 'many.patch');
  writeFileSync(file, `${lines.join('\n')}\n`);
  // Quadratic, this took minutes; the bound only catches a hang.
  const r = cli(['review', file, '--format', 'json'], { timeout: 120_000 });
  assert.equal(r.signal, null, 'review did not finish');
  const out = JSON.parse(r.stdout);
  assert.equal(out.files[0].hunks.length, 16_000);
  assert.equal(out.partial, true);
  assert.ok(out.problems.some((p) => /hunk\(s\) not simulated: more than \d+ hunks need hunk-only mode/.test(p.message)), JSON.stringify(out.problems));
});

test('featureGroups: groups by definers and users through an index (same groups as pairwise)', () => {
  const item = (defines, uses, placeableIn) => ({ defines: new Set(defines), uses: new Set(uses), placeableIn });
  const items = [item(['helper'], []), item([], ['helper']), item([], ['other']), item([], [], 'helper'), item(['a'], ['b']), item(['b'], [])];
  assert.deepEqual(api.featureGroups(items), [[0, 1, 3], [4, 5]]);
  // 20,000 independent hunks: pairwise this is 4·10^8 comparisons; indexed, one pass.
  const many = Array.from({ length: 20_000 }, (_, i) => item([`f${i}`], [`f${i + 1}`]));
  const groups = api.featureGroups(many);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].length, 20_000);
});

// ---------------------------------------------------------------- 4. unbounded trace diff

test('trace diff: bounded edits, exact on small differences, coarse (and said) on huge ones', () => {
  const step = (i, tag) => ({ kind: 'call', fn: `${tag}${i}`, file: 'fs/ext4/file.c', line: i, text: '', depth: 0 });
  const common = Array.from({ length: 50 }, (_, i) => step(i, 'c'));
  const small = api.divergentSteps([...common, step(1, 'x'), ...common], [...common, step(1, 'y'), ...common]);
  assert.equal(small.coarse, false);
  assert.deepEqual([small.before.map((s) => s.fn), small.after.map((s) => s.fn)], [['x1'], ['y1']]);
  const a = Array.from({ length: 2_000 }, (_, i) => step(i, 'a'));
  const b = Array.from({ length: 2_000 }, (_, i) => step(i, 'b'));
  const big = api.divergentSteps([...common, ...a], [...common, ...b]);
  assert.equal(big.coarse, true);
  assert.equal(big.before.length, 2_000);
  assert.equal(big.after.length, 2_000);
});

// ---------------------------------------------------------------- 7. memory: traces are capped

/** The 6.12 tree with `inode.c` edited by `edit`, as a tree directory of symlinks plus the edited file. */
function editedTree(t, edit) {
  const src = kernelDir('6.12');
  const dir = tmp(t);
  const link = (rel) => {
    for (const e of readdirSync(join(src, rel), { withFileTypes: true })) {
      const r = join(rel, e.name);
      if (r === join('fs', 'ext4', 'inode.c')) continue;
      if (e.isDirectory() && (r === 'fs' || r === join('fs', 'ext4'))) {
        mkdirSync(join(dir, r), { recursive: true });
        link(r);
      } else symlinkSync(join(src, r), join(dir, r));
    }
  };
  link('');
  writeFileSync(join(dir, 'fs', 'ext4', 'inode.c'), edit(readFileSync(join(src, 'fs', 'ext4', 'inode.c'), 'utf8')));
  return dir;
}

test('an unclosed `{{{` in inode.c: runaway scenarios end inconclusive with a capped, marked trace', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const tree = editedTree(t, (text) => {
    const at = text.indexOf('{', text.indexOf('static int ext4_iomap_begin('));
    return `${text.slice(0, at + 1)}\n{{{\n${text.slice(at + 1)}`;
  });
  const k = api.loadKernelTree(tree, await parser());
  const results = api.simulateAll(api.defaultMatrix(), { image: k.image, profile: k.profile, constant: k.constant });
  const runaway = results.filter((r) => /step budget/.test(r.outcome.inconclusive ?? ''));
  assert.ok(runaway.length > 0, 'the edit makes some scenarios run away');
  for (const r of results) assert.ok(r.trace.length <= api.TRACE_LIMIT, `${r.id}: ${r.trace.length} trace steps kept`);
  assert.ok(runaway.some((r) => r.trace.at(-1).text.startsWith('trace cut:')), 'a cut trace says so');
});

test('a finished review holds outcomes, not traces; a trace view still gets the whole trace (simulated again); the base side is reused', async (t) => {
  const k61 = await kernel('6.1');
  if (!need(t, k61 && kernelDir('6.12'), 'Debian linux-source-6.1 and -6.12 trees')) return;
  const opts = { parser: await parser(), base: toBase(k61), scenarios: api.defaultMatrix(), scenarioSource: 'test' };
  const session = api.reviewPatch(kernelDiff(kernelDir('6.1'), kernelDir('6.12')), opts);
  try {
    const h = session.result.files.flatMap((f) => f.hunks).find((x) => x.scenariosChanged > 0);
    assert.ok(h, 'some hunk changes a scenario');
    const id = session.scenariosFor(h.key)[0];
    const kept = session.results(h.key, id);
    // The patched side drops its traces; the unpatched tree's side is kept for the next
    // review of the same base (BaseTree.memo), whose attribution needs them.
    assert.equal(kept.after.trace.length, 0, 'stored post-image results carry no trace');
    assert.ok(kept.before.trace.length > 0, 'the shared base side keeps its traces');
    const before = session.trace(h.key, id, 'before');
    const after = session.trace(h.key, id, 'after');
    assert.ok(before.steps.length > 10 && after.steps.length > 10);
    // The re-run is the same run: its outcome is the stored one.
    assert.deepEqual(api.simulate(api.defaultMatrix().find((s) => s.id === id), { image: k61.image, profile: k61.profile, constant: k61.constant }).outcome, kept.before.outcome);
    // A second review of the same base and scenario list reuses the unpatched side's results.
    const again = api.reviewPatch(kernelDiff(kernelDir('6.1'), kernelDir('6.12')), opts);
    try {
      assert.equal(again.results(h.key, id).before, kept.before, 'the same stored result object');
      assert.deepEqual(again.result.files.map((f) => f.hunks.map((x) => x.summary)), session.result.files.map((f) => f.hunks.map((x) => x.summary)));
    } finally {
      again.dispose();
    }
  } finally {
    session.dispose();
  }
});

// ---------------------------------------------------------------- 8. crashes and stack traces

test('CLI errors are one line with exit 2: missing or directory scenario files, for simulate and workload', (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian linux-source-6.12 tree')) return;
  const dir = tmp(t);
  assertCleanError(cli(['simulate', '--kernel', tree, '--scenarios', join(dir, 'missing.json')]), 'simulate, missing file');
  assertCleanError(cli(['simulate', '--kernel', tree, '--scenarios', dir]), 'simulate, directory');
  const w = cli(['workload', '--scenarios', dir]);
  assert.equal(w.status, 2);
  assert.doesNotMatch(w.stderr, /^\s+at /m);
});

test('simulate --format with an unknown value is a usage error, not silent text (found by the fuzzer)', (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian linux-source-6.12 tree')) return;
  const r = cli(['simulate', '--kernel', tree, '--format', 'yaml', '--only', 'none']);
  assertCleanError(r, 'simulate --format yaml');
  assert.match(r.stderr, /--format must be text or json/);
  assert.equal(r.stdout, '');
});

test('a scenario file past MAX_SCENARIO_FILE_BYTES is refused before it is read (the fuzzer\'s 525 MB file took simulate past 2 GB)', (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian linux-source-6.12 tree')) return;
  const file = join(tmp(t), 'huge.json');
  // Sparse: 17 MiB of size, no blocks written. Reading it would still cost the heap.
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 17 << 20);
  closeSync(fd);
  for (const argv of [['simulate', '--kernel', tree, '--scenarios', file], ['workload', '--scenarios', file, '--format', 'sh']]) {
    const r = cli(argv);
    assertCleanError(r, argv[0]);
    assert.match(r.stderr, /17\.0 MiB, over the 16\.0 MiB limit/);
  }
});

test('workload on a 5,000-level nested description: reported and ignored, no RangeError', (t) => {
  const file = fixture('nested-description.json');
  for (const format of ['sh', 'json']) {
    const r = cli(['workload', '--scenarios', file, '--format', format]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /description: expected a string, got an object; ignored/);
    assert.doesNotMatch(r.stderr, /RangeError|^\s+at /m);
  }
});

test('5,000 nested braces in a write-path function: the interpreter bound fires, not the JS stack', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const tree = editedTree(t, (text) => {
    const at = text.indexOf('{', text.indexOf('static int ext4_iomap_begin('));
    return `${text.slice(0, at + 1)}\n${'{'.repeat(5000)} (void)0; ${'}'.repeat(5000)}\n${text.slice(at + 1)}`;
  });
  const k = api.loadKernelTree(tree, await parser());
  const results = api.simulateAll(api.defaultMatrix(), { image: k.image, profile: k.profile, constant: k.constant });
  const deep = results.filter((r) => r.outcome.inconclusive);
  assert.ok(deep.length > 0);
  for (const r of deep) {
    assert.doesNotMatch(r.outcome.inconclusive, /internal error|call stack/i, r.id);
    assert.match(r.outcome.inconclusive, /nested more than \d+ (syntax levels|statements\/expressions) deep/, r.id);
  }
});

test('deeply nested expressions across recursive calls hit Limits.nesting before the JS stack', async () => {
  const p = await parser();
  const d = 50;
  const code = `int f(int n) { if (n <= 0) return 0; return ${'('.repeat(d)}f(n - 1)${')'.repeat(d)} + 1; }`;
  const file = new api.SourceFile('t.c', code, p);
  try {
    const image = new api.KernelImage([file]);
    const w = new api.World(api.normalizeScenario({ id: 't' }), api.PROFILES['6.12'], (n) => api.BUILTIN_CONSTANTS['6.12'][n] ?? 0n);
    const host = api.makeHostForTest(w, (n) => api.BUILTIN_CONSTANTS['6.12'][n]);
    const it = new api.Interpreter(image, host, new api.Trace(), { ...api.DEFAULT_LIMITS, callDepth: 100_000, steps: 1e9 });
    host.bind(it);
    assert.throws(() => it.call('f', [{ k: 'int', v: 100_000n, t: { bits: 64, signed: true, name: 'long' } }]), (e) => e instanceof api.Inconclusive && /nested more than 1000 statements\/expressions deep/.test(e.message));
  } finally {
    file.dispose();
  }
});

test('applying a series honours the time budget: hunks left when it runs out are "not analysed", the review partial (found by the fuzzer: 5,000 non-fitting hunks took 58 s under --time-budget 2000)', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian linux-source-6.12 tree')) return;
  // A hunk whose context is in no tree, repeated: each costs a fuzzy search of inode.c.
  const hunk = ['@@ -3419,4 +3419,5 @@ ext4_iomap_begin', ' 	no such context line one', ' 	no such context line two', '-	gone', '+	added', '+	added too', ' 	no such context line three', ''].join('\n');
  const text = `--- a/fs/ext4/inode.c\n+++ b/fs/ext4/inode.c\n${hunk.repeat(400)}`;
  let calls = 0;
  // The budget "runs out" after 50 checks: deterministic, no clock in the test.
  const session = api.reviewPatch(text, { parser: await parser(), base: toBase(await kernel('6.12')), scenarios: api.defaultMatrix().slice(0, 4), scenarioSource: 'test', hasTime: () => ++calls <= 50 });
  try {
    const r = session.result;
    const hunks = r.files.flatMap((f) => f.hunks);
    assert.equal(hunks.length, 400);
    assert.equal(r.partial, true);
    assert.ok(r.problems.some((p) => /time budget exhausted while applying the series: \d+ hunk\(s\) not applied or analysed/.test(p.message)), r.problems.map((p) => p.message).slice(-3).join('\n'));
    const cut = hunks.filter((h) => h.summary === 'not analysed: time budget exhausted');
    assert.ok(cut.length > 300, `${cut.length} hunks cut`);
    assert.ok(calls < 500, `hasTime was still consulted ${calls} times after saying no`);
  } finally {
    session.dispose();
  }
});

test('CLI output into a closed pipe (`review … | head -1`): no EPIPE stack trace', (t) => {
  const seed = join(process.env.EXT4WP_SEEDS ?? join(ROOT, '..', 'shared', 'seeds'), '000_5e32f489a77d5aed.txt');
  if (!need(t, existsSync(seed), 'seed 000')) return;
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(ROOT, 'dist', 'cli.js')}" review "${seed}" | head -1 >/dev/null`], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.doesNotMatch(r.stderr, /EPIPE|^\s+at /m);
});

test('a file diff with no hunks changes nothing (it used to rewrite the file: 5,000 of them held 1 GB of inode.c copies, found by the fuzzer)', async () => {
  const base = new Map([['fs/ext4/inode.c', 'int a;\nint b;\n']]);
  const headerOnly = 'diff --git a/fs/ext4/inode.c b/fs/ext4/inode.c\nindex 0123456..89abcde 100644\n--- a/fs/ext4/inode.c\n+++ b/fs/ext4/inode.c\n';
  const doc = api.parsePatchDocument(headerOnly.repeat(3));
  const res = api.applySeries(base, doc.patches);
  assert.equal(res.files.size, 0, 'no file rewritten');
  assert.equal(res.failed.length, 0);
  // A rename without hunks still moves the file.
  const rename = api.parsePatchDocument('diff --git a/fs/ext4/inode.c b/fs/ext4/inode2.c\nsimilarity index 100%\nrename from fs/ext4/inode.c\nrename to fs/ext4/inode2.c\n');
  const moved = api.applySeries(base, rename.patches);
  assert.equal(moved.files.get('fs/ext4/inode2.c'), base.get('fs/ext4/inode.c'));
});

test('finding a tree honours the time budget: a series cut short while applying is no match (the --short fuzz sentinel "2.5 MB of repeated real hunks" took over 20 s)', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const diff = api.parsePatchDocument(kernelDiff(kernelDir('6.1'), kernelDir('6.12')));
  const k61 = await kernel('6.1');
  let calls = 0;
  // Out of time after 3 checks: the series that applies to 6.1 in full is not matched.
  assert.equal(api.findTree(diff, [{ name: '6.1', texts: k61.texts }], undefined, () => ++calls <= 3), undefined);
  assert.ok(api.findTree(diff, [{ name: '6.1', texts: k61.texts }])?.direction === 'forward');
});
