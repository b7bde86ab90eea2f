// Editing the real C changes the outcome as predicted: the engine computes behaviour from
// the code, it does not look it up. Each test copies a Debian tree's write-path files into
// a temp dir, edits one function, and compares against the unedited tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, editedTree as linkedTree, kernel, kernelDiff, kernelDir, need, parser, run } from './helpers.mjs';

const L = 'WWWWUUUU____WWWW';
const BS = 4096;

/** The tree with `edit` applied to one file (a symlinked copy, helpers.editedTree), loaded. */
async function editedTree(t, version, file, edit) {
  const dir = linkedTree(t, version, file, (before) => {
    const after = edit(before);
    assert.notEqual(after, before, `the edit changed ${file}`);
    return after;
  });
  return api.loadKernelTree(dir, await parser());
}

/** Swap the EXT4_MAP_UNWRITTEN / EXT4_MAP_MAPPED tests in ext4_set_iomap(). */
function swapUnwrittenMapped(text) {
  const start = text.indexOf('static void ext4_set_iomap(');
  const end = text.indexOf('\n}\n', start);
  const fn = text.slice(start, end);
  const swapped = fn
    .replace('if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;', '@@A@@')
    .replace('} else if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;', '} else if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;')
    .replace('@@A@@', 'if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;');
  return text.slice(0, start) + swapped + text.slice(end);
}

/** Remove the IOMAP_DIO_FORCE_WAIT request for extending/unaligned DIO (6.12 assignment, 6.1 ternary). */
function dropForceWait(text) {
  return text
    .replace(/\n\t\t\*dio_flags = IOMAP_DIO_FORCE_WAIT;/, '\n')
    .replace('(unaligned_io || extend) ? IOMAP_DIO_FORCE_WAIT : 0', '0');
}

for (const v of ['6.1', '6.12']) {
  test(`${v}: testing EXT4_MAP_MAPPED before EXT4_MAP_UNWRITTEN in ext4_set_iomap() leaves unwritten extents unconverted`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [
      { id: 'hole', request: { pos: 9 * BS, len: BS }, inode: { blocks: L } },
      { id: 'hole-aio', request: { aio: true, pos: 9 * BS, len: BS }, inode: { blocks: L } },
    ];
    const base = run(await kernel(v), inputs);
    const k = await editedTree(t, v, 'fs/ext4/inode.c', swapUnwrittenMapped);
    const edited = run(k, inputs);
    for (const id of ['hole', 'hole-aio']) {
      assert.equal(base[id].outcome.unwrittenConverted, true, `unedited ${id} converts`);
      assert.deepEqual(base[id].outcome.findings, [], `unedited ${id} is clean`);
      assert.equal(edited[id].outcome.dioUnwritten, false, `${id}: IOMAP_DIO_UNWRITTEN no longer reaches end_io`);
      assert.equal(edited[id].outcome.unwrittenConverted, false, id);
      assert.equal(edited[id].outcome.unwrittenLeft, true, id);
      assert.deepEqual(edited[id].outcome.iomapTypes, ['IOMAP_MAPPED'], id);
      assert.ok(edited[id].outcome.findings.some((f) => f.code === 'unwritten-unconverted'), `${id}: ${JSON.stringify(edited[id].outcome.findings)}`);
    }
  });

  test(`${v}: dropping IOMAP_DIO_FORCE_WAIT leaves an extending AIO unwaited`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [{ id: 'extend-aio', request: { aio: true, pos: 16 * BS, len: BS }, inode: { blocks: L } }];
    const base = run(await kernel(v), inputs)['extend-aio'];
    const k = await editedTree(t, v, 'fs/ext4/file.c', dropForceWait);
    const edited = run(k, inputs)['extend-aio'];
    assert.equal(base.outcome.ret, 4096);
    assert.ok(base.outcome.waits.includes('IOMAP_DIO_FORCE_WAIT'));
    assert.ok(!base.outcome.findings.some((f) => f.code === 'extend-unwaited'));
    assert.equal(edited.outcome.ret, '-EIOCBQUEUED');
    assert.ok(!edited.outcome.waits.includes('IOMAP_DIO_FORCE_WAIT'));
    assert.ok(edited.outcome.findings.some((f) => f.code === 'extend-unwaited'), JSON.stringify(edited.outcome.findings));
    // The C's own guard fires too: WARN_ON_ONCE(ret == -EIOCBQUEUED) after iomap_dio_rw().
    assert.ok(edited.trace.some((s) => s.kind === 'warn' && s.text.includes('-EIOCBQUEUED')));
  });
}

