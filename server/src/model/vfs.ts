import { int, T, toBigInt, Value, VOID } from '../interp/values';
import { fallback } from './registry';
import type { ModelCtx, ModelFn, Registry } from './registry';
import type { World } from './world';
import { bufferedEvent, folioLock } from './iomapBuffered';
import { ext4MaxSize } from '../scenario/limits';

/**
 * VFS and page-cache functions the ext4 write path calls (fs/read_write.c, fs/inode.c,
 * mm/filemap.c, include/linux/fs.h), modelled over the world. 6.1 and 6.12 agree on
 * every behaviour modelled here unless a profile field says otherwise.
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });
/** Page-cache state mm/filemap.c keeps (its C is in the image, issue 11): the substrate answers, not the C (folios, xarray, writeback). */
const pageCache = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'boundary', cite, run: (ctx, args) => run(ctx, args) });

/**
 * Does the page cache hold pages of [pos, pos + count) (bytes)? Pages the scenario
 * starts with (`env.cachedPages`) or blocks dirtied by buffered writes during the run:
 * mm/filemap.c filemap_range_has_page(), which IOCB_NOWAIT direct writes test.
 */
export function pageCacheHasRange(w: World, pos: bigint, count: bigint): boolean {
  const bits = BigInt(w.blkbits);
  return w.scenario.env.cachedPages || [...w.dirty].some((b) => BigInt(b) << bits < pos + count && BigInt(b + 1) << bits > pos);
}

/**
 * Write back dirty page-cache blocks in [start, end] (bytes): delalloc blocks get
 * allocated (unwritten, then converted at writeback end_io with dioread_nolock — written
 * either way once the wait returns), unwritten blocks dirtied by buffered writes are
 * converted. mm/filemap.c filemap_write_and_wait_range() → ext4_writepages(), 6.1/6.12.
 */
export function writeback(w: World, start: bigint, end: bigint): number {
  const first = Number(start >> BigInt(w.blkbits));
  const last = Number(end >> BigInt(w.blkbits));
  let n = 0;
  for (const [b, st] of w.blocksIn(first, last, 'filemap_write_and_wait_range')) {
    if (st === 'D' || (st === 'U' && w.dirty.has(b))) {
      w.setBlock(b, 'W');
      n++;
    }
  }
  // Dirty pages are only ever added by charged loops, so this walk is bounded too.
  for (const b of [...w.dirty]) if (b >= first && b <= last) w.dirty.delete(b);
  return n;
}

/**
 * generic_perform_write(iocb, i): copy the iter into the page cache through ext4's
 * write_begin/write_end (mm/filemap.c, 6.1/6.12). Hole blocks become delalloc with
 * `delalloc` (ext4_da_write_begin() → ext4_da_get_block_prep()), unwritten with
 * nodelalloc + dioread_nolock (ext4_write_begin() uses ext4_get_block_unwritten()),
 * written otherwise (ext4_get_block()); data=journal allocates written blocks
 * (ext4_journalled_write_end()). i_size grows at write_end; i_disksize too unless delalloc.
 *
 * Lock order per folio, 6.12 inode.c: ext4_da_write_begin() (~L2926) locks the folio
 * (__filemap_get_folio(FGP_WRITEBEGIN)) and starts no handle; ext4_write_begin() (~L1143)
 * grabs the folio locked, unlocks it, starts the handle (ext4_journal_start()), then
 * re-locks the folio under it ("transaction start → folio lock", the buffer_head order
 * super.c documents); ext4_write_end() stops the handle. A buffered request with
 * `env.shortWrite` has a user buffer readable only for its first fs block:
 * fault_in_iov_iter_readable() fails before the next folio's write_begin, so nothing is
 * reserved past the copy and the write returns short.
 * Returns the bytes copied; advances ki_pos and the iter.
 */
