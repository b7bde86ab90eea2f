// Seeds 003 (2009, DIO into holes and fallocated ranges via unwritten extents + end_io)
// and 004 (2016, io_end allocated only for unwritten AIO): reviewed without a tree under
// the legacy blockdev_direct_IO profiles. Every expectation is read from the model's
// output for the seed as it is (or with one line of its C edited, to show a check bites).
import test from 'node:test';
import assert from 'node:assert/strict';
import { api, findingCodes, hunkOf, need, parser, readSeed, sidesOf } from './helpers.mjs';

const SEED_003 = '003_6a9539d13d09c486.txt';
const SEED_004 = '004_9617f83f260eb176.txt';

async function review(text, scenarios) {
  const all = [...api.coreGrid(), ...api.extraScenarios(), ...(scenarios ?? [])].map((s, i) => api.normalizeScenario(s, i));
  return api.reviewPatch(text, { parser: await parser(), scenarios: all, referenceFor: () => undefined });
}

const hunk = hunkOf;
const sides = sidesOf;
const codes = findingCodes;

test('seed 003: profile 2.6.31, the end_io hunk is read across the inline replies', async (t) => {
  const text = readSeed(SEED_003);
  if (!need(t, text, 'seed 003')) return;
  const s = await review(text);
  assert.equal(s.result.kernel.profile, '2.6.31');
  const h = hunk(s, '@@ -3361,6 +3364,212 @@');
  for (const f of ['ext4_end_dio_unwritten', 'ext4_init_io_end', 'ext4_end_io_dio', 'ext4_ext_direct_IO']) assert.ok(h.functions.includes(f), `${f} rebuilt from the quoted hunk`);
  assert.ok(h.assumptions.some((a) => a.includes('ext4_ext_direct_IO() is cut short')), 'the cut function is said to be cut');
  s.dispose();
});

test('seed 003: holes and fallocated ranges fall back before, go direct with unwritten extents after', async (t) => {
  const text = readSeed(SEED_003);
  if (!need(t, text, 'seed 003')) return;
  const s = await review(text);
  const h = hunk(s, '@@ -3361,6 +3364,212 @@');
  for (const id of ['dio-sync-al-hole-warm', 'dio-sync-al-unwritten-warm']) {
    const { before, after } = sides(s, h, id);
    assert.equal(before.fallback, 'whole', `${id}: 2.6.31 falls back (create=0 under DIO_LOCKING)`);
    assert.equal(after.fallback, 'none');
    assert.equal(after.dioUnwritten, true);
    assert.equal(after.unwrittenConverted, true);
    assert.equal(after.unwrittenLeft, false);
    // Sync DIO: end_io in the submitting task, which waits for the conversion work.
    assert.equal(after.endIoContext, 'process');
    assert.ok(after.waits.includes('flush_workqueue'));
  }
  // AIO: end_io in bio completion (interrupt context) only queues the conversion.
  const aio = sides(s, h, 'dio-aio-al-hole-warm').after;
  assert.equal(aio.ret, '-EIOCBQUEUED');
  assert.equal(aio.endIoContext, 'irq');
  assert.equal(aio.convertContext, 'workqueue');
  assert.ok(!codes(aio).includes('endio-blocks'), 'queue_work() from interrupt context does not sleep');
  // Block-mapped files keep the old path.
  const ind = sides(s, h, 'ind-dio-sync-hole');
  assert.equal(ind.after.fallback, 'whole');
  s.dispose();
});

test('seed 003: an extending DIO is no longer on the orphan list (Jan Kara)', async (t) => {
  const text = readSeed(SEED_003);
  if (!need(t, text, 'seed 003')) return;
  const s = await review(text);
  const h = hunk(s, '@@ -3361,6 +3364,212 @@');
  const { before, after } = sides(s, h, 'dio-sync-al-beyond-warm');
  assert.equal(before.orphan, 'add+del');
  assert.ok(!codes(before).includes('orphan-missing'));
  assert.equal(after.orphan, 'none');
  assert.ok(codes(after).includes('orphan-missing'));
  assert.ok(h.findings.some((f) => f.code === 'orphan-missing' && f.status === 'new'), 'reported as newly broken at the hunk');
  s.dispose();
});

test('seed 003 edited: flush_workqueue() from end_io for AIO too is endio-blocks (Jan Kara\'s remark)', async (t) => {
  const text = readSeed(SEED_003);
  if (!need(t, text, 'seed 003')) return;
  assert.match(text, /if \(is_sync_kiocb\(iocb\)\)/);
  const s = await review(text.replace(/if \(is_sync_kiocb\(iocb\)\)/, 'if (1)'));
  const h = hunk(s, '@@ -3361,6 +3364,212 @@');
  const aio = sides(s, h, 'dio-aio-al-hole-warm').after;
  assert.ok(codes(aio).includes('endio-blocks'), 'flush_workqueue from interrupt context');
  s.dispose();
});

const AIO_WRITTEN_LOCKED = { id: 'aio-written-nodioread', request: { direct: true, aio: true, pos: 4096, len: 4096 }, mount: { dioreadNolock: false }, inode: { blocks: 'WWWWUUUU____WWWW', nosec: true } };

test('seed 004: profile 4.6; io_end only for AIO that meets unwritten extents; sync converts after the DIO returns', async (t) => {
  const text = readSeed(SEED_004);
  if (!need(t, text, 'seed 004')) return;
  const s = await review(text, [AIO_WRITTEN_LOCKED]);
  assert.equal(s.result.kernel.profile, '4.6');
  const h = hunk(s, '@@ -818,16 +816,62 @@');
  assert.ok(h.functions.includes('ext4_dio_get_block_unwritten_sync'));
  // AIO over written blocks (no dioread_nolock: not an overwrite): 4.6 allocates an io_end anyway.
  const w = sides(s, h, 'aio-written-nodioread');
  assert.equal(w.before.ioEndAllocs, 1);
  assert.equal(w.after.ioEndAllocs, 0);
  assert.ok(h.changes.some((c) => c.scenario === 'aio-written-nodioread' && c.field === 'ioEndAllocs'), 'the change is reported at the hunk');
  // AIO into a hole: an io_end either way, conversion on the DIO workqueue.
  const a = sides(s, h, 'dio-aio-al-hole-warm');
  assert.equal(a.after.ioEndAllocs, 1);
  assert.equal(a.after.convertContext, 'workqueue');
  // Sync DIO: no io_end, EXT4_STATE_DIO_UNWRITTEN, conversion in process context, both sides.
  for (const side of ['before', 'after']) {
    const o = sides(s, h, 'dio-sync-al-hole-warm')[side];
    assert.equal(o.ioEndAllocs, 0);
    assert.equal(o.convertContext, 'process');
    assert.equal(o.unwrittenLeft, false);
  }
  // The dioread_nolock overwrite path is unchanged: lock dropped around the IO on both sides.
  const ov = sides(s, h, 'dio-aio-al-written-warm');
  assert.equal(ov.before.lockAcrossIo, 'none');
  assert.deepEqual(ov.after, { ...ov.after, lockAcrossIo: ov.before.lockAcrossIo, ret: ov.before.ret, ioEndAllocs: ov.before.ioEndAllocs });
  s.dispose();
});
