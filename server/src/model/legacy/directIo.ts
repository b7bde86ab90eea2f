import { int, NULL, T, toBigInt, truthy, Value, VOID } from '../../interp/values';
import type { ModelCtx, ModelFn, Registry } from '../registry';
import type { LockMode } from '../world';
import { bhHas, newMapBh } from './bufferHead';

/**
 * The generic direct-IO code of the legacy era (fs/direct-io.c, 2.6.31 and 4.6), which
 * ext4 used until 5.4: `blockdev_direct_IO()` / `__blockdev_direct_IO()` walk the request
 * block by block, ask the filesystem's `get_block(inode, iblock, bh, create)` to map each
 * run, submit bios for mapped runs and complete through the filesystem's `end_io(iocb,
 * offset, bytes, private)`. Sizes are bytes; `iblock` is in fs blocks.
 *
 * What decides the write path here, with the source of each rule:
 * - `create`: 1 for writes, except inside i_size under DIO_LOCKING (2.6.31
 *   get_more_blocks()) or DIO_SKIP_HOLES (3.x–5.4 get_more_blocks()), where it is 0.
 * - an unmapped buffer for a write ends the DIO with -ENOTBLK, which
 *   direct_io_worker()/do_blockdev_direct_IO() turn into "bytes done so far"; the VFS
 *   then writes the rest through the page cache (see legacy/vfs.ts).
 * - an AIO that extends i_size is made synchronous (`dio->is_async =
 *   !is_sync_kiocb(iocb) && !(rw == WRITE && end > i_size)`, 2.6.31 and 4.6).
 * - completion: synchronous DIO completes in the submitting task (dio_await_completion()
 *   then dio_complete()); AIO completes in bio end_io, i.e. interrupt context (2.6.31
 *   dio_bio_end_aio()), or on s_dio_done_wq when the get_block asked for deferred
 *   completion (3.13+ `dio->defer_completion`).
 * - `private` passed to end_io: 2.6.31 `dio->map_bh.b_private`; 4.x `dio->private`, copied
 *   from `map_bh->b_private` after every get_block call (map_bh keeps b_private).
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });

const CITE = 'fs/direct-io.c __blockdev_direct_IO() → direct_io_worker()/do_blockdev_direct_IO(), get_more_blocks(), dio_complete() (2.6.31, 4.6)';

/** The get_block and end_io callbacks among the arguments: the first and second function designators. */
function callbacks(args: Value[]): { getBlock?: string; endIo?: string; endIoIndex: number } {
  const fnIdx = args.flatMap((a, i) => (a.k === 'fn' ? [i] : []));
  const getBlock = fnIdx.length ? (args[fnIdx[0]] as { name: string }).name : undefined;
  const endIoIndex = fnIdx.length ? fnIdx[0] + 1 : -1;
  const e = args[endIoIndex];
  return { getBlock, endIo: e && e.k === 'fn' ? e.name : undefined, endIoIndex };
}

/**
 * One DIO write through get_block. `flags` are the DIO_* flags (`blockdev_direct_IO()`
 * passes DIO_LOCKING in 2.6.31, DIO_LOCKING | DIO_SKIP_HOLES in 4.6). Returns bytes
 * written, -EIOCBQUEUED for an AIO still in flight, or a negative errno.
 */
