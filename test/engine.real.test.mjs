// The write-path engine over the real Debian 6.1.192 / 6.12.117 ext4 C (fetched by
// `npm run fetch-kernels`, never committed). Every expectation below is what a reader of
// that C expects; the line numbers are looked up in the real files, not typed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDir, need, run, lineOf } from './helpers.mjs';

const VERSIONS = ['6.1', '6.12'];
const L = 'WWWWUUUU____WWWW'; // written 0-3, unwritten 4-7, holes 8-11, written 12-15; i_size 64 KiB
const BS = 4096;

/** A branch step at `file:line` in `fn` with `result`. */
function branchAt(r, fn, file, line, result) {
  return r.trace.find((s) => s.kind === 'branch' && s.fn === fn && s.file === file && s.line === line && (result === undefined || s.result === result));
}

for (const v of VERSIONS) {
  test(`${v}: the default matrix runs with no inconclusive core scenario`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const results = api.simulateAll(api.defaultMatrix(), { image: k.image, profile: k.profile, constant: k.constant });
    assert.ok(results.length >= 110, `matrix has ${results.length} scenarios`);
    const core = results.filter((r) => /^dio-(sync|aio)-(al|un)-/.test(r.id) || ['ind-dio-sync-hole', 'dio-datajournal', 'dio-inline-data', 'buf-nowait'].includes(r.id));
    assert.equal(core.length, 84);
    for (const r of core) assert.equal(r.outcome.inconclusive, undefined, `${r.id}: ${r.outcome.inconclusive}`);
    assert.equal(k.profile.id, v, 'profile chosen from the Makefile');
  });

  test(`${v}: aligned overwrite of written blocks, IS_NOSEC warm, holds i_rwsem shared across iomap_dio_rw`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const r = run(k, [{ id: 'x', request: { pos: BS, len: BS }, inode: { blocks: L, nosec: true } }]).x;
    assert.equal(r.outcome.lockAcrossIo, 'shared');
    assert.deepEqual(r.outcome.lockSequence, ['shared', 'unlock-shared']);
    assert.deepEqual(r.outcome.iomapOps, ['ext4_iomap_overwrite_ops']);
    assert.equal(r.outcome.ret, 4096);
    // The upgrade test in ext4_dio_write_checks() was evaluated and found false.
    const line = lineOf(k, 'fs/ext4/file.c', 'if (*ilock_shared &&');
    assert.ok(branchAt(r, 'ext4_dio_write_checks', 'fs/ext4/file.c', line, 'false'), `branch at file.c:${line}`);
  });

  test(`${v}: IS_NOSEC cold restarts shared → exclusive (goto restart)`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const r = run(k, [{ id: 'x', request: { pos: BS, len: BS }, inode: { blocks: L, nosec: false } }]).x;
    assert.deepEqual(r.outcome.lockSequence, ['shared', 'unlock-shared', 'exclusive', 'unlock-exclusive']);
    assert.equal(r.outcome.lockAcrossIo, 'exclusive');
    const line = lineOf(k, 'fs/ext4/file.c', 'if (*ilock_shared &&');
    const upgrade = branchAt(r, 'ext4_dio_write_checks', 'fs/ext4/file.c', line, 'true');
    assert.ok(upgrade, `upgrade branch at file.c:${line}`);
    assert.equal(upgrade.values['IS_NOSEC(inode)'], 'false');
    const gotoLine = lineOf(k, 'fs/ext4/file.c', 'goto restart;');
    assert.ok(r.trace.some((s) => s.kind === 'goto' && s.line === gotoLine && s.text === 'goto restart'));
    // file_remove_privs() then sets S_NOSEC: the same write again is warm.
    assert.ok(r.trace.some((s) => s.fn === 'file_modified' && s.result === 'S_NOSEC set'));
  });

  test(`${v}: DIO into unwritten and hole targets sets IOMAP_DIO_UNWRITTEN and converts at end_io`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const rs = run(k, [
      { id: 'unwritten', request: { pos: 5 * BS, len: BS }, inode: { blocks: L } },
      { id: 'hole', request: { pos: 9 * BS, len: BS }, inode: { blocks: L } },
      { id: 'hole-aio', request: { aio: true, pos: 9 * BS, len: BS }, inode: { blocks: L } },
    ]);
    const setIomapLine = lineOf(k, 'fs/ext4/inode.c', 'if (map->m_flags & EXT4_MAP_UNWRITTEN) {');
    const endIoLine = lineOf(k, 'fs/ext4/file.c', 'flags & IOMAP_DIO_UNWRITTEN');
    for (const r of Object.values(rs)) {
      assert.equal(r.outcome.dioUnwritten, true, r.id);
      assert.equal(r.outcome.unwrittenConverted, true, r.id);
      assert.equal(r.outcome.unwrittenLeft, false, r.id);
      assert.ok(r.outcome.iomapTypes.includes('IOMAP_UNWRITTEN'), r.id);
      assert.ok(branchAt(r, 'ext4_set_iomap', 'fs/ext4/inode.c', setIomapLine, 'true'), `${r.id}: set_iomap UNWRITTEN branch at inode.c:${setIomapLine}`);
      assert.ok(branchAt(r, 'ext4_dio_write_end_io', 'fs/ext4/file.c', endIoLine, 'true'), `${r.id}: end_io conversion branch at file.c:${endIoLine}`);
    }
    // Holes inside i_size are allocated unwritten (EXT4_GET_BLOCKS_IO_CREATE_EXT), not written.
    assert.ok(rs.hole.outcome.mapBlocksFlags.includes('EXT4_GET_BLOCKS_IO_CREATE_EXT'));
    // AIO without FORCE_WAIT converts on the completion workqueue.
    assert.equal(rs['hole-aio'].outcome.ret, '-EIOCBQUEUED');
    assert.equal(rs['hole-aio'].outcome.endIoContext, 'workqueue');
    assert.equal(rs['hole-aio'].outcome.completionRet, 4096);
  });

  test(`${v}: extending DIO allocates written blocks, uses the orphan list and IOMAP_DIO_FORCE_WAIT`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const rs = run(k, [
      { id: 'sync', request: { pos: 16 * BS, len: BS }, inode: { blocks: L } },
      { id: 'aio', request: { aio: true, pos: 16 * BS, len: BS }, inode: { blocks: L } },
    ]);
    const createLine = lineOf(k, 'fs/ext4/inode.c', 'm_flags = EXT4_GET_BLOCKS_CREATE;');
    for (const r of Object.values(rs)) {
      assert.ok(r.outcome.mapBlocksFlags.includes('EXT4_GET_BLOCKS_CREATE'), `${r.id}: ${r.outcome.mapBlocksFlags}`);
      assert.equal(r.outcome.orphan, 'add+del');
      assert.ok(r.outcome.waits.includes('IOMAP_DIO_FORCE_WAIT'));
      assert.equal(r.outcome.lockAcrossIo, 'exclusive');
      assert.equal(r.outcome.ret, 4096, 'the extending AIO is waited for: no -EIOCBQUEUED');
      assert.equal(r.outcome.sizeUpdate.iSize, 17 * BS);
      assert.equal(r.outcome.sizeUpdate.lock, 'exclusive');
      assert.ok(r.linesRun['fs/ext4/inode.c'].includes(createLine), `inode.c:${createLine} ran`);
      assert.deepEqual(r.outcome.findings, []);
    }
  });

  test(`${v}: whole and remainder fallback to buffered IO`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const ind = 'WWWW____WWWWWWWW';
    const rs = run(k, [
      { id: 'ind-hole', request: { pos: 5 * BS, len: BS }, inode: { mapping: 'indirect', blocks: ind } },
      { id: 'ind-partial', request: { pos: 3 * BS, len: 4 * BS }, inode: { mapping: 'indirect', blocks: ind } },
      { id: 'journal', request: { pos: BS, len: BS }, mount: { dataJournal: true } },
      { id: 'inline', request: { pos: 0, len: BS }, inode: { blocks: '', size: 60, flags: ['inline_data'] } },
    ]);
    const enotblkLine = lineOf(k, 'fs/ext4/inode.c', 'ret = -ENOTBLK;');
    assert.equal(rs['ind-hole'].outcome.fallback, 'whole');
    assert.equal(rs['ind-hole'].outcome.path, 'buffered');
    assert.equal(rs['ind-hole'].outcome.ret, 4096);
    assert.match(rs['ind-hole'].outcome.fallbackReason, new RegExp(`ext4_iomap_alloc\\(\\): \`ret = -ENOTBLK\` at fs/ext4/inode.c:${enotblkLine} under \`!m_flags && !ret`));
    assert.equal(rs['ind-partial'].outcome.fallback, 'remainder');
    assert.equal(rs['ind-partial'].outcome.path, 'dio+buffered');
    assert.equal(rs['ind-partial'].outcome.dioBytes, 4096);
    assert.equal(rs['ind-partial'].outcome.bufferedBytes, 12288);
    assert.equal(rs['ind-partial'].outcome.ret, 16384);
    // No stale data: the indirect hole was never filled by DIO.
    assert.deepEqual(rs['ind-hole'].outcome.findings, []);
    const journalLine = lineOf(k, 'fs/ext4/inode.c', 'if (ext4_should_journal_data(inode))', lineOf(k, 'fs/ext4/inode.c', 'u32 ext4_dio_alignment'));
    const useDioLine = lineOf(k, 'fs/ext4/file.c', 'if (!ext4_should_use_dio(iocb, from)) {', lineOf(k, 'fs/ext4/file.c', 'static ssize_t ext4_dio_write_iter'));
    assert.equal(rs.journal.outcome.fallback, 'whole');
    assert.match(rs.journal.outcome.fallbackReason, new RegExp(`ext4_should_journal_data\\(inode\\) @ fs/ext4/inode.c:${journalLine}`));
    assert.match(rs.journal.outcome.fallbackReason, new RegExp(`!ext4_should_use_dio\\(iocb, from\\) @ fs/ext4/file.c:${useDioLine}`));
    assert.equal(rs.inline.outcome.fallback, 'whole');
    assert.match(rs.inline.outcome.fallbackReason, /ext4_has_inline_data\(inode\)/);
  });

  test(`${v}: IOCB_NOWAIT gets -EAGAIN instead of blocking, and -EOPNOTSUPP where ext4 cannot do it`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const rs = run(k, [
      { id: 'cold', request: { nowait: true, pos: BS, len: BS }, inode: { blocks: L, nosec: false } },
      { id: 'extend', request: { nowait: true, pos: 16 * BS, len: BS }, inode: { blocks: L } },
      { id: 'contended', request: { nowait: true, pos: BS, len: BS }, inode: { blocks: L }, env: { contended: true } },
      { id: 'buffered', request: { direct: false, nowait: true, pos: BS, len: BS }, inode: { blocks: L } },
      { id: 'journal', request: { nowait: true, pos: BS, len: BS }, mount: { dataJournal: true } },
    ]);
    for (const id of ['cold', 'extend', 'contended']) {
      assert.equal(rs[id].outcome.ret, '-EAGAIN', id);
      assert.equal(rs[id].outcome.lockAcrossIo, 'none', id);
      assert.ok(!rs[id].outcome.findings.some((f) => f.code === 'nowait-blocks'), id);
      assert.ok(!rs[id].outcome.lockSequence.includes('exclusive') || id === 'extend', `${id}: no blocking exclusive lock`);
    }
    assert.deepEqual(rs.contended.outcome.lockSequence, ['trylock-shared-failed']);
    // The cold NOWAIT DIO fails the upgrade test in ext4_dio_write_checks() and returns -EAGAIN there.
    const upgradeLine = lineOf(k, 'fs/ext4/file.c', 'if (*ilock_shared &&');
    assert.ok(branchAt(rs.cold, 'ext4_dio_write_checks', 'fs/ext4/file.c', upgradeLine, 'true'));
    const bufLine = lineOf(k, 'fs/ext4/file.c', 'return -EOPNOTSUPP;', lineOf(k, 'fs/ext4/file.c', 'static ssize_t ext4_buffered_write_iter'));
    assert.equal(rs.buffered.outcome.ret, '-EOPNOTSUPP');
    assert.ok(rs.buffered.trace.some((s) => s.kind === 'return' && s.line === bufLine && s.result === '-EOPNOTSUPP'));
    assert.deepEqual(rs.buffered.outcome.lockSequence, []);
    assert.equal(rs.journal.outcome.ret, '-EOPNOTSUPP');
  });
}