/**
 * Drop iomap's mapping of a page-cache invalidation failure to -ENOTBLK in __iomap_dio_rw()
 * (6.12, 7.2: `ret = -ENOTBLK;` under `ret != -EAGAIN`), so the error of
 * invalidate_inode_pages2_range() itself is returned.
 */
function dropInvalidateENOTBLK(text) {
  return text.replace(/\n(\t+)ret = -ENOTBLK;\n/, '\n$1;\n');
}

for (const v of ['6.12', '7.2']) {
  test(`${v}: iomap's own C decides the -ENOTBLK fallback: dropping it in fs/iomap/direct-io.c makes an invalidation failure an error`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [{ id: 'inv', request: { pos: 0, len: BS }, inode: { blocks: L }, env: { invalidateFails: true } }];
    const base = run(await kernel(v), inputs).inv;
    const edited = run(await editedTree(t, v, 'fs/iomap/direct-io.c', dropInvalidateENOTBLK), inputs).inv;
    for (const o of [base.outcome, edited.outcome]) assert.deepEqual([o.unknowns ?? [], o.inconclusive], [[], undefined]);
    assert.equal(base.outcome.fallback, 'whole');
    assert.equal(base.outcome.ret, BS);
    // The -ENOTBLK is born in the tree's __iomap_dio_rw(), not in a TypeScript model.
    assert.match(base.outcome.fallbackReason, /__iomap_dio_rw\(\): `ret = -ENOTBLK` at fs\/iomap\/direct-io\.c:\d+/);
    assert.equal(edited.outcome.fallback, 'none');
    assert.equal(edited.outcome.ret, '-EBUSY');
  });
}

