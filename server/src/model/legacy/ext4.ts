import { FALSE, int, NULL, PlainObject, T, toBigInt, TRUE, Value, VOID } from '../../interp/values';
import { PSEUDO_SITE } from '../../interp/interpreter';
import { EXT4 } from '../ext4';
import type { ModelCtx, ModelFn, Registry } from '../registry';
import { bhHas } from './bufferHead';
import { acquire, release, runPending } from '../locking';

/**
 * ext4 of the legacy DIO eras, for the functions a patch under review does not contain
 * whole (there is no 2.6.31 or 4.6 tree to interpret). Each is a `model`: when the
 * patch's document holds the function complete, its C runs instead. Every function
 * names the version and source it follows; where a patch adds a function the document
 * cuts short, the review says so (review/review.ts `closingFor`).
 *
 * Block state goes through the same extent-map model as the iomap profiles
 * (`ext4_map_blocks`, model/ext4.ts); the legacy `get_block` interface around it maps a
 * `buffer_head` (legacy/bufferHead.ts).
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });
const boundary = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'boundary', cite, run: (ctx, args) => run(ctx, args) });
const obj = (o: import('../../interp/values').CObject): Value => ({ k: 'obj', obj: o });

/**
 * Block mapping for a get_block callback: look up or allocate `maxBlocks` fs blocks at
 * `lblk` through the extent-map model and map `bh` from the result (`_ext4_get_block()`:
 * b_state |= m_flags, b_size = m_len << blkbits). Returns the blocks mapped, 0 for a hole,
 * or -errno.
 *
 * Flags are the era's EXT4_GET_BLOCKS_* bits. 2.6.31: CREATE 0x1, UNINIT_EXT 0x2 (the
 * later UNWRIT_EXT). The 0x10 bit of seed 003's `EXT4_GET_BLOCKS_DIO_CREATE_EXT` (0x11) is
 * read as that series describes it and 2.6.32 merged it (`EXT4_GET_BLOCKS_DIO`): allocate
 * holes as uninitialized extents and keep fallocated ones uninitialized while mapping
 * them for the IO (ext4_ext_get_blocks() 2.6.32, `flags & EXT4_GET_BLOCKS_DIO`).
 */
export function getBlocks(ctx: ModelCtx, lblk: bigint, maxBlocks: bigint, bh: Value, flags: bigint): bigint {
  const { w, it } = ctx;
  const c = w.c;
  let f = flags;
  const dioBit = w.profile.id === '2.6.31' && (flags & 0x10n) !== 0n;
  if (dioBit) f = c('EXT4_GET_BLOCKS_CREATE') | c('EXT4_GET_BLOCKS_UNWRIT_EXT');
  const map = new PlainObject('ext4_map_blocks', { m_lblk: int(lblk, T.uint), m_len: int(maxBlocks, T.uint) });
  const r = toBigInt((EXT4.ext4_map_blocks as ModelFn).run(ctx, [NULL, obj(w.objects.inode), obj(map), int(f, T.int)], PSEUDO_SITE));
  if (dioBit) it.trace.model('ext4_get_blocks', `flags 0x${flags.toString(16)} (the series' EXT4_GET_BLOCKS_DIO bit)`, 'uninitialized extents for the DIO', '2.6.32 ext4_ext_get_blocks(): EXT4_GET_BLOCKS_DIO allocates/keeps uninitialized extents (seed 003 item 1 and 3)');
  if (r > 0n && bh.k === 'obj') {
    const mflags = toBigInt(map.get('m_flags'));
    if (w.profile.legacy?.mapMarksInodeAio && (f & c('EXT4_GET_BLOCKS_PRE_IO')) && (mflags & c('EXT4_MAP_UNWRITTEN'))) markInodeAio(ctx);
    bh.obj.set('b_state', int(toBigInt(bh.obj.get('b_state')) | mflags, T.ulong));
    bh.obj.set('b_size', int(toBigInt(map.get('m_len')) << BigInt(w.blkbits), T.ulong));
    bh.obj.set('b_blocknr', map.get('m_pblk'));
    if (w.events.some((e) => e.e === 'dio-start') && (mflags & c('EXT4_MAP_UNWRITTEN')) && (mflags & c('EXT4_MAP_MAPPED'))) {
      w.emit({ e: 'dio-unwritten', how: 'get_block mapped an unwritten extent' });
    }
  }
  return r;
}

/** A `get_block_t` that maps through getBlocks() with `flags`, in its own handle when `handle`. */
function getBlockWith(ctx: ModelCtx, a: Value[], flags: bigint, handle: boolean): Value {
  const { w, it } = ctx;
  const bh = a[2];
  const max = bh?.k === 'obj' ? toBigInt(bh.obj.get('b_size')) >> BigInt(w.blkbits) : 1n;
  if (handle) it.call('ext4_journal_start', [obj(w.objects.inode), int(8)]);
  const r = getBlocks(ctx, toBigInt(a[1]), max > 0n ? max : 1n, bh, flags);
  if (handle) it.call('ext4_journal_stop', [NULL]);
  return int(r > 0n ? 0n : r, T.int);
}

/**
 * 2.6.31 ext4_direct_IO() (inode.c), the one ->direct_IO for every ext4 file: an
 * extending write puts the inode on the orphan list first (so recovery truncates blocks
 * allocated past the old size), DIO goes through ext4_get_block with DIO_LOCKING (holes
 * inside i_size end the DIO: the VFS falls back to buffered), and the orphan entry is
 * removed and i_disksize raised afterwards. Seed 003 renames it ext4_ind_direct_IO().
 */
