// Patch review on real input: the real 6.1 → 6.12 diff of fs/ext4/file.c + inode.c
// against the Debian 6.1 tree, the seed threads, an edit that breaks an invariant, and
// bad input. Diffs are made at test time from the fetched trees; nothing is committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, editedTree, kernel, kernelDir, kernelDiff, need, parser, readSeed, ROOT } from './helpers.mjs';

const CLI = join(ROOT, 'dist', 'cli.js');

/** The real upstream change set 6.1 → 6.12 of the two interpreted files, as a unified diff. */
function realDiff() {
  return kernelDiff(kernelDir('6.1'), kernelDir('6.12'));
}

function toBase(k) {
  const v = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : undefined;
  return { root: k.root, version: v, texts: k.texts, files: k.files, profile: k.profile, profileWhy: k.profileWhy, constant: k.constant, headers: k.image.headers };
}

async function review(text, base, reference) {
  return api.reviewPatch(text, { parser: await parser(), base, reference, scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
}

const hunksOf = (result, fn) => result.files.flatMap((f) => f.hunks).filter((h) => h.functions.includes(fn));
const changed = (hunks, scenario, field) => hunks.flatMap((h) => h.changes).find((c) => c.scenario === scenario && c.field === field);

test('the real 6.1 → 6.12 diff: dio_write_checks/dio_write_iter hunks carry the expected lock changes', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const session = await review(realDiff(), toBase(await kernel('6.1')));
  const r = session.result;
  assert.equal(r.kernel.profile, '6.1');
  const dio = [...hunksOf(r, 'ext4_dio_write_checks'), ...hunksOf(r, 'ext4_dio_write_iter')];
  assert.ok(dio.length >= 4, `${dio.length} hunks touch the two functions`);
  // 512-byte-unaligned overwrite of written blocks: exclusive + inode_dio_wait + FORCE_WAIT → shared, neither.
  for (const s of ['dio-sync-un-written-warm', 'dio-aio-un-written-warm']) {
    assert.deepEqual(
      { before: changed(dio, s, 'lockAcrossIo')?.before, after: changed(dio, s, 'lockAcrossIo')?.after },
      { before: 'exclusive', after: 'shared' },
      s,
    );
    // Behaviour, not spelling (issue 13): a sync DIO waits for its own IO with or without
    // IOMAP_DIO_FORCE_WAIT, so only the AIO's change names the flag.
    assert.equal(changed(dio, s, 'waits')?.before, s.includes('aio') ? 'inode_dio_wait IOMAP_DIO_FORCE_WAIT' : 'inode_dio_wait', s);
    assert.equal(changed(dio, s, 'waits')?.after, 'none', s);
  }
  // Aligned write into an unwritten extent, IS_NOSEC warm: exclusive → shared. Its cause is
  // 6.12's ext4_overwrite_io(), which counts an unwritten extent as an overwrite (and says
  // so through *unwritten): removing that hunk alone undoes the change, removing a
  // dio_write_checks/iter hunk does not, so the change is on that hunk only (ablation).
  const ow = hunksOf(r, 'ext4_overwrite_io');
  const un = changed(ow, 'dio-sync-al-unwritten-warm', 'lockAcrossIo');
  assert.deepEqual([un?.before, un?.after], ['exclusive', 'shared']);
  assert.equal(changed(dio.filter((h) => !ow.includes(h)), 'dio-sync-al-unwritten-warm', 'lockAcrossIo'), undefined);
  // The change is explained by a condition in the hunk.
  assert.ok(dio.some((h) => h.changes.some((c) => c.why && /@ fs\/ext4\/file\.c:\d+/.test(c.why))));
  // Hunks that change nothing in the write path say so in one line.
  const quiet = r.files.flatMap((f) => f.hunks).filter((h) => !h.changes.length && !h.findings.length);
  assert.ok(quiet.length > 50);
  for (const h of quiet) assert.ok(!h.summary.includes('\n') && h.summary.length > 0, h.summary);
  assert.ok(quiet.some((h) => /^no write-path change in \d+ scenarios$/.test(h.summary)));
  // Every @@ of the document is reviewed, at its 1-based document line.
  const text = realDiff().split('\n');
  const headers = text.map((l, i) => (l.startsWith('@@ ') ? i + 1 : 0)).filter(Boolean);
  assert.deepEqual(r.files.flatMap((f) => f.hunks.map((h) => h.line)), headers);
  session.dispose();
});

test('CLI review: JSON follows the BRIEF review interface; SARIF 2.1.0; exit status gates on newly broken invariants', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian 6.12 tree')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-review-'));
  try {
    // A patch made at test time from the real tree: test EXT4_MAP_MAPPED before EXT4_MAP_UNWRITTEN.
    const f = 'fs/ext4/inode.c';
    const orig = readFileSync(join(kernelDir('6.12'), f), 'utf8');
    const start = orig.indexOf('static void ext4_set_iomap(');
    const end = orig.indexOf('\n}\n', start);
    const fn = orig.slice(start, end)
      .replace('if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;', '@@A@@')
      .replace('} else if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;', '} else if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;')
      .replace('@@A@@', 'if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;');
    writeFileSync(join(dir, 'a.c'), orig);
    writeFileSync(join(dir, 'b.c'), orig.slice(0, start) + fn + orig.slice(end));
    const d = spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(dir, 'a.c'), join(dir, 'b.c')], { encoding: 'utf8' });
    writeFileSync(join(dir, 'swap.patch'), d.stdout);
    const run = (fmt) => spawnSync(process.execPath, [CLI, 'review', join(dir, 'swap.patch'), '--kernel', kernelDir('6.12'), '--format', fmt], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const json = run('json');
    assert.equal(json.status, 1, `exit status 1 on a newly broken invariant: ${json.stderr}`);
    const out = JSON.parse(json.stdout);
    assert.ok(Array.isArray(out.files) && Array.isArray(out.problems));
    const h = out.files[0].hunks[0];
    for (const k of ['header', 'line', 'functions', 'changes', 'findings']) assert.ok(k in h, k);
    assert.equal(h.line, d.stdout.split('\n').findIndex((l) => l.startsWith('@@')) + 1);
    assert.ok(h.functions.includes('ext4_set_iomap'));
    const f1 = h.findings.find((x) => x.code === 'unwritten-unconverted');
    assert.ok(f1, JSON.stringify(h.findings));
    for (const k of ['code', 'severity', 'message', 'scenario']) assert.ok(k in f1, k);
    assert.equal(f1.severity, 'error');
    const c = h.changes.find((x) => x.field === 'unwrittenConverted');
    assert.deepEqual([c.before, c.after], ['true', 'false']);
    for (const k of ['scenario', 'field', 'before', 'after']) assert.ok(k in c, k);
    const sarif = JSON.parse(run('sarif').stdout);
    assert.equal(sarif.version, '2.1.0');
    const res = sarif.runs[0].results.filter((x) => x.ruleId === 'unwritten-unconverted');
    assert.ok(res.length > 0 && res[0].level === 'error');
    assert.ok(sarif.runs[0].tool.driver.rules.some((x) => x.id === 'unwritten-unconverted' && x.helpUri.endsWith('unwritten-unconverted.md')));
    // The reverse patch fixes it: status fixed, exit 0.
    const rev = spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(dir, 'b.c'), join(dir, 'a.c')], { encoding: 'utf8' });
    // The 6.12 tree with the swapped inode.c (the rest of the tree linked: headers, fs/iomap, mm).
    const treeB = editedTree(t, '6.12', f, () => readFileSync(join(dir, 'b.c'), 'utf8'));
    writeFileSync(join(dir, 'fix.patch'), rev.stdout);
    const fix = spawnSync(process.execPath, [CLI, 'review', join(dir, 'fix.patch'), '--kernel', treeB, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(fix.status, 0, fix.stderr);
    const fixed = JSON.parse(fix.stdout).files[0].hunks[0].findings;
    assert.ok(fixed.some((x) => x.code === 'unwritten-unconverted' && x.status === 'fixed'), JSON.stringify(fixed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seed 001: the quoted hunks in the replies are annotated at their own positions', async (t) => {
  const text = readSeed('001_19eda201be480ccb.txt');
  if (!need(t, text, 'seed 001') || !need(t, kernelDir('6.12'), 'Debian 6.12 tree')) return;
  const r = (await review(text, toBase(await kernel('6.12')))).result;
  const quotedHeaders = text.split('\n').map((l, i) => (/^(>\s?)+@@ -576/.test(l) ? i + 1 : 0)).filter(Boolean);
  assert.ok(quotedHeaders.length >= 8, `${quotedHeaders.length} quoted copies`);
  const byLine = new Map(r.files.flatMap((f) => f.hunks).map((h) => [h.line, h]));
  for (const line of quotedHeaders) {
    const h = byLine.get(line);
    assert.ok(h, `annotation at line ${line}`);
    assert.ok(h.functions.includes('ext4_dio_write_iter'), `${line}: ${h.functions}`);
    assert.ok(h.scenariosRun > 0, `${line}: simulated (${h.summary})`);
  }
});

test('seed 000 without a kernel tree: hunk-only mode says so and still annotates the quoted hunks', async (t) => {
  const text = readSeed('000_5e32f489a77d5aed.txt');
  if (!need(t, text, 'seed 000')) return;
  const ref = kernelDir('6.12') ? toBase(await kernel('6.12')) : undefined;
  const r = (await review(text, undefined, ref)).result;
  const hunks = r.files.flatMap((f) => f.hunks);
  assert.ok(hunks.every((h) => h.mode === 'hunk-only' || h.mode === 'outside'));
  const quoted = text.split('\n').map((l, i) => (/^>\s?@@ /.test(l) ? i + 1 : 0)).filter(Boolean);
  for (const line of quoted) assert.ok(hunks.some((h) => h.line === line), `quoted hunk at ${line}`);
  // The complete ext4_iomap_end() in the last hunk is rebuilt and simulated.
  const end = hunks.find((h) => h.functions.includes('ext4_iomap_end'));
  assert.ok(end, 'ext4_iomap_end hunk');
  if (ref) assert.ok(end.scenariosRun > 0, end.summary);
  // The new ext4_dio_write_iter() (complete on the new side of the full patch) reports lock modes per scenario.
  const dioIter = hunks.find((h) => h.functions.includes('ext4_dio_write_iter') && h.changes.length);
  assert.ok(dioIter, 'ext4_dio_write_iter hunk');
  if (!ref) return;
  assert.ok(dioIter.changes.some((c) => c.field === 'lockAcrossIo' || c.field === 'lockSequence'), dioIter.summary);
  // Jan Kara's landmine: ext4_iomap_begin() now tests EXT4_MAP_UNWRITTEN before EXT4_MAP_MAPPED. The hunk
  // holds only part of the function; its change is grafted onto the reference and turns "unwritten left
  // unconverted" into "converted at end_io" for DIO into a fallocated range — in the full patch and in every
  // quoted copy of the hunk.
  const order = hunks.filter((h) => h.header.includes('-3581,10'));
  assert.ok(order.length >= 3, `${order.length} copies`);
  for (const h of order) {
    const conv = h.changes.find((c) => c.scenario === 'dio-sync-al-unwritten-warm' && c.field === 'unwrittenConverted');
    assert.deepEqual([conv?.before, conv?.after], ['false', 'true'], `line ${h.line}: ${h.summary}`);
    const left = h.changes.find((c) => c.scenario === 'dio-sync-al-unwritten-warm' && c.field === 'unwrittenLeft');
    assert.deepEqual([left?.before, left?.after], ['true', 'false']);
    assert.ok(h.findings.some((f) => f.code === 'unwritten-unconverted' && f.status === 'fixed'));
    assert.ok(h.assumptions.some((a) => a.includes('grafted onto the reference ext4_set_iomap()')), h.assumptions.join('\n'));
  }
});

test('bad input: garbage, truncated hunks, binary, non-UTF-8 and a 50 MB patch give problems, not crashes', async (t) => {
  const p = await parser();
  const opts = { parser: p, scenarios: api.defaultMatrix().slice(0, 4), scenarioSource: 'test' };
  const garbage = api.reviewPatch('@@ -1,3 +1,4 @@\n+a\n\u0000\u0001 nonsense\n@@ @@ @@\n--- \n+++\n', opts).result;
  assert.ok(garbage.problems.length > 0);
  const truncated = api.reviewPatch('--- a/fs/ext4/file.c\n+++ b/fs/ext4/file.c\n@@ -10,6 +10,7 @@ foo\n ctx\n+int x;\n', opts).result;
  assert.ok(truncated.problems.some((x) => /incomplete|truncat/i.test(x.message)), JSON.stringify(truncated.problems));
  const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a]);
  const decoded = api.decodeDocument(bytes);
  assert.ok(decoded.problems.length > 0);
  assert.ok(api.reviewPatch(decoded.text, opts).result.problems.length > 0);
  // 50 MB: many files and hunks; the review answers with problems/annotations, never throws.
  const one = 'diff --git a/drivers/x.c b/drivers/x.c\n--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n';
  const big = one.repeat(Math.ceil((50 << 20) / one.length));
  assert.ok(big.length >= 50 << 20);
  const r = api.reviewPatch(big, opts).result;
  assert.ok(r.files.length > 100000);
  assert.ok(r.files.every((f) => f.hunks.every((h) => h.mode === 'outside')));
});