test('6.12: a patch to fs/iomap/direct-io.c is reviewed like ext4 C: the hunk dropping the -ENOTBLK mapping changes the invalidation-failure scenario', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const dir = linkedTree(t, '6.12', 'fs/iomap/direct-io.c', dropInvalidateENOTBLK);
  const patch = kernelDiff(kernelDir('6.12'), dir, ['fs/iomap/direct-io.c']);
  const session = api.reviewPatch(patch, { parser: await parser(), base: api.toBase(await kernel('6.12')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  const hunks = session.result.files.flatMap((f) => f.hunks);
  assert.equal(hunks.length, 1);
  const h = hunks[0];
  assert.deepEqual(h.functions, ['__iomap_dio_rw']);
  const c = h.changes.find((x) => x.scenario === 'dio-invalidate-fails' && x.field === 'ret');
  assert.deepEqual([c?.before, c?.after], ['4096', '-EBUSY'], JSON.stringify(h.changes));
  assert.ok(h.changes.some((x) => x.scenario === 'dio-invalidate-fails' && x.field === 'fallback'));
  // Nothing else in the matrix reaches the edited line.
  assert.deepEqual([...new Set(h.changes.map((x) => x.scenario))], ['dio-invalidate-fails']);
});

/**
 * ext4_map_blocks() reporting an unwritten extent found in the extent status tree as
 * mapped (the `EXT4_MAP_UNWRITTEN` arm of its `ext4_es_is_written(&es) ? … : …` dropped).
 */
/**
 * A sync and an AIO DIO of one block into an unwritten extent, on the tree and on the tree
 * with `edit` applied to `file`: per id, the two runs and their outcomes, each checked to be
 * behaviour (no unknown, not inconclusive).
 */
async function unwrittenDioBothWays(t, v, file, edit) {
  const inputs = [
    { id: 'unwritten', request: { pos: 4 * BS, len: BS }, inode: { blocks: L } },
    { id: 'unwritten-aio', request: { aio: true, pos: 4 * BS, len: BS }, inode: { blocks: L } },
  ];
  const base = run(await kernel(v), inputs);
  const edited = run(await editedTree(t, v, file, edit), inputs);
  return inputs.map(({ id }) => {
    const [b, e] = [base[id].outcome, edited[id].outcome];
    for (const o of [b, e]) assert.deepEqual([o.unknowns ?? [], o.inconclusive], [[], undefined], id);
    return { id, b, e, base: base[id], edited: edited[id] };
  });
}

function skipUnwrittenFlag(text) {
  return text.replace('EXT4_MAP_MAPPED : EXT4_MAP_UNWRITTEN;', 'EXT4_MAP_MAPPED : EXT4_MAP_MAPPED;');
}

for (const v of ['6.1', '6.12', '7.2']) {
  test(`${v}: ext4_map_blocks() is the tree's C: making it skip EXT4_MAP_UNWRITTEN leaves a DIO into an unwritten extent unconverted`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    for (const { id, b, e, edited } of await unwrittenDioBothWays(t, v, 'fs/ext4/inode.c', skipUnwrittenFlag)) {
      assert.deepEqual([b.iomapTypes, b.dioUnwritten, b.unwrittenConverted, b.findings], [['IOMAP_UNWRITTEN'], true, true, []], `unedited ${id}`);
      assert.deepEqual([e.iomapTypes, e.dioUnwritten, e.unwrittenLeft], [['IOMAP_MAPPED'], false, true], id);
      assert.ok(e.findings.some((f) => f.code === 'unwritten-unconverted'), `${id}: ${JSON.stringify(e.findings)}`);
      // The flag is decided in the tree's ext4_map_blocks(), which the trace shows running.
      assert.ok(edited.trace.some((s) => s.kind === 'call' && s.fn === 'ext4_map_blocks' && s.file === 'fs/ext4/inode.c'));
    }
  });
}

/** generic_write_checks_count() no longer moving an O_APPEND write to i_size. */
function dropAppendPos(text) {
  return text.replace(/\tif \(iocb->ki_flags & IOCB_APPEND\)\n\t\tiocb->ki_pos = i_size_read\(inode\);\n/, '');
}

for (const v of ['6.1', '6.12', '7.2']) {
  test(`${v}: generic_write_checks() is fs/read_write.c's C: dropping its IOCB_APPEND repositioning makes an O_APPEND DIO overwrite block 0`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    // A 16-block file, all written: appending extends it; at pos 0 it is a pure overwrite.
    const inputs = [{ id: 'append', request: { append: true, pos: 0, len: BS }, inode: { blocks: 'WWWWWWWWWWWWWWWW' } }];
    const base = run(await kernel(v), inputs).append;
    const edited = run(await editedTree(t, v, 'fs/read_write.c', dropAppendPos), inputs).append;
    for (const o of [base.outcome, edited.outcome]) assert.deepEqual([o.unknowns ?? [], o.inconclusive], [[], undefined]);
    assert.deepEqual([base.outcome.finalSize.iSize, base.outcome.lockAcrossIo], [17 * BS, 'exclusive'], 'unedited: the write lands at i_size and extends the file');
    assert.deepEqual([edited.outcome.finalSize.iSize, edited.outcome.lockAcrossIo, edited.outcome.ret], [16 * BS, 'shared', BS], 'edited: an overwrite at ki_pos 0 under a shared i_rwsem');
    assert.ok(base.trace.some((s) => s.kind === 'call' && s.fn === 'generic_write_checks_count' && s.file === 'fs/read_write.c'), 'the tree\'s generic_write_checks_count() runs');
  });
}