function indDirectIo(ctx: ModelCtx, a: Value[], name: string): Value {
  const { w, it } = ctx;
  const c = w.c;
  const pos = w.pos;
  const final = pos + w.iterCount;
  const getBlock = w.profile.id === '2.6.31' ? 'ext4_get_block' : 'ext4_dio_get_block';
  let orphan = false;
  if (final > w.iSize) {
    it.call('ext4_journal_start', [obj(w.objects.inode), int(8)]);
    it.call('ext4_orphan_add', [NULL, obj(w.objects.inode)]);
    orphan = true;
    w.iDisksize = w.iSize;
    it.call('ext4_journal_stop', [NULL]);
  }
  const args: Value[] = w.profile.id === '2.6.31'
    ? [int(c('WRITE')), obj(w.objects.iocb), obj(w.objects.inode), NULL, obj(w.objects.iter), int(pos, T.long), int(1), { k: 'fn', name: getBlock }, NULL]
    : [obj(w.objects.iocb), obj(w.objects.inode), obj(w.objects.iter), int(pos, T.long), { k: 'fn', name: getBlock }];
  const ret = toBigInt(it.call('blockdev_direct_IO', args));
  if (orphan) {
    it.call('ext4_journal_start', [obj(w.objects.inode), int(2)]);
    it.call('ext4_orphan_del', [NULL, obj(w.objects.inode)]);
    if (ret > 0n && pos + ret > w.iSize) {
      w.iDisksize = pos + ret;
      w.iSize = pos + ret;
      w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
    }
    it.call('ext4_journal_stop', [NULL]);
  }
  it.trace.model(name, `${name}(): ${orphan ? 'extending: orphan add/del around ' : ''}blockdev_direct_IO(${getBlock})`, it.showValue(int(ret, T.long)), name === 'ext4_direct_IO' ? 'fs/ext4/inode.c ext4_direct_IO() 2.6.31' : `fs/ext4/${w.profile.id === '2.6.31' ? 'inode.c' : 'indirect.c'} ext4_ind_direct_IO() ${w.profile.id}`);
  return int(ret, T.long);
}

/** The 2.6.31 ext4 functions. */
const V2631: Registry = {
  ext4_file_write: m('fs/ext4/file.c ext4_file_write() 2.6.31: the s_bitmap_maxbytes check for block-mapped files (never hit by the scenarios), then generic_file_aio_write()', (ctx, a) => ctx.it.call('generic_file_aio_write', a)),
  ext4_direct_IO: m(
    'fs/ext4/inode.c ext4_direct_IO() 2.6.31; with an ext4_ext_direct_IO() in the image (seed 003 adds it) the dispatcher the series adds and 2.6.32 merged: extent-mapped files go to ext4_ext_direct_IO(), others to ext4_ind_direct_IO()',
    (ctx, a) => {
      const { w, it } = ctx;
      if (w.mapping === 'extents' && it.image.lookupFunction('ext4_ext_direct_IO')) {
        it.assume('ext4_direct_IO(): the dispatcher is not in the document; modelled as the series adds it and 2.6.32 merged it (EXT4_EXTENTS_FL → ext4_ext_direct_IO(), else ext4_ind_direct_IO())');
        return it.call('ext4_ext_direct_IO', a);
      }
      if (it.image.lookupFunction('ext4_ind_direct_IO')) return it.call('ext4_ind_direct_IO', a);
      return indDirectIo(ctx, a, 'ext4_direct_IO');
    },
  ),
  ext4_ind_direct_IO: m('fs/ext4/inode.c ext4_direct_IO() 2.6.31, renamed ext4_ind_direct_IO() by seed 003 (see indDirectIo)', (ctx, a) => indDirectIo(ctx, a, 'ext4_ind_direct_IO')),
  ext4_get_block: m('fs/ext4/inode.c ext4_get_block() 2.6.31: ext4_get_blocks(…, create ? EXT4_GET_BLOCKS_CREATE : 0) in a handle of its own when creating; b_size = blocks << blkbits', (ctx, a) => {
    const create = toBigInt(a[3] ?? int(0)) !== 0n;
    return getBlockWith(ctx, a, create ? ctx.w.c('EXT4_GET_BLOCKS_CREATE') : 0n, create);
  }),
  ext4_get_blocks: boundary('fs/ext4/inode.c ext4_get_blocks(handle, inode, block, max_blocks, bh, flags) 2.6.31 → ext4_ext_get_blocks()/ext4_ind_get_blocks() (see getBlocks)', (ctx, a) => {
    return int(getBlocks(ctx, toBigInt(a[2]), toBigInt(a[3]), a[4], toBigInt(a[5] ?? int(0))), T.int);
  }),
  ext4_convert_unwritten_extents: boundary(
    'fs/ext4/extents.c ext4_convert_unwritten_extents(inode, offset, len) as seed 003 adds it: uninitialized → initialized over the byte range, and i_disksize raised to the end of the range ("update disk size when write to end of file", the series\' item 2)',
    (ctx, a) => {
      const { w } = ctx;
      const off = toBigInt(a[a.length - 2]);
      const len = toBigInt(a[a.length - 1]);
      const r = (EXT4.ext4_convert_unwritten_extents as ModelFn).run(ctx, [NULL, obj(w.objects.inode), int(off, T.long), int(len, T.long)], PSEUDO_SITE);
      if (off + len > w.iDisksize) {
        w.iDisksize = off + len;
        w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
      }
      return r;
    },
  ),
  ext4_journal_current_handle: m('fs/ext4/ext4_jbd2.h ext4_journal_current_handle(): no handle is running at get_block time in the DIO path', () => NULL),
};


/** The io_end pointer 4.6 keeps in the inode (`EXT4_I(inode)->cur_aio_dio`), or NULL. */
function inodeAio(ctx: ModelCtx): Value {
  return ctx.w.objects.ei.get('cur_aio_dio');
}

/**
 * 4.6 ext4_ext_map_blocks() / ext4_ext_handle_unwritten_extents() with PRE_IO, for an
 * unwritten result: `io = ext4_inode_aio(inode); if (io) ext4_set_io_unwritten_flag(inode,
 * io); else ext4_set_inode_state(inode, EXT4_STATE_DIO_UNWRITTEN);`.
 */