test('seed 001 with the 6.12-atomic profile: the WARN/-EIO fixes the -ENOTBLK fallback, not the short-write one', async (t) => {
  const text = readSeed('001_19eda201be480ccb.txt');
  if (!need(t, text, 'seed 001') || !need(t, kernelDir('6.12'), 'Debian 6.12 tree')) return;
  const k = await kernel('6.12');
  const base = { ...toBase(k), profile: api.PROFILES['6.12-atomic'], profileWhy: 'test: the tree the series was written against' };
  const r = (await review(text, base)).result;
  const h = r.files.flatMap((f) => f.hunks).find((x) => x.line === 18);
  assert.ok(h, 'the original hunk');
  // iomap_dio_rw() returning -ENOTBLK (invalidation failure): broken before, fixed after.
  const fixed = h.findings.find((f) => f.code === 'atomic-fallback' && f.status === 'fixed');
  assert.equal(fixed?.scenario, 'dio-atomic-invalidate-fails');
  const ret = h.changes.find((c) => c.scenario === 'dio-atomic-invalidate-fails' && c.field === 'ret');
  assert.deepEqual([ret.before, ret.after], ['4096', '-EIO']);
  // Wong's point in the thread: the "safety net" WARN is reachable — page-cache
  // invalidation failing is where this iomap still returns -ENOTBLK for an atomic write.
  // A newly reachable WARN is a finding (warning severity), and the outcome says which.
  const warn = h.findings.find((f) => f.code === 'warn-reached' && f.status === 'new');
  assert.equal(warn?.scenario, 'dio-atomic-invalidate-fails', JSON.stringify(h.findings));
  assert.equal(warn.severity, 'warning');
  assert.match(warn.message, /WARN_ON_ONCE\(iocb->ki_flags & IOCB_ATOMIC\) in ext4_dio_write_iter\(\)/);
  const warns = h.changes.find((c) => c.scenario === 'dio-atomic-invalidate-fails' && c.field === 'warns');
  assert.deepEqual([warns.before, warns.after], ['none', 'WARN_ON_ONCE(iocb->ki_flags & IOCB_ATOMIC) in ext4_dio_write_iter()']);
  // A hole of a block-mapped file: iomap returns 0 (not -ENOTBLK), the remainder goes buffered — the added check cannot help.
  const still = h.findings.find((f) => f.code === 'atomic-fallback' && f.status === 'still');
  assert.equal(still?.scenario, 'dio-atomic-ind-hole');
  // Since 6.13, iomap's own C returns -EAGAIN for that invalidation failure of an atomic
  // write (__iomap_dio_rw(): `if (iocb->ki_flags & IOCB_ATOMIC) ret = -EAGAIN;`): on the 7.2
  // tree's C the fallback is unreachable, so the patch fixes nothing there…
  if (!kernelDir('7.2')) return;
  const r72 = (await review(text, toBase(await kernel('7.2')))).result;
  const h72 = r72.files.flatMap((f) => f.hunks).find((x) => x.line === 18);
  assert.match(r72.kernel.version, /^7\.2\./);
  assert.ok(!h72.findings.some((f) => f.status === 'fixed'), JSON.stringify(h72.findings));
  // …and Chinner's "impossible to hit" holds there: no scenario reaches the WARN.
  assert.ok(!h72.findings.some((f) => f.code === 'warn-reached'), JSON.stringify(h72.findings));
  assert.equal(h72.unknown, undefined, 'every scenario computed on 7.2');
});