test('7.2: a patch to fs/read_write.c is reviewed like ext4 C: the hunk dropping the IOCB_APPEND repositioning changes the O_APPEND scenario', async (t) => {
  if (!need(t, kernelDir('7.2'), 'Debian linux-source-7.2 tree')) return;
  const dir = linkedTree(t, '7.2', 'fs/read_write.c', dropAppendPos);
  const patch = kernelDiff(kernelDir('7.2'), dir, ['fs/read_write.c']);
  const session = api.reviewPatch(patch, { parser: await parser(), base: api.toBase(await kernel('7.2')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  const hunks = session.result.files.flatMap((f) => f.hunks);
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0].functions, ['generic_write_checks_count']);
  const scenarios = new Set(hunks[0].changes.map((x) => x.scenario));
  assert.ok(scenarios.has('dio-append'), JSON.stringify(hunks[0].changes));
  // Only O_APPEND writes reach the dropped line.
  for (const id of scenarios) assert.match(id, /append/, id);
});

for (const v of ['6.12', '7.2']) {
  test(`${v}: file->f_op->fop_flags is ext4_file_operations as the tree initialises it (casts to fop_flags_t evaluated), without FOP_BUFFER_WASYNC`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const flags = api.fopFlagsIn(k.image, k.constant);
    assert.equal(typeof flags, 'bigint', 'the initializer evaluates');
    // fs/ext4/file.c 6.12/7.2: `.fop_flags = FOP_MMAP_SYNC | FOP_BUFFER_RASYNC | FOP_DIO_PARALLEL_WRITE …`
    for (const bit of ['FOP_MMAP_SYNC', 'FOP_BUFFER_RASYNC', 'FOP_DIO_PARALLEL_WRITE']) assert.notEqual(flags & k.constant(bit), 0n, bit);
    assert.equal(flags & k.constant('FOP_BUFFER_WASYNC'), 0n, 'ext4 does not take buffered RWF_NOWAIT writes');
  });
}

/** ext4_convert_unwritten_extents() asking ext4_map_blocks() for an unwritten mapping instead of the end_io conversion. */
function dropConvertFlag(text) {
  const start = text.indexOf('int ext4_convert_unwritten_extents(handle_t *handle');
  const end = text.indexOf('\n}\n', start);
  const fn = text.slice(start, end);
  return text.slice(0, start) + fn.replace('EXT4_GET_BLOCKS_IO_CONVERT_EXT', 'EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT') + text.slice(end);
}

for (const v of ['6.1', '6.12', '7.2']) {
  test(`${v}: ext4_convert_unwritten_extents() is extents.c's C: without EXT4_GET_BLOCKS_CONVERT a DIO into an unwritten extent leaves it unwritten`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    for (const { id, b, e, base } of await unwrittenDioBothWays(t, v, 'fs/ext4/extents.c', dropConvertFlag)) {
      assert.deepEqual([b.dioUnwritten, b.unwrittenConverted, b.unwrittenLeft, b.findings], [true, true, false, []], `unedited ${id}`);
      // The end_io conversion is the tree's ext4_map_blocks() call with EXT4_GET_BLOCKS_IO_CONVERT_EXT.
      assert.ok(b.mapBlocksFlags.some((f) => f.startsWith('EXT4_GET_BLOCKS_IO_CONVERT_EXT')), `${id}: ${b.mapBlocksFlags}`);
      assert.ok(base.trace.some((s) => s.kind === 'call' && s.fn === 'ext4_convert_unwritten_extents' && s.file === 'fs/ext4/extents.c'), `${id}: extents.c runs`);
      assert.deepEqual([e.dioUnwritten, e.unwrittenConverted, e.unwrittenLeft], [true, false, true], id);
      assert.ok(e.findings.some((f) => f.code === 'unwritten-unconverted'), `${id}: ${JSON.stringify(e.findings)}`);
    }
  });
}