function directIo(ctx: ModelCtx, args: Value[], flags: bigint, fnName: string): Value {
  const { w, it } = ctx;
  const c = w.c;
  const legacy = w.profile.legacy;
  const { getBlock, endIo } = callbacks(args);
  if (!getBlock || !legacy) {
    it.assume(`${fnName}(): no get_block callback among the arguments; -EIO`);
    return int(-c('EIO'), T.long);
  }
  const pos = w.pos;
  const len = w.iterCount;
  if (len === 0n) return int(0, T.long);
  const end = pos + len;
  const bits = BigInt(w.blkbits);
  const aio = w.scenario.request.aio;
  const extending = end > w.iSize;
  const isAsync = aio && !extending;
  const holesRule = legacy.holesInsideSize;
  const holesFlag = holesRule === 'DIO_LOCKING' ? (flags & c('DIO_LOCKING')) !== 0n : (flags & c('DIO_SKIP_HOLES')) !== 0n;
  const flagNames = ['DIO_LOCKING', 'DIO_SKIP_HOLES'].filter((n) => c(n) && (flags & c(n)) !== 0n);
  w.emit({ e: 'dio-start', lock: w.lock, ops: getBlock, dioFlags: flagNames });
  it.trace.model('__blockdev_direct_IO', `${fnName}(get_block=${getBlock}, end_io=${endIo ?? 'NULL'}, ${flagNames.join('|') || '0'}) with ${legacy.lockName} ${w.lock === 'none' ? 'not held' : 'held'}${aio && extending ? '; extending AIO made synchronous' : ''}`, undefined, CITE);
  const inodeV: Value = { k: 'obj', obj: w.objects.inode };
  let priv: Value = NULL;
  let deferred = false;
  let done = 0n;
  let error = 0n;
  let lblk = pos >> bits;
  const last = (end - 1n) >> bits;
  let calls = 0;
  while (lblk <= last) {
    if (++calls > 10_000) {
      it.assume(`${fnName}(): more than 10000 get_block calls; stopped`);
      break;
    }
    // get_more_blocks(): create = write, unless inside i_size under the era's hole rule.
    const insideSize = holesRule === 'DIO_LOCKING' ? lblk < w.iSize >> bits : w.iSize > 0n && lblk <= (w.iSize - 1n) >> bits;
    const create = holesFlag && insideSize ? 0n : 1n;
    const bh = newMapBh((last - lblk + 1n) << bits, priv);
    const r = toBigInt(it.call(getBlock, [inodeV, int(lblk, T.ulong), { k: 'obj', obj: bh }, int(create, T.int)]));
    priv = bh.get('b_private');
    if (truthy(bh.get('defer_completion'))) deferred = true;
    if (r < 0n) {
      error = r;
      it.trace.model('__blockdev_direct_IO', `${getBlock}(block ${lblk}, create=${create}) failed`, it.showValue(int(r, T.long)), CITE);
      break;
    }
    const bhV: Value = { k: 'obj', obj: bh };
    if (!bhHas(ctx, bhV, 'MAPPED')) {
      // do_direct_IO(): an unmapped buffer for a write is a hole the fs would not fill.
      error = -c('ENOTBLK');
      it.trace.model(
        '__blockdev_direct_IO',
        `${getBlock}(block ${lblk}, create=${create}) left the buffer unmapped${bhHas(ctx, bhV, 'UNWRITTEN') ? ' (an unwritten extent looked up without create)' : ''}${create === 0n ? `: inside i_size under ${holesRule}` : ''}`,
        '-ENOTBLK',
        'fs/direct-io.c do_direct_IO(): !buffer_mapped() on a write → -ENOTBLK; the caller falls back to buffered IO for the rest',
      );
      break;
    }
    const nblocks = (() => {
      const n = toBigInt(bh.get('b_size')) >> bits;
      const room = last - lblk + 1n;
      return n <= 0n ? 1n : n > room ? room : n;
    })();
    const from = lblk << bits > pos ? lblk << bits : pos;
    const to = (lblk + nblocks) << bits < end ? (lblk + nblocks) << bits : end;
    const unwritten = bhHas(ctx, bhV, 'UNWRITTEN');
    const isNew = bhHas(ctx, bhV, 'NEW');
    const zeroPartial = (isNew || unwritten) && ((from & (BigInt(w.blockSize) - 1n)) !== 0n || (to & (BigInt(w.blockSize) - 1n)) !== 0n);
    w.emit({ e: 'iomap', type: unwritten ? 'BH_Unwritten' : isNew ? 'BH_New' : 'BH_Mapped', offset: Number(lblk << bits), length: Number(nblocks << bits), zeroPartial });
    it.trace.model('__blockdev_direct_IO', `blocks ${lblk}..${lblk + nblocks - 1n} mapped${isNew ? ' new' : ''}${unwritten ? ' unwritten' : ''}: bio for [${from}, ${to})${zeroPartial ? '; dio_zero_block() zeroes the partial block' : ''}`, `${to - from} bytes submitted`, CITE);
    w.charge(Number(nblocks), '__blockdev_direct_IO');
    for (let b = lblk; b < lblk + nblocks; b++) w.dioWritten.add(Number(b));
    done += to - from;
    w.iterCount -= to - from;
    lblk += nblocks;
  }
  w.emit({ e: 'may-sleep', what: 'DIO submission', context: w.context });
  // direct_io_worker(): -ENOTBLK on a write means "fall back for the rest".
  let ret = error < 0n && error !== -c('ENOTBLK') && done === 0n ? error : done;

  const complete = (context: 'process' | 'workqueue' | 'irq'): bigint => {
    const saved = w.context;
    w.context = context;
    let r = ret;
    // 2.6.31 dio_complete(): end_io only when something was transferred; 4.x: always.
    if (endIo && (ret > 0n || legacy.holesInsideSize === 'DIO_SKIP_HOLES')) {
      w.emit({ e: 'end_io', flags: priv.k === 'null' ? [] : ['private'], size: Number(ret > 0n ? ret : 0n), context, lock: w.lock });
      const er = it.call(endIo, [{ k: 'obj', obj: w.objects.iocb }, int(pos, T.long), int(ret > 0n ? ret : 0n, T.long), priv]);
      if (er.k === 'int' && toBigInt(er) < 0n) r = toBigInt(er);
    }
    w.context = saved;
    return r;
  };

  if (!isAsync || ret <= 0n) {
    if (aio && extending && ret > 0n) w.emit({ e: 'wait', what: 'dio_await_completion' });
    ret = complete('process');
    w.emit({ e: 'dio-done', bytes: Number(done), queued: false, ret: it.showValue(int(ret, T.long)) });
    it.trace.model('__blockdev_direct_IO', `${aio ? (extending ? 'extending AIO waited for' : 'AIO') : 'synchronous DIO waited for'} its bios; dio_complete() in the submitting task`, it.showValue(int(ret, T.long)), CITE);
    return int(ret, T.long);
  }
  w.emit({ e: 'dio-done', bytes: Number(done), queued: true, ret: '-EIOCBQUEUED' });
  const where = deferred ? 'workqueue' : 'irq';
  it.trace.model('__blockdev_direct_IO', `AIO submitted; completion later in ${where === 'irq' ? 'bio end_io (interrupt context)' : 's_dio_done_wq (deferred completion)'}`, '-EIOCBQUEUED', CITE);
  w.pending.push(() => {
    w.completionRet = complete(where);
  });
  return int(-c('EIOCBQUEUED'), T.long);
}

