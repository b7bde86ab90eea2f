import { int, T, toBigInt, Value } from '../../interp/values';
import { acquire, release } from '../locking';
import type { ModelCtx, ModelFn, Registry } from '../registry';
import { pageCacheHasRange } from '../vfs';

/**
 * The VFS write path of the legacy DIO era (mm/filemap.c), above ext4's ->direct_IO:
 *
 * - 2.6.31 `generic_file_aio_write()`: takes `i_mutex`, calls `__generic_file_aio_write()`,
 *   drops it, then syncs for O_SYNC/IS_SYNC.
 * - 2.6.31 `__generic_file_aio_write()` / 4.6 `__generic_file_write_iter()`: for O_DIRECT,
 *   `generic_file_direct_write()`; if it wrote nothing or everything (or failed, or
 *   returned -EIOCBQUEUED) that is the result; otherwise the rest goes through the page
 *   cache (`generic_perform_write()`), is written back and invalidated, so the write as
 *   a whole still looks direct — the "fallback to buffered IO".
 * - `generic_file_direct_write()`: write back and invalidate the range, call
 *   `->direct_IO`, and when bytes were written move the position and raise i_size.
 *
 * The caller holds the inode lock where the era's code takes it; the lock is modelled as
 * the world's exclusive lock (a mutex in 2.6.31–4.6, `i_rwsem` held for write in 4.7+).
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });

/** generic_file_direct_write(): see the module comment. Returns bytes, -EIOCBQUEUED or -errno. */
function directWrite(ctx: ModelCtx): bigint {
  const { w, it } = ctx;
  const c = w.c;
  const pos = w.pos;
  const count = w.iterCount;
  if (w.profile.legacy?.nowait && w.iocbFlags & c('IOCB_NOWAIT')) {
    // 4.13+ (5.3): under IOCB_NOWAIT cached pages in the range are -EAGAIN, and nothing is written back.
    if (pageCacheHasRange(w, pos, count)) {
      it.trace.model('generic_file_direct_write', 'IOCB_NOWAIT and cached pages in range', '-EAGAIN', 'mm/filemap.c generic_file_direct_write() 4.13+: filemap_range_has_page() → -EAGAIN');
      return -c('EAGAIN');
    }
  } else it.call('filemap_write_and_wait_range', [{ k: 'obj', obj: w.objects.mapping }, int(pos, T.long), int(pos + count - 1n, T.long)]);
  const iocb: Value = { k: 'obj', obj: w.objects.iocb };
  const iter: Value = { k: 'obj', obj: w.objects.iter };
  // 2.6.31: ->direct_IO(rw, iocb, iov, offset, nr_segs); 4.6: ->direct_IO(iocb, iter, offset).
  const args: Value[] = w.profile.legacy?.entry === 'ext4_file_write' ? [int(c('WRITE')), iocb, iter, int(pos, T.long), int(1, T.ulong)] : [iocb, iter, int(pos, T.long)];
  const savedPos = w.pos;
  const written = toBigInt(it.call('ext4_direct_IO', args));
  // ->direct_IO does not move ki_pos in these eras; generic_file_direct_write() does.
  w.pos = savedPos;
  if (written > 0n) {
    const npos = pos + written;
    w.pos = npos;
    if (npos > w.iSize) {
      w.iSize = npos;
      w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
      it.trace.model('generic_file_direct_write', `i_size_write(inode, ${npos})`, `i_size=${npos}`, 'mm/filemap.c generic_file_direct_write(): pos > i_size → i_size_write() + mark_inode_dirty()');
    }
  }
  return written;
}

/** __generic_file_aio_write() (2.6.31) / __generic_file_write_iter() (4.6): see the module comment. */
function fileWrite(ctx: ModelCtx, fn: string): Value {
  const { w, it } = ctx;
  const count = w.iterCount;
  if (count === 0n) return int(0, T.long);
  if (w.iocbFlags & w.c('IOCB_APPEND')) w.pos = w.iSize;
  it.call('file_remove_privs', [{ k: 'obj', obj: w.objects.file }]);
  if (!w.scenario.request.direct) return it.call('generic_perform_write', [{ k: 'obj', obj: w.objects.iocb }, { k: 'obj', obj: w.objects.iter }]);
  const written = directWrite(ctx);
  if (written < 0n || written === count) return int(written, T.long);
  const pos = w.pos;
  it.trace.model(fn, `direct write did ${written} of ${count} bytes`, 'buffered for the rest', `mm/filemap.c ${fn}(): written < count → generic_perform_write() + filemap_write_and_wait_range() + invalidate_mapping_pages()`);
  const buffered = toBigInt(it.call('generic_perform_write', [{ k: 'obj', obj: w.objects.iocb }, { k: 'obj', obj: w.objects.iter }]));
  if (buffered > 0n) it.call('filemap_write_and_wait_range', [{ k: 'obj', obj: w.objects.mapping }, int(pos, T.long), int(pos + buffered - 1n, T.long)]);
  return int(written + (buffered > 0n ? buffered : 0n), T.long);
}

export const LEGACY_VFS: Registry = {
  generic_file_aio_write: m('mm/filemap.c generic_file_aio_write() 2.6.31: mutex_lock(&inode->i_mutex); __generic_file_aio_write(); mutex_unlock(); O_SYNC/IS_SYNC → sync the range', (ctx) => {
    const { w, it } = ctx;
    acquire(ctx, 'exclusive', 'mm/filemap.c generic_file_aio_write() 2.6.31: mutex_lock(&inode->i_mutex)');
    const ret = toBigInt(it.call('__generic_file_aio_write', [{ k: 'obj', obj: w.objects.iocb }]));
    release(ctx, 'exclusive', 'mm/filemap.c generic_file_aio_write() 2.6.31: mutex_unlock(&inode->i_mutex)');
    if (ret > 0n) it.call('generic_write_sync', [{ k: 'obj', obj: w.objects.file }, int(ret, T.long)]);
    return int(ret, T.long);
  }),
  __generic_file_aio_write: m('mm/filemap.c __generic_file_aio_write() 2.6.31 (see fileWrite)', (ctx) => fileWrite(ctx, '__generic_file_aio_write')),
  __generic_file_write_iter: m('mm/filemap.c __generic_file_write_iter() 4.6 (see fileWrite)', (ctx) => fileWrite(ctx, '__generic_file_write_iter')),
  generic_file_direct_write: m('mm/filemap.c generic_file_direct_write() 2.6.31/4.6 (see directWrite)', (ctx) => int(directWrite(ctx), T.long)),
};
