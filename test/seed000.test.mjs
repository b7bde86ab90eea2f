// Seed 000 (2019, "ext4: introduce direct IO write code path using iomap infrastructure",
// v2 4/5): reviewed without a tree under the 5.3 profile, the before side is the legacy
// fs/direct-io.c path (5.3 models plus the removed C of ext4_file_write_iter(), rebuilt
// across its two hunks), the after side the patch's iomap path over the Debian 6.1
// reference. Every expectation is read from the model's outcomes for the seed as it is,
// or with one token of its C edited to show a check bites.
import test from 'node:test';
import assert from 'node:assert/strict';
import { api, findingCodes, hunkOf, kernel, kernelDir, need, parser, readSeed, reportedOnceCovering, sidesOf, toBase } from './helpers.mjs';

const SEED = '000_5e32f489a77d5aed.txt';

async function setup(t) {
  const text = readSeed(SEED);
  if (!need(t, text, 'seed 000') || !need(t, kernelDir('6.1'), 'Debian 6.1 tree')) return undefined;
  return text;
}

/** What `review <seed>` does without a tree: the profile inferred, its reference tree fetched. */
async function review(text) {
  const ref = toBase(await kernel('6.1'));
  return api.reviewPatch(text, { parser: await parser(), referenceFor: () => ref, scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
}

/** The full patch's hunk that rebuilds ext4_file_write_iter() (old and new) and runs with the new helpers. */
const writeIterHunk = (s) => hunkOf(s, '@@ -339,61 +488,9 @@');

test('seed 000: profile 5.3 inferred; ext4_file_write_iter() is rebuilt across its two hunks on both sides', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  assert.equal(s.result.kernel.profile, '5.3');
  assert.match(s.result.kernel.profileWhy, /legacy DIO path of 4\.7–5\.4/);
  const h = writeIterHunk(s);
  assert.ok(h.assumptions.some((a) => /ext4_file_write_iter\(\) spans hunks @@ -327,10 \+480,6 @@ and @@ -339,61 \+488,9 @@: its old side/.test(a)), h.assumptions.join('\n'));
  // The before side runs the removed C, the after side the new one.
  const r = s.trace(h.key, 'dio-sync-al-hole-warm', 'before');
  assert.ok(r.steps.some((st) => st.fn === 'ext4_file_write_iter' && /ext4_unaligned_aio/.test(st.text)), 'old C ran');
  const a = s.trace(h.key, 'dio-sync-al-hole-warm', 'after');
  assert.ok(a.steps.some((st) => st.fn === 'ext4_dio_write_iter'), 'new C ran');
});

test('seed 000: lock modes — exclusive, and a dioread_nolock overwrite drops i_rwsem (5.3) or downgrades it to shared (patch)', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = writeIterHunk(s);
  const ov = sidesOf(s, h, 'dio-aio-al-written-warm');
  assert.equal(ov.before.lockAcrossIo, 'none'); // ext4_direct_IO_write(): inode_unlock() around the overwrite
  assert.deepEqual(ov.before.lockSequence, ['exclusive', 'unlock-exclusive', 'exclusive', 'unlock-exclusive']);
  assert.equal(ov.after.lockAcrossIo, 'shared');
  assert.deepEqual(ov.after.lockSequence, ['exclusive', 'downgrade', 'unlock-shared']);
  assert.ok(h.changes.some((c) => c.scenario === 'dio-aio-al-written-warm' && c.field === 'lockAcrossIo' && c.before === 'none' && c.after === 'shared'));
  const hole = sidesOf(s, h, 'dio-sync-al-hole-warm');
  assert.equal(hole.before.lockAcrossIo, 'exclusive');
  assert.equal(hole.after.lockAcrossIo, 'exclusive');
});