test('profiles are inferred from the patch without a tree: identifiers and dates, and the result says why', async (t) => {
  const s1 = readSeed('001_19eda201be480ccb.txt');
  const s0 = readSeed('000_5e32f489a77d5aed.txt');
  const s3 = readSeed('003_6a9539d13d09c486.txt');
  if (!need(t, s1 && s0 && s3, 'seeds 000, 001, 003')) return;
  const infer = (text) => api.inferProfile(api.parsePatchDocument(text), text);
  assert.equal(infer(s1).profile.id, '6.12-atomic'); // IOCB_ATOMIC, dated Oct 2024 in the quoted attribution
  assert.match(infer(s1).why, /atomic-write identifiers and is dated 2024-10-25/);
  assert.equal(infer(s0).profile.id, '5.3'); // the removed lines use the 4.7–5.4 DIO path, dated Aug 2019
  assert.match(infer(s0).why, /dated 2019-08-12 and its lines use the legacy DIO path/);
  assert.equal(infer(s3).profile.id, '2.6.31'); // ext4_get_blocks, struct iovec, dated 2009
  assert.match(infer(s3).why, /legacy blockdev_direct_IO path and is dated 2009-08-25/);
  if (!need(t, kernelDir('6.12') && kernelDir('6.1'), 'Debian trees')) return;
  // Seed 001 with no tree at all: the inferred 6.12-atomic profile over the 6.12 reference tree,
  // the partial hunk grafted onto ext4_dio_write_iter(): the -ENOTBLK fallback is fixed, the hole one is not.
  const trees = { '6.1': toBase(await kernel('6.1')), '6.12': toBase(await kernel('6.12')) };
  const session = api.reviewPatch(s1, { parser: await parser(), referenceFor: (p) => trees[p.constants === '6.1' ? '6.1' : '6.12'], scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  assert.match(session.result.kernel.profileWhy, /profile 6\.12-atomic/);
  const h = session.result.files.flatMap((f) => f.hunks).find((x) => x.line === 18);
  assert.equal(h.mode, 'hunk-only');
  assert.ok(h.findings.some((f) => f.code === 'atomic-fallback' && f.status === 'fixed' && f.scenario === 'dio-atomic-invalidate-fails'), JSON.stringify(h.findings));
  assert.ok(h.findings.some((f) => f.code === 'atomic-fallback' && f.status === 'still' && f.scenario === 'dio-atomic-ind-hole'));
});

test('header hunks are applied: the 6.1 → 6.12 diff builds on 6.1 with its ext4.h, and without it says what it lacks', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const base = toBase(await kernel('6.1'));
  const withHeaders = (await review(kernelDiff(kernelDir('6.1'), kernelDir('6.12')), base)).result;
  assert.equal(withHeaders.unknownScenarios, 0, 'every scenario computed once ext4.h comes with the C');
  assert.deepEqual(withHeaders.problems.filter((p) => p.kind === 'hunk-failed'), []);
  const h = withHeaders.files.find((f) => f.path === 'fs/ext4/ext4.h').hunks[0];
  assert.match(h.summary, /^header applied: /);
  // 6.12's ext4_map_blocks() runs as C and needs 6.12's EXT4_MAP_DELAYED: without the header
  // the C does not build against 6.1 — "cannot tell", naming the identifier, never a 0.
  const cOnly = (await review(kernelDiff(kernelDir('6.1'), kernelDir('6.12'), ['fs/ext4/file.c', 'fs/ext4/inode.c']), base)).result;
  assert.ok(cOnly.unknownScenarios > 0);
  const reasons = cOnly.files.flatMap((f) => f.hunks).flatMap((x) => x.unknown ?? []).map((u) => u.reason);
  assert.ok(reasons.some((r) => /EXT4_MAP_DELAYED unknown/.test(r)), reasons.slice(0, 3).join('; '));
});