function markInodeAio(ctx: ModelCtx): void {
  const io = inodeAio(ctx);
  if (io.k === 'obj') setIoUnwritten(ctx, io);
  else {
    ctx.w.stateBits.add(ctx.w.c('EXT4_STATE_DIO_UNWRITTEN'));
    ctx.it.trace.model('ext4_ext_map_blocks', 'PRE_IO returned an unwritten extent and no io_end is stored in the inode', 'EXT4_STATE_DIO_UNWRITTEN', 'fs/ext4/extents.c ext4_ext_map_blocks() 4.6');
  }
}

/** ext4_set_io_unwritten_flag() (fs/ext4/ext4.h 4.6/4.7): io_end->flag |= EXT4_IO_END_UNWRITTEN (and i_unwritten++). */
function setIoUnwritten(ctx: ModelCtx, io: Value): void {
  if (io.k !== 'obj') return;
  const f = toBigInt(io.obj.get('flag'));
  if (f & ctx.w.c('EXT4_IO_END_UNWRITTEN')) return;
  io.obj.set('flag', int(f | ctx.w.c('EXT4_IO_END_UNWRITTEN'), T.uint));
  ctx.w.emit({ e: 'dio-unwritten', how: 'io_end flagged EXT4_IO_END_UNWRITTEN' });
}

/** ext4_init_io_end() (fs/ext4/page-io.c 4.6/4.7): a new io_end with one reference. */
function initIoEnd(ctx: ModelCtx): Value {
  ctx.w.emit({ e: 'io_end', op: 'alloc' });
  ctx.it.trace.model('ext4_init_io_end', 'io_end allocated', 'io_end', 'fs/ext4/page-io.c ext4_init_io_end() 4.6/4.7');
  return obj(new PlainObject('ext4_io_end', { inode: obj(ctx.w.objects.inode), flag: int(0, T.uint), size: int(0, T.long), offset: int(0, T.long) }));
}

/**
 * ext4_put_io_end() (fs/ext4/page-io.c 4.6/4.7) on the last reference: an io_end flagged
 * unwritten with a size converts [offset, offset + size) (ext4_convert_unwritten_extents()
 * in the completing context), otherwise it is just released.
 */
function putIoEnd(ctx: ModelCtx, io: Value): void {
  if (io.k !== 'obj') return;
  const size = toBigInt(io.obj.get('size'));
  if ((toBigInt(io.obj.get('flag')) & ctx.w.c('EXT4_IO_END_UNWRITTEN')) && size > 0n) {
    ctx.it.call('ext4_convert_unwritten_extents', [NULL, obj(ctx.w.objects.inode), io.obj.get('offset'), int(size, T.long)]);
  }
}

/**
 * `iocb->private = &overwrite` (ext4_file_write_iter() 4.6–5.4): the flag ext4's
 * ->direct_IO reads to know a dioread_nolock overwrite was detected under the lock.
 */
function setOverwriteFlag(ctx: ModelCtx, overwrite: bigint): void {
  let ov = overwrite;
  ctx.w.objects.iocb.set('private', { k: 'ref', ref: { name: 'overwrite', get: () => int(ov, T.int), set: (v: Value) => { ov = toBigInt(v); } } });
}

/**
 * After a synchronous DIO that met unwritten extents (EXT4_STATE_DIO_UNWRITTEN, set by
 * the get_block callback): convert [pos, pos + ret) in process context and clear the
 * state (ext4_ext_direct_IO() 4.6 / ext4_direct_IO_write() 4.7–5.4). Returns `ret`, or
 * the conversion's -errno.
 */
function convertSyncUnwritten(ctx: ModelCtx, fn: string, pos: bigint, ret: bigint, cite: string): bigint {
  const { w, it } = ctx;
  const state = w.c('EXT4_STATE_DIO_UNWRITTEN');
  if (!w.stateBits.has(state)) return ret;
  it.trace.model(fn, 'EXT4_STATE_DIO_UNWRITTEN: convert after __blockdev_direct_IO() returned', undefined, `${cite}: a synchronous DIO has completed by now, so it converts in place instead of through an io_end`);
  const r = toBigInt(it.call('ext4_convert_unwritten_extents', [NULL, obj(w.objects.inode), int(pos, T.long), int(ret, T.long)]));
  w.stateBits.delete(state);
  return r < 0n ? r : ret;
}

/** Does the image hold the get_block callbacks seed 004 adds (its post-image)? Then 4.7's dispatch applies. */
function patched47(ctx: ModelCtx): boolean {
  return !!(ctx.it.image.lookupFunction('ext4_dio_get_block_unwritten_sync') || ctx.it.image.lookupFunction('ext4_dio_get_block_unwritten_async'));
}

/**
 * ext4_ext_direct_IO() for writes (fs/ext4/inode.c 4.6, and 4.7 after "ext4: simplify
 * io_end handling for AIO DIO"):
 * - extending writes take the old path, ext4_ind_direct_IO() (orphan list);
 * - a dioread_nolock overwrite (`*iocb->private`, set by ext4_file_write_iter()) drops the
 *   inode lock around the IO and maps with ext4_dio_get_block_overwrite();
 * - otherwise DIO_LOCKING with unwritten extents for holes. 4.6: an AIO gets an io_end up
 *   front, stored in iocb->private and in the inode (ext4_inode_aio_set()), and
 *   ext4_dio_get_block_unwritten() maps. 4.7: ext4_dio_get_block_unwritten_sync() for
 *   synchronous IO, ext4_dio_get_block_unwritten_async() (which allocates the io_end
 *   only for an unwritten extent and passes it in b_private) for AIO.
 * - a synchronous DIO that met unwritten extents (EXT4_STATE_DIO_UNWRITTEN) converts them
 *   here, after __blockdev_direct_IO() returned, in process context.
 * The 4.7 dispatch is used when the image holds seed 004's new callbacks (their hunks
 * show it; the function itself is split over hunks with lines missing between them).
 */