test('6.1 and 6.12 differ where their C differs: unaligned overwrites and aligned writes into unwritten extents', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian linux-source-6.1 and -6.12 trees')) return;
  const k61 = await kernel('6.1');
  const k612 = await kernel('6.12');
  const inputs = [
    { id: 'unaligned-overwrite', request: { pos: BS + 512, len: 1024 }, inode: { blocks: L } },
    { id: 'unaligned-overwrite-aio', request: { aio: true, pos: BS + 512, len: 1024 }, inode: { blocks: L } },
    { id: 'aligned-unwritten', request: { pos: 5 * BS, len: BS }, inode: { blocks: L, nosec: true } },
  ];
  const a = run(k61, inputs);
  const b = run(k612, inputs);
  for (const id of ['unaligned-overwrite', 'unaligned-overwrite-aio']) {
    assert.equal(a[id].outcome.lockAcrossIo, 'exclusive', `6.1 ${id}`);
    assert.deepEqual(a[id].outcome.waits, ['inode_dio_wait', 'IOMAP_DIO_FORCE_WAIT'], `6.1 ${id}`);
    assert.equal(b[id].outcome.lockAcrossIo, 'shared', `6.12 ${id}`);
    assert.deepEqual(b[id].outcome.waits, [], `6.12 ${id}`);
  }
  // 6.1 decides exclusivity before taking the lock: ext4_unaligned_io() in ext4_dio_write_iter().
  const unalignedLine = lineOf(k61, 'fs/ext4/file.c', 'if (ext4_unaligned_io(inode, from, offset)) {');
  assert.ok(branchAt(a['unaligned-overwrite'], 'ext4_dio_write_iter', 'fs/ext4/file.c', unalignedLine, 'true'));
  assert.equal(a['aligned-unwritten'].outcome.lockAcrossIo, 'exclusive');
  assert.equal(b['aligned-unwritten'].outcome.lockAcrossIo, 'shared');
  // 6.1's ext4_overwrite_io() wants EXT4_MAP_MAPPED, which a lookup of an unwritten extent lacks.
  assert.ok(a['aligned-unwritten'].outcome.lockSequence.includes('exclusive'));
});

