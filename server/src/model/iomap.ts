import { CObject, int, PlainObject, T, toBigInt, Value, NULL } from '../interp/values';
import type { ModelCtx, ModelFn, Registry } from './registry';
import { pageCacheHasRange, writeback } from './vfs';

/**
 * iomap direct IO as a model (fs/iomap/direct-io.c __iomap_dio_rw(), iomap_dio_complete(),
 * iomap_dio_iter()/iomap_dio_bio_iter(); fs/iomap/iter.c iomap_iter(); 5.3 and 6.1).
 * Used only where the image has no fs/iomap C — the 5.3 era reference
 * (review/eraReference.ts); every tree's own fs/iomap/direct-io.c runs as C (issue 11).
 * ext4's ->iomap_begin / ->iomap_end / ->end_io are called back into the interpreter, so
 * their C decides the mapping, the -ENOTBLK fallback and the conversion.
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });

/** The function a struct's function-pointer field names (`ops->iomap_begin`), if any. */
export function fnField(obj: Value | undefined, name: string): string | undefined {
  if (obj?.k !== 'obj') return undefined;
  const f = obj.obj.get(name);
  return f.k === 'fn' ? f.name : undefined;
}

function iomapTypeName(ctx: ModelCtx, t: bigint): string {
  for (const n of ['HOLE', 'DELALLOC', 'MAPPED', 'UNWRITTEN', 'INLINE']) if (ctx.w.c(`IOMAP_${n}`) === t) return `IOMAP_${n}`;
  return `type ${t}`;
}