function extDirectIo(ctx: ModelCtx, a: Value[]): Value {
  const { w, it } = ctx;
  const c = w.c;
  const pos = w.pos;
  const count = w.iterCount;
  if (pos + count > w.iSize) return it.call('ext4_ind_direct_IO', a);
  it.call('inode_dio_begin', [obj(w.objects.inode)]);
  const ov = w.objects.iocb.get('private');
  const overwrite = ov.k === 'ref' ? toBigInt(ov.ref.get()) !== 0n : false;
  const cite = 'fs/ext4/inode.c ext4_ext_direct_IO() 4.6/4.7';
  if (overwrite) release(ctx, 'exclusive', `${cite}: dioread_nolock overwrite: inode_unlock() around the IO`);
  w.objects.iocb.set('private', NULL);
  const four7 = patched47(ctx);
  let getBlock: string;
  let dioFlags = 0n;
  let ioEnd: Value = NULL;
  if (overwrite) getBlock = 'ext4_dio_get_block_overwrite';
  else if (four7) {
    it.assume('ext4_ext_direct_IO(): lines are missing between its hunks; its 4.7 dispatch (sync → ext4_dio_get_block_unwritten_sync, AIO → ext4_dio_get_block_unwritten_async, DIO_LOCKING, no io_end up front) is modelled from the hunk @@ -3332,30 +3374,13 @@');
    getBlock = !w.scenario.request.aio ? 'ext4_dio_get_block_unwritten_sync' : 'ext4_dio_get_block_unwritten_async';
    dioFlags = c('DIO_LOCKING');
  } else {
    w.objects.ei.set('cur_aio_dio', NULL);
    if (w.scenario.request.aio) {
      ioEnd = initIoEnd(ctx);
      w.objects.iocb.set('private', ioEnd);
      w.objects.ei.set('cur_aio_dio', ioEnd);
    }
    getBlock = 'ext4_dio_get_block_unwritten';
    dioFlags = c('DIO_LOCKING');
  }
  it.trace.model('ext4_ext_direct_IO', `${overwrite ? 'overwrite' : w.scenario.request.aio ? 'AIO' : 'sync'} DIO: get_block ${getBlock}${ioEnd.k === 'obj' ? ', io_end allocated up front' : ''}`, undefined, `${cite}${four7 ? ' (4.7 dispatch)' : ''}`);
  let ret = toBigInt(it.call('__blockdev_direct_IO', [obj(w.objects.iocb), obj(w.objects.inode), NULL, obj(w.objects.iter), int(pos, T.long), { k: 'fn', name: getBlock }, { k: 'fn', name: 'ext4_end_io_dio' }, NULL, int(dioFlags, T.int)]));
  if (ioEnd.k === 'obj') w.objects.ei.set('cur_aio_dio', NULL);
  if (ret > 0n && !overwrite) ret = convertSyncUnwritten(ctx, 'ext4_ext_direct_IO', pos, ret, cite);
  it.call('inode_dio_end', [obj(w.objects.inode)]);
  if (overwrite) acquire(ctx, 'exclusive', `${cite}: inode_lock() again after the overwrite DIO`);
  return int(ret, T.long);
}

/**
 * ext4_file_write_iter() (fs/ext4/file.c 4.6): inode lock; generic_write_checks();
 * unaligned AIO serialised (ext4_aio_mutex + ext4_unwritten_wait(): waits for in-flight
 * unwritten conversions); the dioread_nolock overwrite test (aligned? no: no cached pages,
 * inside i_size, every block mapped written) handed down in iocb->private;
 * __generic_file_write_iter(); unlock; generic_write_sync().
 */
function fileWriteIter46(ctx: ModelCtx): Value {
  const { w, it } = ctx;
  const c = w.c;
  const cite = 'fs/ext4/file.c ext4_file_write_iter() 4.6';
  acquire(ctx, 'exclusive', `${cite}: inode_lock()`);
  if (w.iocbFlags & c('IOCB_APPEND')) w.pos = w.iSize;
  const direct = w.scenario.request.direct;
  const count = w.iterCount;
  const pos = w.pos;
  const bs = BigInt(w.blockSize);
  const unalignedAio = direct && w.scenario.request.aio && pos + count <= w.iSize && ((pos | count) & (bs - 1n)) !== 0n;
  if (unalignedAio) {
    w.emit({ e: 'wait', what: 'ext4_unwritten_wait' });
    it.trace.model('ext4_file_write_iter', 'unaligned AIO: ext4_aio_mutex + ext4_unwritten_wait()', 'serialised', `${cite}: ext4_unaligned_aio() (since 2.6.38 e9e3bcecf44c)`);
  }
  let overwrite = 0n;
  if (direct && !unalignedAio && w.scenario.mount.dioreadNolock && w.mapping === 'extents' && !w.journalData && !w.scenario.env.cachedPages && pos + count <= w.iSize) {
    const first = Number(pos >> BigInt(w.blkbits));
    const last = Number((pos + count - 1n) >> BigInt(w.blkbits));
    let all = true;
    w.charge(last - first + 1, 'ext4_file_write_iter');
    for (let b = first; b <= last; b++) if (w.blockAt(b) !== 'W') all = false;
    if (all) overwrite = 1n;
    it.trace.model('ext4_file_write_iter', `dioread_nolock overwrite test over blocks ${first}..${last}`, overwrite ? 'overwrite = 1' : 'overwrite = 0', `${cite}: ext4_should_dioread_nolock() && !nrpages && inside i_size && ext4_map_blocks() all MAPPED`);
  }
  setOverwriteFlag(ctx, overwrite);
  const ret = toBigInt(it.call('__generic_file_write_iter', [obj(w.objects.iocb), obj(w.objects.iter)]));
  release(ctx, 'exclusive', `${cite}: inode_unlock()`);
  if (ret > 0n) it.call('generic_write_sync', [obj(w.objects.file), int(ret, T.long)]);
  return int(ret, T.long);
}