test('6.12: a patch to fs/ext4/extents.c is reviewed like file.c: the hunk dropping the conversion flag breaks unwritten-unconverted where DIO meets unwritten extents', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const dir = linkedTree(t, '6.12', 'fs/ext4/extents.c', dropConvertFlag);
  const patch = kernelDiff(kernelDir('6.12'), dir, ['fs/ext4/extents.c']);
  const session = api.reviewPatch(patch, { parser: await parser(), base: api.toBase(await kernel('6.12')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  const hunks = session.result.files.flatMap((f) => f.hunks);
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0].functions, ['ext4_convert_unwritten_extents']);
  const broken = hunks[0].findings.filter((f) => f.code === 'unwritten-unconverted' && f.status === 'new');
  assert.ok(broken.length, JSON.stringify(hunks[0].findings.slice(0, 3)));
  assert.ok(hunks[0].changes.some((c) => c.field === 'unwrittenConverted' && c.before === 'true' && c.after === 'false'), JSON.stringify(hunks[0].changes.slice(0, 3)));
});

for (const v of ['6.1', '6.12', '7.2']) {
  test(`${v}: ext4_test_inode_flag() is the function ext4.h's EXT4_INODE_BIT_FNS() generates: an off-by-one offset makes an extent file look block-mapped, and a DIO into a hole falls back to buffered IO`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [{ id: 'hole', request: { pos: 9 * BS, len: BS }, inode: { blocks: L } }];
    const base = run(await kernel(v), inputs).hole;
    const edited = run(await editedTree(t, v, 'fs/ext4/ext4.h', (s) => s.replace('EXT4_INODE_BIT_FNS(flag, flags, 0)', 'EXT4_INODE_BIT_FNS(flag, flags, 1)')), inputs).hole;
    for (const o of [base.outcome, edited.outcome]) assert.deepEqual([o.unknowns ?? [], o.inconclusive], [[], undefined]);
    // The generated helper runs as header C, at the invocation's line of ext4.h.
    assert.ok(base.trace.some((s) => s.kind === 'call' && s.fn === 'ext4_test_inode_flag' && s.file === 'fs/ext4/ext4.h'));
    assert.deepEqual([base.outcome.path, base.outcome.fallback, base.outcome.dioUnwritten], ['dio', 'none', true]);
    // EXT4_INODE_EXTENTS is read one bit up (EXT4_INODE_VERITY, clear): ext4 takes the indirect path.
    assert.deepEqual([edited.outcome.path, edited.outcome.fallback, edited.outcome.dioUnwritten], ['buffered', 'whole', false]);
  });
}

test('a hover shows a long timeline change where it differs: the 6.12 → 7.2 timelines of an aligned DIO into an unwritten extent', async (t) => {
  if (!need(t, kernelDir('6.12') && kernelDir('7.2'), 'the Debian 6.12 and 7.2 trees')) return;
  const inputs = [{ id: 'u', request: { aio: true, pos: 4 * BS, len: BS }, inode: { blocks: L } }];
  const [b, a] = [run(await kernel('6.12'), inputs).u.outcome.timeline.join(' → '), run(await kernel('7.2'), inputs).u.outcome.timeline.join(' → ')];
  assert.notEqual(b, a);
  const [cb, ca] = api.compactTimelines(b, a);
  assert.ok(cb.length < b.length || ca.length < a.length, `${cb} | ${ca}`);
  // What is cut is what both have: the rest of each side is its own timeline's events, in order.
  for (const [whole, cut] of [[b, cb], [a, ca]]) {
    const kept = cut.replace(/^… → /, '').replace(/ → …$/, '');
    assert.ok(whole.includes(kept), `${kept} is a run of ${whole}`);
  }
  assert.notEqual(cb, ca, 'the difference stays');
  // Short values are shown whole.
  assert.deepEqual(api.compactTimelines('end_io → return', 'return → end_io'), ['end_io → return', 'return → end_io']);
});