function performWrite(ctx: ModelCtx): Value {
  const w = ctx.w;
  const count = w.iterCount;
  if (count === 0n) return int(0, T.long);
  const from = w.events.length;
  const pos = w.pos;
  const s = w.scenario;
  const bits = BigInt(w.blkbits);
  const delalloc = s.mount.delalloc && !w.journalData;
  // A short DIO's buffered remainder reads a good buffer: the fault is a buffered request's.
  const copied = s.env.shortWrite && !s.request.direct && count > BigInt(w.blockSize) ? BigInt(w.blockSize) : count;
  const end = pos + copied;
  const cite = delalloc ? '6.12 inode.c ext4_da_write_begin(): __filemap_get_folio(FGP_WRITEBEGIN), no handle' : '6.12 inode.c ext4_write_begin(): grab the folio, unlock, ext4_journal_start(), folio_lock() under the handle';
  const unwrittenGetBlock = !w.journalData && s.mount.dioreadNolock && w.mapping === 'extents';
  w.charge(Number(((end - 1n) >> 12n) - (pos >> 12n) + 1n), 'generic_perform_write');
  for (let page = pos >> 12n; page <= (end - 1n) >> 12n; page++) {
    if (delalloc) folioLock(ctx, 'buffer_head', 'ext4_da_write_begin()', cite);
    else {
      folioLock(ctx, 'buffer_head', 'ext4_write_begin(): __filemap_get_folio(FGP_WRITEBEGIN)', cite);
      w.openHandles++;
      w.emit({ e: 'journal', op: 'start' });
      folioLock(ctx, 'buffer_head', 'ext4_write_begin(): folio_lock() after ext4_journal_start()', cite);
    }
    const lo = page << 12n > pos ? page << 12n : pos;
    const hi = (page + 1n) << 12n < end ? (page + 1n) << 12n : end;
    for (let b = Number(lo >> bits); b <= Number((hi - 1n) >> bits); b++) {
      if (w.blockAt(b) === '_') {
        const ns = delalloc ? 'D' : unwrittenGetBlock ? 'U' : 'W';
        w.setBlock(b, ns);
        if (ns === 'D') w.emit({ e: 'delalloc', op: 'reserve', lblk: b, len: 1 });
        else w.emit({ e: 'alloc', lblk: b, len: 1, unwritten: ns === 'U', beyondEof: (BigInt(b) << bits) >= w.iSize, onOrphan: w.onOrphan, insideSize: (BigInt(b) << bits) < w.iSize, how: unwrittenGetBlock ? 'ext4_get_block_unwritten()' : 'ext4_get_block()' });
      }
      w.dirty.add(b);
    }
    if (!delalloc) {
      // ext4_write_end() / ext4_journalled_write_end() → ext4_journal_stop().
      w.openHandles = Math.max(0, w.openHandles - 1);
      w.emit({ e: 'journal', op: 'stop' });
    }
  }
  if (copied < count) {
    w.shortBufferedCopy = true;
    ctx.it.trace.model('generic_perform_write', `user buffer not readable past ${end} (env.shortWrite)`, '-EFAULT after a short copy', 'mm/filemap.c generic_perform_write(): fault_in_iov_iter_readable() == bytes → -EFAULT before the next ->write_begin');
  }
  w.emit({ e: 'may-sleep', what: 'generic_perform_write (page cache, block reservation)', context: w.context });
  if (end > w.iSize) {
    w.iSize = end;
    if (!delalloc) w.iDisksize = end;
    w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
  }
  w.emit(bufferedEvent(w, from, copied, 'buffer_head'));
  w.pos = end;
  w.iterCount -= copied;
  ctx.it.trace.model('generic_perform_write', `buffered copy of ${copied} bytes at ${pos} (blocks ${Number(pos >> bits)}..${Number((end - 1n) >> bits)})`, `${copied}`, 'mm/filemap.c generic_perform_write() + ext4 write_begin/write_end, 6.1/6.12');
  return int(copied, T.long);
}