function iomapDioRw(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const c = w.c;
  const [, , ops, dops, dioFlagsV] = args;
  const dioFlags = toBigInt(dioFlagsV ?? int(0));
  const forceWait = (dioFlags & c('IOMAP_DIO_FORCE_WAIT')) !== 0n;
  const aio = w.scenario.request.aio;
  const beginName = fnField(ops, 'iomap_begin');
  const endName = fnField(ops, 'iomap_end');
  // 5.3 iomap_dio_rw(iocb, iter, ops, end_io): the completion is an iomap_dio_end_io_t
  // itself; 5.5 (838c4f3d7515) moved it into struct iomap_dio_ops (`dops->end_io`).
  const endIoName = dops?.k === 'fn' ? dops.name : dops ? fnField(dops, 'end_io') : undefined;
  const opsName = ops?.k === 'obj' ? ops.obj.ctype : '?';
  const cite = 'fs/iomap/direct-io.c __iomap_dio_rw() 6.1/6.12';
  const EN = (n: string) => int(-c(n), T.long);

  w.emit({ e: 'dio-start', lock: w.lock, ops: opsName, dioFlags: forceWait ? ['IOMAP_DIO_FORCE_WAIT'] : [] });
  it.trace.model('iomap_dio_rw', `iomap_dio_rw(ops=${opsName}, dio_flags=${forceWait ? 'IOMAP_DIO_FORCE_WAIT' : '0'}) with i_rwsem ${w.lock}`, undefined, cite);
  if (forceWait) w.emit({ e: 'wait', what: 'IOMAP_DIO_FORCE_WAIT' });
  const pos0 = w.pos;
  const len0 = w.iterCount;
  if (len0 === 0n) return int(0, T.long);
  const waitForCompletion = !aio || forceWait;
  let iomapFlags = c('IOMAP_DIRECT') | c('IOMAP_WRITE');
  if (w.iocbFlags & c('IOCB_NOWAIT')) iomapFlags |= c('IOMAP_NOWAIT');
  const atomic = c('IOCB_ATOMIC') !== 0n && (w.iocbFlags & c('IOCB_ATOMIC')) !== 0n;
  // 6.13 __iomap_dio_rw(): IOCB_ATOMIC → IOMAP_ATOMIC (the constant exists only where iomap has atomic rules).
  if (atomic && c('IOMAP_ATOMIC')) iomapFlags |= c('IOMAP_ATOMIC');
  const needSync = (w.iocbFlags & c('IOCB_DSYNC')) !== 0n;

  // kiocb_invalidate_pages(): write back and invalidate the page cache over the range.
  if ((w.iocbFlags & c('IOCB_NOWAIT')) && pageCacheHasRange(w, pos0, len0)) {
    it.trace.model('iomap_dio_rw', 'IOCB_NOWAIT and cached pages in range', '-EAGAIN', 'kiocb_invalidate_pages(): filemap_range_has_page() → -EAGAIN under IOCB_NOWAIT');
    return EN('EAGAIN');
  }
  writeback(w, pos0, pos0 + len0 - 1n);
  if (w.scenario.env.invalidateFails && w.profile.invalidateErrorsToENOTBLK === 'warn-only') {
    it.trace.model('iomap_dio_rw', 'invalidate_inode_pages2_range() failed', 'warns, DIO goes on', 'fs/iomap/direct-io.c iomap_dio_rw() 5.3: dio_warn_stale_pagecache(); ret = 0 (the -ENOTBLK fallback came with 5.10, 60263d5889e6)');
  } else if (w.scenario.env.invalidateFails) {
    it.trace.model('iomap_dio_rw', 'invalidate_inode_pages2_range() failed', '-ENOTBLK', `${cite}: invalidation failure → -ENOTBLK (${w.profile.invalidateErrorsToENOTBLK === 'all-but-EAGAIN' ? '6.12 maps every error but -EAGAIN' : '6.1'}), caller falls back to buffered${atomic ? '; no atomic special case in this iomap' : ''}`);
    return EN('ENOTBLK');
  }

  // The iomap_iter() loop.
  const inodeV: Value = { k: 'obj', obj: w.objects.inode };
  let iomap: CObject | undefined;
  let iterPos = pos0;
  let iterLen = len0;
  let processed = 0n;
  let size = 0n;
  let dioUnwritten = false;
  let error = 0n;
  let ret = 1n;
  let iterations = 0;
  const lbs = BigInt(w.scenario.env.logicalBlockSize);
  const fsbs = BigInt(w.blockSize);
  for (;;) {
    if (++iterations > 10_000) {
      it.assume('iomap_dio_rw(): more than 10000 mappings; stopped');
      break;
    }
    if (iomap && toBigInt(iomap.get('length')) && endName) {
      const ilen = minBig(iterLen, toBigInt(iomap.get('offset')) + toBigInt(iomap.get('length')) - iterPos);
      const r = toBigInt(it.call(endName, [inodeV, int(iterPos, T.long), int(ilen, T.long), int(processed > 0n ? processed : 0n, T.long), int(iomapFlags, T.uint), { k: 'obj', obj: iomap }]));
      if (r < 0n && processed === 0n) {
        ret = r;
        break;
      }
    }
    if (iomap && toBigInt(iomap.get('length'))) {
      if (processed < 0n) {
        ret = processed;
        break;
      }
      if (processed === 0n) {
        ret = 0n;
        break;
      }
      iterPos += processed;
      iterLen -= processed;
      if (iterLen === 0n) {
        ret = 0n;
        break;
      }
    }
    processed = 0n;
    iomap = new PlainObject('iomap');
    const srcmap = new PlainObject('iomap');
    if (!beginName) {
      it.assume('iomap_dio_rw(): ops has no iomap_begin; -EIO');
      ret = -c('EIO');
      break;
    }
    if (w.profile.iomapReference && beginName === 'ext4_iomap_begin') era53IomapOrphan(ctx, iterPos + iterLen);
    const r = toBigInt(it.call(beginName, [inodeV, int(iterPos, T.long), int(iterLen, T.long), int(iomapFlags, T.uint), { k: 'obj', obj: iomap }, { k: 'obj', obj: srcmap }]));
    if (r < 0n) {
      ret = r;
      break;
    }
    // iomap_dio_iter(): one mapping.
    const type = toBigInt(iomap.get('type'));
    const typeName = iomapTypeName(ctx, type);
    const mapOff = toBigInt(iomap.get('offset'));
    const length = minBig(iterLen, mapOff + toBigInt(iomap.get('length')) - iterPos);
    if (type !== c('IOMAP_MAPPED') && type !== c('IOMAP_UNWRITTEN')) {
      it.trace.model('iomap_dio_iter', `${typeName} mapping for a write`, '-EIO', 'fs/iomap/direct-io.c iomap_dio_iter(): WARN_ON_ONCE for HOLE, -EIO for DELALLOC/INLINE on writes');
      // HOLE: `WARN_ON_ONCE(dio->flags & IOMAP_DIO_WRITE)`; an unknown type: `WARN_ON_ONCE(1)`.
      // DELALLOC only logs (dio_warn_stale_pagecache()), no WARN (fs/iomap/direct-io.c 6.1–7.2).
      if (type !== c('IOMAP_DELALLOC') && type !== c('IOMAP_INLINE')) {
        w.emit({ e: 'warn', text: type === c('IOMAP_HOLE') ? 'WARN_ON_ONCE(dio->flags & IOMAP_DIO_WRITE)' : 'WARN_ON_ONCE(1)', where: 'fs/iomap/direct-io.c', fn: 'iomap_dio_iter' });
      }
      processed = -c('EIO');
      continue;
    }
    const align = BigInt(4096 + w.scenario.request.bufOffset);
    if (((iterPos | length | align) & (lbs - 1n)) !== 0n) {
      it.trace.model('iomap_dio_bio_iter', `pos ${iterPos} len ${length} buffer +${w.scenario.request.bufOffset} vs logical block ${lbs}`, '-EINVAL', 'fs/iomap/direct-io.c iomap_dio_bio_iter(): misaligned to the device logical block size → -EINVAL');
      processed = -c('EINVAL');
      continue;
    }
    const isNew = (toBigInt(iomap.get('flags')) & c('IOMAP_F_NEW')) !== 0n;
    const unwritten = type === c('IOMAP_UNWRITTEN');
    if (unwritten) dioUnwritten = true;
    const needZero = unwritten || isNew;
    const endByte = iterPos + length;
    const zeroPartial = (needZero && ((iterPos & (fsbs - 1n)) !== 0n || (endByte & (fsbs - 1n)) !== 0n)) || (endByte >= w.iSize && (endByte & (fsbs - 1n)) !== 0n);
    let copied = length;
    if (w.scenario.env.shortWrite && size + copied > fsbs) copied = size >= fsbs ? 0n : fsbs - size;
    w.emit({ e: 'iomap', type: typeName, offset: Number(mapOff), length: Number(toBigInt(iomap.get('length'))), zeroPartial });
    it.trace.model(
      'iomap_dio_bio_iter',
      `${typeName}${isNew ? '|IOMAP_F_NEW' : ''} [${iterPos}, +${length})${unwritten ? ': dio->flags |= IOMAP_DIO_UNWRITTEN' : ''}${zeroPartial ? '; zeroes partial fs blocks' : ''}`,
      `${copied} bytes submitted`,
      'fs/iomap/direct-io.c iomap_dio_bio_iter(): IOMAP_UNWRITTEN sets IOMAP_DIO_UNWRITTEN; UNWRITTEN or F_NEW need sub-block zeroing',
    );
    for (let b = Number(iterPos >> BigInt(w.blkbits)); copied > 0n && b <= Number((iterPos + copied - 1n) >> BigInt(w.blkbits)); b++) w.dioWritten.add(b);
    w.iterCount -= copied;
    size += copied;
    processed = copied;
  }
  let result = ret;
  let wait = waitForCompletion;
  if (result === -c('ENOTBLK')) {
    // "magic error code to fall back to buffered I/O": return what was done so far.
    wait = true;
    result = 0n;
    it.trace.model('iomap_dio_rw', 'iomap_iter() returned -ENOTBLK', `short DIO: ${size} of ${len0} bytes`, `${cite}: -ENOTBLK → wait_for_completion, ret 0`);
  }
  if (result < 0n) error = result;
  w.emit({ e: 'may-sleep', what: 'DIO submission', context: w.context });

  const complete = (): bigint => {
    // iomap_dio_complete(): ->end_io before ki_pos moves.
    let r = error;
    if (endIoName) {
      const flags = dioUnwritten ? c('IOMAP_DIO_UNWRITTEN') : 0n;
      w.emit({ e: 'end_io', flags: dioUnwritten ? ['IOMAP_DIO_UNWRITTEN'] : [], size: Number(size), context: w.context, lock: w.lock });
      r = toBigInt(it.call(endIoName, [{ k: 'obj', obj: w.objects.iocb }, int(size, T.long), int(error, T.int), int(flags, T.uint)]));
    }
    if (r === 0n) r = size;
    if (r > 0n) {
      w.pos += r;
      if (needSync) {
        writeback(w, w.pos - r, w.pos - 1n);
        w.emit({ e: 'may-sleep', what: 'generic_write_sync', context: w.context });
        w.emit({ e: 'sync' });
      }
    }
    return r;
  };

  if (size === 0n || wait) {
    if (size > 0n && aio && forceWait) it.trace.model('iomap_dio_rw', 'IOMAP_DIO_FORCE_WAIT on an AIO', 'waits for completion', `${cite}: wait_for_completion = is_sync_kiocb || FORCE_WAIT`);
    const r = complete();
    w.emit({ e: 'dio-done', bytes: Number(size), queued: false, ret: it.showValue(int(r, T.long)) });
    return int(r, T.long);
  }
  // AIO without FORCE_WAIT: completion runs later on the s_dio_done_wq workqueue.
  w.emit({ e: 'dio-done', bytes: Number(size), queued: true, ret: '-EIOCBQUEUED' });
  it.assume('AIO: bios are still in flight when submission ends, so completion is deferred to the DIO workqueue (the kernel completes inline only if every bio finished first)');
  w.pending.push(() => {
    const saved = w.context;
    w.context = 'workqueue';
    it.trace.model('iomap_dio_complete_work', 'AIO completion on s_dio_done_wq', undefined, 'fs/iomap/direct-io.c iomap_dio_bio_end_io() → queue_work(s_dio_done_wq) → iomap_dio_complete()');
    const r = complete();
    w.completionRet = r;
    w.context = saved;
  });
  return EN('EIOCBQUEUED');
}