/** The 4.6 ext4 functions (and the 4.7 ones seed 004 introduces, used when its C is not complete). */
const V46: Registry = {
  ext4_file_write_iter: m('fs/ext4/file.c ext4_file_write_iter() 4.6 (see fileWriteIter46)', (ctx) => fileWriteIter46(ctx)),
  ext4_direct_IO: m('fs/ext4/inode.c ext4_direct_IO() 4.6: data=journal and inline data return 0 (the VFS then writes buffered); extent files → ext4_ext_direct_IO(), others → ext4_ind_direct_IO()', (ctx, a) => {
    const { w, it } = ctx;
    if (w.journalData || w.flags.has('inline_data')) {
      it.trace.model('ext4_direct_IO', w.journalData ? 'ext4_should_journal_data()' : 'ext4_has_inline_data()', '0', 'fs/ext4/inode.c ext4_direct_IO() 4.6: return 0, buffered IO handles it');
      return int(0, T.long);
    }
    return it.call(w.mapping === 'extents' ? 'ext4_ext_direct_IO' : 'ext4_ind_direct_IO', a);
  }),
  ext4_ext_direct_IO: m('fs/ext4/inode.c ext4_ext_direct_IO() 4.6/4.7 (see extDirectIo)', extDirectIo),
  ext4_ind_direct_IO: m('fs/ext4/indirect.c ext4_ind_direct_IO() 4.6: orphan list for extending writes, blockdev_direct_IO(ext4_dio_get_block) (DIO_LOCKING|DIO_SKIP_HOLES)', (ctx, a) => indDirectIo(ctx, a, 'ext4_ind_direct_IO')),
  ext4_dio_get_block: m('fs/ext4/inode.c ext4_dio_get_block() 4.6: lookup without create, else ext4_get_block_trans(EXT4_GET_BLOCKS_CREATE)', (ctx, a) => {
    const create = toBigInt(a[3] ?? int(0)) !== 0n;
    return getBlockWith(ctx, a, create ? ctx.w.c('EXT4_GET_BLOCKS_CREATE') : 0n, create);
  }),
  _ext4_get_block: m('fs/ext4/inode.c _ext4_get_block() 4.6: ext4_map_blocks(ext4_journal_current_handle(), …) for b_size >> blkbits blocks, then map_bh and b_size', (ctx, a) => getBlockWith(ctx, a, toBigInt(a[3] ?? int(0)), false)),
  start_dio_trans: m('fs/ext4/inode.c start_dio_trans() 4.6: ext4_journal_start(inode, EXT4_HT_MAP_BLOCKS, credits for the mapping)', (ctx) => ctx.it.call('ext4_journal_start', [obj(ctx.w.objects.inode), int(8)])),
  ext4_dio_get_block_unwritten: m('fs/ext4/inode.c ext4_dio_get_block_unwritten() 4.6: in a handle, _ext4_get_block(EXT4_GET_BLOCKS_IO_CREATE_EXT); an unwritten result asks for deferred completion (the io_end, if any, was flagged by ext4_ext_map_blocks())', (ctx, a) => {
    const r = getBlockWith(ctx, a, ctx.w.c('EXT4_GET_BLOCKS_IO_CREATE_EXT'), true);
    if (toBigInt(r) === 0n && bhHas(ctx, a[2], 'UNWRITTEN') && a[2].k === 'obj') a[2].obj.set('defer_completion', TRUE);
    return r;
  }),
  ext4_dio_get_block_unwritten_async: m('fs/ext4/inode.c ext4_dio_get_block_unwritten_async() 4.7 (seed 004): as the 4.6 callback, and on an unwritten result an io_end is allocated once, stored in bh->b_private and flagged unwritten; completion deferred', (ctx, a) => {
    const r = getBlockWith(ctx, a, ctx.w.c('EXT4_GET_BLOCKS_IO_CREATE_EXT'), true);
    const bh = a[2];
    if (toBigInt(r) === 0n && bhHas(ctx, bh, 'UNWRITTEN') && bh.k === 'obj') {
      if (bh.obj.get('b_private').k !== 'obj') {
        const io = initIoEnd(ctx);
        bh.obj.set('b_private', io);
        setIoUnwritten(ctx, io);
      }
      bh.obj.set('defer_completion', TRUE);
    }
    return r;
  }),
  ext4_dio_get_block_unwritten_sync: m('fs/ext4/inode.c ext4_dio_get_block_unwritten_sync() 4.7 (seed 004): as the 4.6 callback, and an unwritten result sets EXT4_STATE_DIO_UNWRITTEN for ext4_ext_direct_IO() to convert', (ctx, a) => {
    const r = getBlockWith(ctx, a, ctx.w.c('EXT4_GET_BLOCKS_IO_CREATE_EXT'), true);
    if (toBigInt(r) === 0n && bhHas(ctx, a[2], 'UNWRITTEN')) ctx.w.stateBits.add(ctx.w.c('EXT4_STATE_DIO_UNWRITTEN'));
    return r;
  }),
  ext4_dio_get_block_overwrite: m('fs/ext4/inode.c ext4_dio_get_block_overwrite() 4.6/4.7: lookup only (_ext4_get_block(…, 0)); WARN if not mapped or unwritten', (ctx, a) => {
    const r = getBlockWith(ctx, a, 0n, false);
    if (!bhHas(ctx, a[2], 'MAPPED') || bhHas(ctx, a[2], 'UNWRITTEN')) ctx.w.emit({ e: 'warn', text: 'WARN_ON_ONCE(!buffer_mapped(bh) || buffer_unwritten(bh))', where: 'fs/ext4/inode.c', fn: 'ext4_dio_get_block_overwrite' });
    return r;
  }),
  ext4_end_io_dio: m('fs/ext4/inode.c ext4_end_io_dio() 4.6/4.7: the io_end (4.6: iocb->private; 4.7: the `private` argument, from b_private) gets offset and size and its reference is put, which converts unwritten extents in the completing context', (ctx, a) => {
    const io = a[3] && a[3].k === 'obj' ? a[3] : ctx.w.objects.iocb.get('private');
    if (io.k !== 'obj') return int(0, T.int);
    io.obj.set('offset', a[1] ?? int(0));
    io.obj.set('size', a[2] ?? int(0));
    ctx.w.objects.iocb.set('private', NULL);
    putIoEnd(ctx, io);
    return int(0, T.int);
  }),
  ext4_init_io_end: m('fs/ext4/page-io.c ext4_init_io_end() 4.6/4.7', (ctx) => initIoEnd(ctx)),
  ext4_get_io_end: m('fs/ext4/page-io.c ext4_get_io_end(): a reference', (_ctx, a) => a[0] ?? NULL),
  ext4_put_io_end: m('fs/ext4/page-io.c ext4_put_io_end() 4.6/4.7 (see putIoEnd)', (ctx, a) => {
    putIoEnd(ctx, a[0] ?? NULL);
    return int(0, T.int);
  }),
  ext4_set_io_unwritten_flag: m('fs/ext4/ext4.h ext4_set_io_unwritten_flag() 4.6/4.7', (ctx, a) => {
    setIoUnwritten(ctx, a[1] ?? NULL);
    return VOID;
  }),
  ext4_inode_aio: m('fs/ext4/ext4.h ext4_inode_aio() 4.6: EXT4_I(inode)->cur_aio_dio', (ctx) => inodeAio(ctx)),
  ext4_inode_aio_set: m('fs/ext4/ext4.h ext4_inode_aio_set() 4.6', (ctx, a) => {
    ctx.w.objects.ei.set('cur_aio_dio', a[1] ?? NULL);
    return VOID;
  }),
  ext4_journal_current_handle: m('fs/ext4/ext4_jbd2.h ext4_journal_current_handle(): no handle is running at get_block time in the DIO path', () => NULL),
};