test('6.12: a header-only patch is reviewed: the ext4.h hunk making EXT4_INODE_BIT_FNS() off by one carries the changes decided at its line', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const dir = linkedTree(t, '6.12', 'fs/ext4/ext4.h', (s) => s.replace('EXT4_INODE_BIT_FNS(flag, flags, 0)', 'EXT4_INODE_BIT_FNS(flag, flags, 1)'));
  const patch = kernelDiff(kernelDir('6.12'), dir, ['fs/ext4/ext4.h']);
  const session = api.reviewPatch(patch, { parser: await parser(), base: api.toBase(await kernel('6.12')), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  const hunks = session.result.files.flatMap((f) => f.hunks);
  assert.equal(hunks.length, 1);
  const h = hunks[0];
  assert.ok(h.functions.includes('ext4_test_inode_flag'), h.functions.join(', '));
  // Before: the hunk said "header applied" and the review reported no change at all.
  assert.doesNotMatch(h.summary, /^header applied/);
  const c = h.changes.find((x) => x.scenario === 'dio-sync-al-hole-warm' && x.field === 'path');
  assert.deepEqual([c?.before, c?.after], ['dio', 'buffered'], JSON.stringify(h.changes.slice(0, 3)));
});

test('7.2: RWF_ATOMIC is decided by the tree\'s ext4_file_open(): without its FMODE_CAN_ATOMIC_WRITE line every atomic write is -EOPNOTSUPP', async (t) => {
  if (!need(t, kernelDir('7.2'), 'Debian linux-source-7.2 tree')) return;
  const inputs = [{ id: 'a', request: { atomic: true, pos: 4 * BS, len: BS }, inode: { blocks: 'WWWWWWWWWWWWWWWW' }, env: { atomicCapable: true } }];
  const base = run(await kernel('7.2'), inputs).a;
  const drop = (s) => s.replace(/\n\tif \(ext4_inode_can_atomic_write\(inode\)\)\n\t\tfilp->f_mode \|= FMODE_CAN_ATOMIC_WRITE;\n/, '\n');
  const edited = run(await editedTree(t, '7.2', 'fs/ext4/file.c', drop), inputs).a;
  for (const o of [base.outcome, edited.outcome]) assert.deepEqual([o.unknowns ?? [], o.inconclusive], [[], undefined]);
  assert.ok(base.trace.some((s) => s.kind === 'call' && s.fn === 'ext4_file_open' && s.file === 'fs/ext4/file.c'), 'the open runs as the tree\'s C');
  assert.equal(base.outcome.ret, BS);
  assert.equal(edited.outcome.ret, '-EOPNOTSUPP');
});

test('regression (6.1): a patched file-local #define is expanded from its patched body, not a remembered expansion of the tree\'s', async (t) => {
  if (!need(t, kernelDir('6.1'), 'Debian linux-source-6.1 tree')) return;
  const base = await kernel('6.1');
  // Warm the tree's expansions: the default matrix expands check_block_validity() (inode.c's own #define).
  api.simulateAll(api.defaultMatrix(), { image: base.image, profile: base.profile, constant: base.constant });
  const rename = (s) => s.replace(/\b__check_block_validity\b/g, '__check_block_validity_renamed');
  const dir = linkedTree(t, '6.1', 'fs/ext4/inode.c', rename);
  const patch = kernelDiff(kernelDir('6.1'), dir, ['fs/ext4/inode.c']);
  const session = api.reviewPatch(patch, { parser: await parser(), base: api.toBase(base), scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
  for (const h of session.result.files.flatMap((f) => f.hunks)) {
    assert.doesNotMatch(h.summary, /cannot tell|has no C and no model/, `${h.header}: ${h.summary}`);
    assert.equal(h.changes.length, 0, h.summary);
  }
});