test('seed 000: unaligned AIO is serialised on both sides, and the extending AIO waits (Harjani\'s question)', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = writeIterHunk(s);
  const un = sidesOf(s, h, 'dio-aio-un-written-warm');
  assert.ok(un.before.waits.includes('ext4_unwritten_wait'), un.before.waits.join());
  assert.ok(un.after.waits.includes('inode_dio_wait'), un.after.waits.join());
  for (const o of [un.before, un.after]) assert.ok(!findingCodes(o).includes('unaligned-shared'));
  // Extending AIO: fs/direct-io.c made it synchronous (5.3); the patch's iomap AIO returns
  // -EIOCBQUEUED and waits for it under i_rwsem with inode_dio_wait().
  const ext = sidesOf(s, h, 'dio-aio-al-beyond-warm');
  assert.equal(ext.before.ret, 4096);
  assert.ok(ext.before.waits.includes('dio_await_completion'));
  assert.equal(ext.after.ret, '-EIOCBQUEUED');
  assert.ok(ext.after.waits.includes('wait-after-EIOCBQUEUED'));
  for (const o of [ext.before, ext.after]) {
    assert.ok(!findingCodes(o).includes('extend-unwaited'), findingCodes(o).join());
    assert.ok(!findingCodes(o).includes('orphan-missing'), findingCodes(o).join());
  }
  // Without `|| extend` the size update runs after the syscall returned, without i_rwsem.
  const edited = text.replaceAll('(ret == -EIOCBQUEUED && (unaligned_aio || extend))', '(ret == -EIOCBQUEUED && unaligned_aio)');
  assert.notEqual(edited, text);
  const e = await review(edited);
  const eh = writeIterHunk(e);
  assert.ok(findingCodes(sidesOf(e, eh, 'dio-aio-al-beyond-warm').after).includes('extend-unwaited'));
  // Reported once (the patch's hunks act together), at or naming the hunk whose
  // ext4_dio_write_iter() lost `|| extend`.
  reportedOnceCovering(e, hunkOf(e, '@@ -284,6 +321,128 @@'), { code: 'extend-unwaited', status: 'new', scenario: 'dio-aio-al-beyond-warm' });
});

test('seed 000: buffered IOCB_NOWAIT — -EOPNOTSUPP before any lock in 5.3; the patch takes the lock first (Chinner)', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = writeIterHunk(s);
  const nw = sidesOf(s, h, 'buf-nowait');
  assert.equal(nw.before.ret, '-EOPNOTSUPP');
  assert.deepEqual(nw.before.lockSequence, []);
  assert.notEqual(nw.after.ret, '-EOPNOTSUPP');
  assert.ok(nw.after.lockSequence.includes('exclusive'), nw.after.lockSequence.join());
});

test('seed 000: the indirect-hole -ENOTBLK fallback and the UNWRITTEN-before-MAPPED landmine, at their hunks', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  // Each inode.c hunk is compared with the rest of the patch applied on both sides.
  const flags = hunkOf(s, '@@ -3533,8 +3533,38 @@');
  // The hunk holds part of ext4_iomap_begin(); its changed statement is grafted onto the
  // reference (6.1) function, which has no `handle`. The after side reads an undeclared
  // identifier, so it cannot tell (issue 13): no finding is drawn, and the reason is named.
  // (Before the rule, `handle` was assumed 0 and the hunk "fixed" stale-data here.)
  const unknown = (flags.unknown ?? []).find((u) => u.scenario === 'ind-dio-sync-hole');
  assert.ok(unknown, 'ind-dio-sync-hole cannot tell at the ext4_iomap_begin() hunk');
  assert.match(unknown.reason, /identifier handle unknown/);
  assert.ok(!flags.findings.some((f) => f.scenario === 'ind-dio-sync-hole'), 'no finding from an unknown run');
  // Both sides' runs carry the unknown (the graft is on both), and neither yields a finding.
  const ind = s.results(flags.key, 'ind-dio-sync-hole');
  for (const side of ['before', 'after']) {
    assert.ok(ind[side].outcome.unknowns?.some((u) => /identifier handle unknown/.test(u)) || ind[side].outcome.inconclusive === undefined, side);
    if (ind[side].outcome.unknowns?.length) assert.deepEqual(ind[side].outcome.findings, [], side);
  }
  // The whole conversion keeps the fallback: 5.3 fell back through DIO_SKIP_HOLES as well.
  const whole = sidesOf(s, writeIterHunk(s), 'ind-dio-sync-hole');
  assert.equal(whole.before.fallback, 'whole');
  assert.equal(whole.after.fallback, 'whole');
  for (const order of s.result.files.flatMap((f) => f.hunks).filter((x) => x.header.includes('-3581,10'))) {
    const o = sidesOf(s, order, 'dio-sync-al-unwritten-warm');
    assert.equal(o.before.unwrittenLeft, true, `line ${order.line}`);
    assert.equal(o.after.unwrittenLeft, false);
    assert.ok(order.findings.some((f) => f.code === 'unwritten-unconverted' && f.status === 'fixed'), `line ${order.line}: ${order.summary}`);
  }
});