/**
 * ext4_file_write_iter() (fs/ext4/file.c 5.3), for a patch that does not hold it:
 * buffered IOCB_NOWAIT → -EOPNOTSUPP; inode_trylock() (IOCB_NOWAIT → -EAGAIN) else
 * inode_lock(); ext4_write_checks(); unaligned AIO on an extent file waits in
 * ext4_unwritten_wait(); a DIO that ext4_overwrite_io() finds all written and
 * ext4_should_dioread_nolock() allows is an overwrite (`*iocb->private`), a DIO that is
 * not one is -EAGAIN under IOCB_NOWAIT; __generic_file_write_iter(); an unaligned AIO
 * that was queued waits again; inode_unlock(); generic_write_sync().
 */
function fileWriteIter53(ctx: ModelCtx): Value {
  const { w, it } = ctx;
  const c = w.c;
  const cite = 'fs/ext4/file.c ext4_file_write_iter() 5.3';
  const inode = obj(w.objects.inode);
  const iocb = obj(w.objects.iocb);
  const iter = obj(w.objects.iter);
  const direct = (w.iocbFlags & c('IOCB_DIRECT')) !== 0n;
  const nowait = (w.iocbFlags & c('IOCB_NOWAIT')) !== 0n;
  const EN = (n: string) => int(-c(n), T.long);
  if (!direct && nowait) {
    it.trace.model('ext4_file_write_iter', 'buffered IOCB_NOWAIT', '-EOPNOTSUPP', `${cite}: !o_direct && IOCB_NOWAIT`);
    return EN('EOPNOTSUPP');
  }
  if (toBigInt(it.call('inode_trylock', [inode])) === 0n) {
    if (nowait) return EN('EAGAIN');
    it.call('inode_lock', [inode]);
  }
  const unlock = (r: Value): Value => {
    it.call('inode_unlock', [inode]);
    return r;
  };
  let ret = toBigInt(it.call('ext4_write_checks', [iocb, iter]));
  if (ret <= 0n) return unlock(int(ret, T.long));
  const unaligned = direct && w.mapping === 'extents' && w.scenario.request.aio && toBigInt(it.call('ext4_unaligned_aio', [inode, iter, int(w.pos, T.long)])) !== 0n;
  if (unaligned) it.call('ext4_unwritten_wait', [inode]);
  let overwrite = 0n;
  if (direct && !unaligned) {
    if (toBigInt(it.call('ext4_overwrite_io', [inode, int(w.pos, T.long), int(w.iterCount, T.ulong)])) !== 0n) {
      if (toBigInt(it.call('ext4_should_dioread_nolock', [inode])) !== 0n) overwrite = 1n;
    } else if (nowait) return unlock(EN('EAGAIN'));
  }
  it.trace.model('ext4_file_write_iter', `${direct ? `DIO${unaligned ? ', unaligned AIO' : ''}` : 'buffered'}`, `overwrite = ${overwrite}`, cite);
  setOverwriteFlag(ctx, overwrite);
  ret = toBigInt(it.call('__generic_file_write_iter', [iocb, iter]));
  if (ret === -c('EIOCBQUEUED') && unaligned) it.call('ext4_unwritten_wait', [inode]);
  it.call('inode_unlock', [inode]);
  if (ret > 0n) it.call('generic_write_sync', [iocb, int(ret, T.long)]);
  return int(ret, T.long);
}