export const VFS: Registry = {
  // What ext4_file_open() calls outside ext4 (the open is run as C for RWF_ATOMIC requests).
  fscrypt_file_open: m('fs/crypto/hooks.c fscrypt_file_open(inode, filp) 6.1–7.2: 0 unless the inode is encrypted and its key is unavailable or its directory policy differs; a scenario\'s encrypted file has its key set up', () => int(0, T.int)),
  __fsverity_file_open: m('fs/verity/open.c __fsverity_file_open(inode, filp) 6.12/7.2 (reached through the fsverity.h inline for a verity inode): -EPERM when opened for writing, a verity file is read-only', (ctx) => int(-ctx.w.c('EPERM'), T.int)),
  // 6.12/7.2 have it as an fsverity.h inline (which runs); 6.1 declares it extern.
  fsverity_file_open: fallback('fs/verity/open.c fsverity_file_open(inode, filp) 6.1: 0 unless the inode is a verity file opened for writing (-EPERM)', (ctx) => int(ctx.w.flags.has('verity') ? -ctx.w.c('EPERM') : 0, T.int)),
  dquot_file_open: m('fs/quota/dquot.c dquot_file_open(inode, file) 6.1–7.2: generic_file_open() (O_LARGEFILE is set) then dquot_initialize() for a writer; scenarios mount without quota, so 0', () => int(0, T.int)),
  // The task's resource limits are state the kernel keeps, not a write-path decision.
  rlimit: m('include/linux/sched/signal.h rlimit(limit) 6.1–7.2 → task_rlimit(current, limit): the soft limit of current->signal->rlim[limit]; RLIM_INFINITY for every limit — scenarios (and the conformance guest) run without ulimit, so RLIMIT_FSIZE never cuts a write', (ctx) => int(ctx.w.c('RLIM_INFINITY'), T.ulong)),
  send_sig: m('kernel/signal.c send_sig(sig, p, priv) 6.1–7.2: queues the signal to the task (SIGXFSZ past RLIMIT_FSIZE in generic_write_check_limits()); no write-path state changes', () => int(0, T.int)),
  generic_write_checks: m(
    'fs/read_write.c generic_write_checks() 6.1/6.12: 0 for an empty iter; IOCB_APPEND moves ki_pos to i_size; IOCB_NOWAIT without IOCB_DIRECT is -EINVAL (ext4 sets neither FMODE_BUF_WASYNC nor FOP_BUFFER_WASYNC); generic_write_check_limits(): ki_pos ≥ s_maxbytes (ext4_max_size(), O_LARGEFILE forced on 64-bit) is -EFBIG, a write crossing it is shortened (iov_iter_truncate())',
    (ctx) => {
      const w = ctx.w;
      const c = w.c;
      if (w.iterCount === 0n) return int(0, T.long);
      if (w.iocbFlags & c('IOCB_APPEND')) w.pos = w.iSize;
      if ((w.iocbFlags & c('IOCB_NOWAIT')) && !(w.iocbFlags & c('IOCB_DIRECT'))) return int(-c('EINVAL'), T.long);
      const maxBytes = ext4MaxSize(w.blockSize);
      if (w.pos >= maxBytes) return int(-c('EFBIG'), T.long);
      if (w.iterCount > maxBytes - w.pos) w.iterCount = maxBytes - w.pos;
      return int(w.iterCount, T.long);
    },
  ),
  file_modified: m(
    'fs/inode.c file_modified() → file_remove_privs(): with IS_NOSEC clear it looks for suid/sgid/security xattrs, finds none, and sets S_NOSEC (inode_has_no_xattr(), SB_NOSEC); then file_update_time(). Observed on 6.1/6.12: the first DIO after inode load restarts exclusive, later ones do not (KERNEL-NOTES)',
    (ctx) => {
      const w = ctx.w;
      if (!w.nosec) {
        if (w.lock !== 'exclusive') w.emit({ e: 'lock-error', text: `file_remove_privs() with i_rwsem ${w.lock}: it may change security attributes and needs the lock exclusive` });
        w.nosec = true;
        ctx.it.trace.model('file_modified', 'file_remove_privs(): nothing to strip', 'S_NOSEC set', 'fs/inode.c __file_remove_privs() → inode_has_no_xattr()');
      }
      return int(0, T.int);
    },
  ),
  file_remove_privs: m('fs/inode.c file_remove_privs()', (ctx) => {
    ctx.w.nosec = true;
    return int(0, T.int);
  }),
  file_update_time: m('fs/inode.c file_update_time(): c/mtime update, no effect on the write path model', () => int(0, T.int)),
  generic_perform_write: pageCache('mm/filemap.c generic_perform_write() 6.1/6.12 (see performWrite); not yet interpreted: its C drives ->write_begin/->write_end over folios the substrate does not hold yet', (ctx) => performWrite(ctx)),
  // Stands in until fs/read_write.c is interpreted (issue 11). The request's iter is one
  // user segment, which import_iovec() makes ITER_UBUF (lib/iov_iter.c, 6.x), so the
  // iter_is_ubuf() test passes.
  generic_atomic_write_valid: m('fs/read_write.c generic_atomic_write_valid() 7.2 (as in 6.13): -EINVAL unless the iter is ITER_UBUF, its length a power of two and ki_pos aligned to it; -EOPNOTSUPP without IOCB_DIRECT', (ctx) => {
    const w = ctx.w;
    const len = w.iterCount;
    const cite = 'fs/read_write.c generic_atomic_write_valid()';
    const refuse = (errno: string, why: string) => {
      ctx.it.trace.model('generic_atomic_write_valid', why, `-${errno}`, cite);
      return int(-w.c(errno), T.int);
    };
    if (len === 0n || (len & (len - 1n)) !== 0n) return refuse('EINVAL', `length ${len} is not a power of two`);
    if (w.pos % len !== 0n) return refuse('EINVAL', `ki_pos ${w.pos} is not aligned to the length ${len}`);
    if (!(w.iocbFlags & w.c('IOCB_DIRECT'))) return refuse('EOPNOTSUPP', 'not IOCB_DIRECT (no buffered atomic writes)');
    return int(0, T.int);
  }),
  generic_write_sync: m('include/linux/fs.h generic_write_sync(): with IOCB_DSYNC, vfs_fsync_range() over the written range', (ctx, a) => {
    const w = ctx.w;
    const count = toBigInt(a[1]);
    if ((w.iocbFlags & w.c('IOCB_DSYNC')) && count > 0n) {
      writeback(w, w.pos - count, w.pos - 1n);
      w.emit({ e: 'may-sleep', what: 'vfs_fsync_range', context: w.context });
      w.emit({ e: 'sync' });
      ctx.it.trace.model('generic_write_sync', `vfs_fsync_range(${w.pos - count}, ${w.pos - 1n})`, 'written back', 'include/linux/fs.h generic_write_sync()');
    }
    return int(count, T.long);
  }),
  filemap_write_and_wait_range: pageCache('mm/filemap.c filemap_write_and_wait_range(): write back and wait (see writeback); page-cache state, not a write-path decision', (ctx, a) => {
    const w = ctx.w;
    const bits = BigInt(w.blkbits);
    const [start, end] = [toBigInt(a[1]), toBigInt(a[2])];
    // Only dirty pages in the range are written and waited on (__filemap_fdatawrite_range()
    // then __filemap_fdatawait_range()); a clean range returns without sleeping, which 6.1's
    // __iomap_dio_rw() relies on for IOCB_NOWAIT after filemap_range_needs_writeback().
    const dirty = [...w.dirty].some((b) => BigInt(b) << bits <= end && BigInt(b + 1) << bits > start);
    const n = writeback(w, start, end);
    if (dirty) w.emit({ e: 'may-sleep', what: 'filemap_write_and_wait_range', context: w.context });
    ctx.it.trace.model('filemap_write_and_wait_range', `write back [${toBigInt(a[1])}, ${toBigInt(a[2])}]`, `${n} block(s) allocated/converted`, 'mm/filemap.c filemap_write_and_wait_range() → ext4_writepages()');
    return int(0, T.int);
  }),
  invalidate_mapping_pages: m('mm/truncate.c invalidate_mapping_pages(): drops clean page-cache pages; no block state changes', () => int(0, T.ulong)),
  inode_newsize_ok: m('fs/attr.c inode_newsize_ok(): size limits, always within them in scenarios', () => int(0, T.int)),
};