/** Where blockdev_direct_IO() is used without explicit flags: 2.6.31 DIO_LOCKING; 4.6 DIO_LOCKING | DIO_SKIP_HOLES. */
function defaultFlags(ctx: ModelCtx): bigint {
  const c = ctx.w.c;
  return ctx.w.profile.legacy?.holesInsideSize === 'DIO_LOCKING' ? c('DIO_LOCKING') : c('DIO_LOCKING') | c('DIO_SKIP_HOLES');
}

export const DIRECT_IO: Registry = {
  blockdev_direct_IO: m(`include/linux/fs.h blockdev_direct_IO(): __blockdev_direct_IO() with DIO_LOCKING (2.6.31) or DIO_LOCKING|DIO_SKIP_HOLES (4.6); ${CITE}`, (ctx, a) => directIo(ctx, a, defaultFlags(ctx), 'blockdev_direct_IO')),
  __blockdev_direct_IO: m(CITE, (ctx, a) => {
    // The flags are the last argument (2.6.31: lock_type; 4.6: flags after submit_io).
    const last = a[a.length - 1];
    return directIo(ctx, a, last && last.k === 'int' ? toBigInt(last) : defaultFlags(ctx), '__blockdev_direct_IO');
  }),
  queue_work: m('kernel/workqueue.c queue_work(): the work item runs later on a worker thread (process context, no locks of the queuer)', (ctx, a) => {
    const { w, it } = ctx;
    const work = a[1];
    const fn = work?.k === 'obj' ? work.obj.get('func') : undefined;
    if (!work || work.k !== 'obj' || !fn || fn.k !== 'fn') {
      it.assume('queue_work(): the work item has no function (INIT_WORK not seen); nothing runs');
      return int(0, T.bool);
    }
    // Run later by a worker; `lockHeld` is the inode lock a flush_workqueue() caller holds
    // while it waits for the item (the worker itself takes none).
    const job = Object.assign(
      (lockHeld?: LockMode) => {
        const saved = w.context;
        const lock = w.lock;
        w.context = 'workqueue';
        w.lock = lockHeld ?? 'none';
        it.trace.model('queue_work', `worker runs ${fn.name}()`, undefined, 'kernel/workqueue.c process_one_work()');
        it.call(fn.name, [work]);
        w.context = saved;
        w.lock = lock;
      },
      { work: true },
    );
    w.pending.push(job);
    it.trace.model('queue_work', `queue ${fn.name}() in ${w.context} context`, 'queued', 'kernel/workqueue.c queue_work()');
    return int(1, T.bool);
  }),
  flush_workqueue: m('kernel/workqueue.c flush_workqueue(): sleeps until every work item queued so far has run', (ctx) => {
    const { w, it } = ctx;
    w.emit({ e: 'may-sleep', what: 'flush_workqueue', context: w.context });
    const jobs = w.pending.filter((p) => p.work);
    for (const j of jobs) w.pending.splice(w.pending.indexOf(j), 1);
    if (jobs.length) w.emit({ e: 'wait', what: 'flush_workqueue' });
    it.trace.model('flush_workqueue', `wait for ${jobs.length} work item(s) in ${w.context} context${w.lock !== 'none' ? `, holding ${w.profile.legacy?.lockName ?? 'i_rwsem'}` : ''}`, 'flushed', 'kernel/workqueue.c flush_workqueue()');
    const held = w.lock;
    for (const j of jobs) j(held);
    return VOID;
  }),
  create_workqueue: m('kernel/workqueue.c create_workqueue(): a workqueue handle', () => int(1, T.long)),
  destroy_workqueue: m('kernel/workqueue.c destroy_workqueue()', () => VOID),
};