/**
 * ext4_direct_IO_write() (fs/ext4/inode.c 4.7–5.4; as in 5.3):
 * - a write ending past i_size or i_disksize puts the inode on the orphan list and sets
 *   i_disksize = i_size first, in a handle of its own;
 * - inode_dio_begin(); a dioread_nolock overwrite (`*iocb->private`) drops i_rwsem around
 *   the IO and maps with ext4_dio_get_block_overwrite();
 * - an indirect-mapped file, or a write starting at or past i_size, maps with
 *   ext4_dio_get_block() and DIO_LOCKING | DIO_SKIP_HOLES (a hole inside i_size ends the
 *   DIO: the VFS writes the rest buffered); an extent file inside i_size maps holes as
 *   unwritten with ext4_dio_get_block_unwritten_sync() (sync) or _async() (AIO), DIO_LOCKING;
 * - a DIO that met unwritten extents synchronously (EXT4_STATE_DIO_UNWRITTEN) converts
 *   them after __blockdev_direct_IO() returns, in process context;
 * - inode_dio_end(); i_rwsem taken again after an overwrite; a failed extending write
 *   truncates; the orphan entry is removed and i_size/i_disksize raised to the end written.
 */
function directIoWrite53(ctx: ModelCtx): Value {
  const { w, it } = ctx;
  const c = w.c;
  const cite = 'fs/ext4/inode.c ext4_direct_IO_write() 5.3';
  const inode = obj(w.objects.inode);
  const pos = w.pos;
  const count = w.iterCount;
  const final = pos + count;
  let orphan = false;
  if (final > w.iSize || final > w.iDisksize) {
    it.call('ext4_journal_start', [inode, int(2)]);
    it.call('ext4_orphan_add', [NULL, inode]);
    orphan = true;
    it.call('ext4_update_i_disksize', [inode, int(w.iSize, T.long)]);
    it.call('ext4_journal_stop', [NULL]);
  }
  it.call('inode_dio_begin', [inode]);
  const ov = w.objects.iocb.get('private');
  const overwrite = ov.k === 'ref' ? toBigInt(ov.ref.get()) !== 0n : false;
  if (overwrite) release(ctx, 'exclusive', `${cite}: overwrite DIO: inode_unlock() around the IO`);
  w.objects.iocb.set('private', NULL);
  const bs = BigInt(w.blockSize);
  let getBlock: string;
  let dioFlags = c('DIO_LOCKING');
  if (overwrite) {
    getBlock = 'ext4_dio_get_block_overwrite';
    dioFlags = 0n;
  } else if (w.mapping !== 'extents' || (pos / bs) * bs >= w.iSize) {
    getBlock = 'ext4_dio_get_block';
    dioFlags |= c('DIO_SKIP_HOLES');
  } else getBlock = w.scenario.request.aio ? 'ext4_dio_get_block_unwritten_async' : 'ext4_dio_get_block_unwritten_sync';
  it.trace.model('ext4_direct_IO_write', `${overwrite ? 'overwrite' : w.scenario.request.aio ? 'AIO' : 'sync'} DIO${orphan ? ', extending: on the orphan list' : ''}`, `get_block ${getBlock}`, cite);
  let ret = toBigInt(it.call('__blockdev_direct_IO', [obj(w.objects.iocb), inode, NULL, obj(w.objects.iter), int(pos, T.long), { k: 'fn', name: getBlock }, { k: 'fn', name: 'ext4_end_io_dio' }, NULL, int(dioFlags, T.int)]));
  if (ret > 0n && !overwrite) ret = convertSyncUnwritten(ctx, 'ext4_direct_IO_write', pos, ret, cite);
  it.call('inode_dio_end', [inode]);
  if (overwrite) acquire(ctx, 'exclusive', `${cite}: inode_lock() again after the overwrite DIO`);
  if (ret < 0n && ret !== -c('EIOCBQUEUED') && final > w.iSize) it.call('ext4_truncate_failed_write', [inode]);
  if (orphan) {
    it.call('ext4_journal_start', [inode, int(2)]);
    it.call('ext4_orphan_del', [NULL, inode]);
    if (ret > 0n) {
      const end = pos + ret;
      if (end > w.iSize || end > w.iDisksize) {
        it.call('ext4_update_i_disksize', [inode, int(end, T.long)]);
        if (end > w.iSize) {
          w.iSize = end;
          w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
        }
      }
    }
    it.call('ext4_journal_stop', [NULL]);
  }
  return int(ret, T.long);
}

/**
 * The 5.3 ext4 functions: the 4.7+ get_block callbacks and io_end handling (as the 4.6
 * table's 4.7 entries), plus what 5.3 added or changed. Used for seed 000's before side.
 */