/**
 * The part of 5.3's ext4_iomap_begin() the 6.1 reference lacks (the 2019 series kept it
 * as context no hunk shows): in the handle that allocates for IOMAP_WRITE (not
 * IOMAP_FAULT), blocks past i_size put the inode on the orphan list (`first_block +
 * map.m_len > (i_size + blocksize - 1) >> blkbits` → ext4_orphan_add()), so a crash before
 * i_size is raised truncates them. jbd2 commits the allocation and the orphan entry
 * together; it is modelled as done just before ->iomap_begin, for a request ending past
 * i_size (`end`, bytes). 5.5 moved this to ext4_dio_write_iter(), where 6.1 has it.
 */
function era53IomapOrphan(ctx: ModelCtx, end: bigint): void {
  const { w, it } = ctx;
  const bits = BigInt(w.blkbits);
  const lastBlock = (end + BigInt(w.blockSize) - 1n) >> bits;
  const sizeBlocks = (w.iSize + BigInt(w.blockSize) - 1n) >> bits;
  if (lastBlock <= sizeBlocks || w.onOrphan) return;
  it.trace.model('ext4_iomap_begin', `IOMAP_WRITE ending at block ${lastBlock}, past i_size (${sizeBlocks} blocks)`, 'ext4_orphan_add()', 'fs/ext4/inode.c ext4_iomap_begin() 5.3, IOMAP_WRITE branch: blocks beyond i_size → ext4_orphan_add() (not in the 6.1 reference, which does it in ext4_dio_write_iter())');
  it.call('ext4_orphan_add', [NULL, { k: 'obj', obj: w.objects.inode }]);
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** dax_iomap_rw(iocb, iter, ops): fs/dax.c 6.1/6.12 — copies through ->iomap_begin(IOMAP_WRITE|IOMAP_DAX). */
function daxIomapRw(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const c = w.c;
  const ops = args[2];
  const beginName = fnField(ops, 'iomap_begin');
  const endName = fnField(ops, 'iomap_end');
  const count = w.iterCount;
  if (count === 0n || !beginName) return int(0, T.long);
  const iomap = new PlainObject('iomap');
  const flags = c('IOMAP_WRITE') | c('IOMAP_DAX');
  const inodeV: Value = { k: 'obj', obj: w.objects.inode };
  const r = toBigInt(it.call(beginName, [inodeV, int(w.pos, T.long), int(count, T.long), int(flags, T.uint), { k: 'obj', obj: iomap }, { k: 'obj', obj: new PlainObject('iomap') }]));
  if (r < 0n) return int(r, T.long);
  if (endName) it.call(endName, [inodeV, int(w.pos, T.long), int(count, T.long), int(count, T.long), int(flags, T.uint), { k: 'obj', obj: iomap }]);
  w.emit({ e: 'dax', bytes: Number(count), lock: w.lock });
  w.pos += count;
  w.iterCount = 0n;
  it.trace.model('dax_iomap_rw', `DAX copy of ${count} bytes`, `${count}`, 'fs/dax.c dax_iomap_rw() → dax_iomap_iter()');
  return int(count, T.long);
}

export const IOMAP: Registry = {
  iomap_dio_rw: m('fs/iomap/direct-io.c iomap_dio_rw() 6.1/6.12 (see iomapDioRw)', iomapDioRw),
  dax_iomap_rw: m('fs/dax.c dax_iomap_rw() 6.1/6.12', daxIomapRw),
  kiocb_invalidate_post_direct_write: { kind: 'boundary', cite: 'mm/filemap.c kiocb_invalidate_post_direct_write(): drops pages cached during the DIO; page-cache state, no block state change', run: () => NULL },
  sb_init_dio_done_wq: m('fs/direct-io.c sb_init_dio_done_wq(): creates s_dio_done_wq; always succeeds here', () => int(0, T.int)),
};