test('7.2: RWF_ATOMIC writes are decided by the tree\'s C, with no unknown read as 0', async (t) => {
  if (!need(t, kernelDir('7.2'), 'the Debian 7.2 tree')) return;
  const k = await kernel('7.2');
  const ids = ['dio-atomic', 'dio-atomic-hole', 'dio-atomic-invalidate-fails', 'dio-atomic-ind-hole', 'dio-atomic-unaligned', 'buf-atomic'];
  const rs = api.simulateAll(api.defaultMatrix().filter((s) => ids.includes(s.id)), { image: k.image, profile: k.profile, constant: k.constant });
  const o = Object.fromEntries(rs.map((r) => [r.id, r.outcome]));
  for (const id of ids) assert.ok(!o[id].unknowns?.length && !o[id].inconclusive, `${id}: ${o[id].unknowns ?? o[id].inconclusive}`);
  // s_awu_min/s_awu_max come from ext4_atomic_write_init(): before the model held them they
  // read as 0 and 7.2's length check turned every atomic write into -EINVAL.
  assert.equal(o['dio-atomic'].ret, 4096);
  assert.equal(o['dio-atomic'].path, 'dio');
  // Into a hole: allocated unwritten, converted at ->end_io (ext4_convert_unwritten_extents_atomic()).
  assert.equal(o['dio-atomic-hole'].ret, 4096);
  assert.ok(o['dio-atomic-hole'].unwrittenConverted);
  // iomap (6.14+): an atomic write whose page-cache invalidation fails returns -EAGAIN, never -ENOTBLK.
  assert.equal(o['dio-atomic-invalidate-fails'].ret, '-EAGAIN');
  assert.equal(o['dio-atomic-invalidate-fails'].fallback, 'none');
  // ext4_inode_can_atomic_write() (7.2 ext4.h) wants the EXTENTS inode flag: a block-mapped file cannot.
  assert.equal(o['dio-atomic-ind-hole'].ret, '-EOPNOTSUPP');
  // generic_atomic_write_valid(): ki_pos not aligned to the length.
  assert.equal(o['dio-atomic-unaligned'].ret, '-EINVAL');
  assert.equal(o['buf-atomic'].ret, '-EOPNOTSUPP');
  for (const id of ids) assert.ok(!o[id].findings.some((f) => f.code === 'atomic-fallback'), id);
});