const V53: Registry = {
  ...Object.fromEntries(Object.entries(V46).filter(([n]) => !['ext4_file_write_iter', 'ext4_direct_IO', 'ext4_ext_direct_IO', 'ext4_ind_direct_IO', 'ext4_dio_get_block_unwritten', 'ext4_inode_aio', 'ext4_inode_aio_set'].includes(n))),
  ext4_file_write_iter: m('fs/ext4/file.c ext4_file_write_iter() 5.3 (see fileWriteIter53)', (ctx) => fileWriteIter53(ctx)),
  ext4_direct_IO: m('fs/ext4/inode.c ext4_direct_IO() 5.3: encrypted regular files, data=journal and inline data return 0 (the VFS writes buffered); writes → ext4_direct_IO_write()', (ctx) => {
    const { w, it } = ctx;
    if (w.flags.has('encrypt') || w.journalData || w.flags.has('inline_data')) {
      it.trace.model('ext4_direct_IO', w.flags.has('encrypt') ? 'IS_ENCRYPTED()' : w.journalData ? 'ext4_should_journal_data()' : 'ext4_has_inline_data()', '0', 'fs/ext4/inode.c ext4_direct_IO() 5.3: return 0, buffered IO handles it');
      return int(0, T.long);
    }
    return it.call('ext4_direct_IO_write', [obj(w.objects.iocb), obj(w.objects.iter)]);
  }),
  ext4_direct_IO_write: m('fs/ext4/inode.c ext4_direct_IO_write() 5.3 (see directIoWrite53)', (ctx) => directIoWrite53(ctx)),
  ext4_write_checks: m('fs/ext4/file.c ext4_write_checks() 5.3: generic_write_checks(); IS_IMMUTABLE → -EPERM; the s_bitmap_maxbytes limit of block-mapped files (never reached by the scenarios); returns iov_iter_count()', (ctx, a) => {
    const r = toBigInt(ctx.it.call('generic_write_checks', a));
    if (r <= 0n) return int(r, T.long);
    if (toBigInt(ctx.it.call('IS_IMMUTABLE', [obj(ctx.w.objects.inode)])) !== 0n) return int(-ctx.w.c('EPERM'), T.long);
    return int(ctx.w.iterCount, T.long);
  }),
  ext4_unaligned_aio: m('fs/ext4/file.c ext4_unaligned_aio() 5.3: 0 at or past ALIGN(i_size, blocksize), else (pos | iov_iter_alignment(from)) & (blocksize - 1)', (ctx, a) => {
    const { w, it } = ctx;
    const bs = BigInt(w.blockSize);
    const pos = toBigInt(a[2] ?? int(w.pos));
    if (pos >= ((w.iSize + bs - 1n) / bs) * bs) return int(0, T.int);
    const align = toBigInt(it.call('iov_iter_alignment', [a[1] ?? obj(w.objects.iter)]));
    return int(((pos | align) & (bs - 1n)) !== 0n ? 1n : 0n, T.int);
  }),
  ext4_unwritten_wait: m('fs/ext4/file.c ext4_unwritten_wait() 2.6.38–5.4: wait_event(EXT4_I(inode)->i_unwritten == 0), i.e. until every io_end flagged unwritten (this request\'s queued AIO included) has converted', (ctx) => {
    const { w, it } = ctx;
    w.emit({ e: 'may-sleep', what: 'ext4_unwritten_wait', context: w.context });
    w.emit({ e: 'wait', what: 'ext4_unwritten_wait' });
    const own = w.pending.length > 0 && w.events.some((e) => e.e === 'dio-unwritten');
    it.trace.add({ kind: 'wait', fn: it.currentFn(), file: 'model', line: 0, text: own ? 'ext4_unwritten_wait(): waits for this request\'s unwritten conversion' : 'ext4_unwritten_wait(): drains in-flight unwritten conversions', cite: 'fs/ext4/file.c ext4_unwritten_wait() 5.3' });
    if (own) runPending(ctx);
    return VOID;
  }),
  ext4_overwrite_io: m('fs/ext4/file.c ext4_overwrite_io(inode, pos, len) 5.3: inside i_size and ext4_map_blocks(NULL, …, 0) maps the whole range in one written (EXT4_MAP_MAPPED) extent', (ctx, a) => {
    const { w } = ctx;
    const pos = toBigInt(a[1]);
    const len = toBigInt(a[2]);
    if (pos + len > w.iSize) return FALSE;
    const bits = BigInt(w.blkbits);
    const lblk = pos >> bits;
    const blklen = ((pos + len + BigInt(w.blockSize) - 1n) >> bits) - lblk;
    const map = new PlainObject('ext4_map_blocks', { m_lblk: int(lblk, T.uint), m_len: int(blklen, T.uint) });
    const r = toBigInt((EXT4.ext4_map_blocks as ModelFn).run(ctx, [NULL, obj(w.objects.inode), obj(map), int(0, T.int)], PSEUDO_SITE));
    return r === blklen && (toBigInt(map.get('m_flags')) & w.c('EXT4_MAP_MAPPED')) !== 0n ? TRUE : FALSE;
  }),
  ext4_dio_checks: m('ext4_dio_checks() of the 2019 series (v2 patch 3/5, not in seed 000\'s document); merged in 5.5 as ext4_dio_supported(): false for an encrypted inode, data=journal or inline data (5.5 adds fs-verity, not in this series)', (ctx) => {
    const { w, it } = ctx;
    it.assume('ext4_dio_checks(): added by patch 3/5 of the series, which is not in the document; modelled as 5.5 merged it (ext4_dio_supported() without the fs-verity test)');
    return w.flags.has('encrypt') || w.journalData || w.flags.has('inline_data') ? FALSE : TRUE;
  }),
  ext4_handle_inode_extension: m('ext4_handle_inode_extension(inode, size, count) of the 2019 series (v2 patch 2/5, not in the document), as 5.5 merged it with (inode, offset, written, count): in a handle, raise i_size/i_disksize to the end written; if blocks were allocated past it (ALIGN(size) < ALIGN(size + count)) truncate them, else take the inode off the orphan list', (ctx, a) => {
    const { w, it } = ctx;
    const inode = obj(w.objects.inode);
    const size = a.length >= 4 ? toBigInt(a[1]) + toBigInt(a[2]) : toBigInt(a[1]);
    const count = toBigInt(a[a.length - 1]);
    if (a.length < 4) it.assume('ext4_handle_inode_extension(): added by patch 2/5 of the series, which is not in the document; modelled as 5.5 merged it');
    it.call('ext4_journal_start', [inode, int(2)]);
    if (toBigInt(it.call('ext4_update_inode_size', [inode, int(size, T.long)])) !== 0n) it.call('ext4_mark_inode_dirty', [NULL, inode]);
    const bs = BigInt(w.blockSize);
    const align = (x: bigint) => ((x + bs - 1n) / bs) * bs;
    const truncate = align(size) < align(size + count);
    if (!truncate) it.call('ext4_orphan_del', [NULL, inode]);
    it.call('ext4_journal_stop', [NULL]);
    if (truncate) {
      it.call('ext4_truncate_failed_write', [inode]);
      it.call('ext4_orphan_del', [NULL, inode]);
    }
    return int(0, T.int);
  }),
};

export const LEGACY_EXT4: Readonly<Record<'2.6.31' | '4.6' | '5.3', Registry>> = {
  '2.6.31': V2631,
  '4.6': V46,
  '5.3': V53,
};

