import { FALSE, int, T, TRUE, Value, VOID } from '../interp/values';
import type { ModelCtx, ModelFn, Registry } from './registry';
import type { LockMode, LockOp } from './world';

/**
 * i_rwsem as seen by one request (include/linux/fs.h inode_lock*() wrappers around
 * down_read/down_write/up_*, 6.1 and 6.12). Contention (`env.contended`) means another
 * task holds the lock: trylocks fail and blocking acquisitions sleep first.
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });

function record(ctx: ModelCtx, op: LockOp, cite: string): void {
  ctx.w.emit({ e: 'lock', op, context: ctx.w.context });
  // Legacy profiles name the lock of their era (i_mutex up to 4.6).
  ctx.it.trace.add({ kind: 'lock', fn: ctx.it.currentFn(), file: 'model', line: 0, text: `${ctx.w.profile.legacy?.lockName ?? 'i_rwsem'}: ${op}`, result: op, cite });
}

/** Take the inode lock in `mode` (blocking; a self-deadlock if this task holds it). */
export function acquire(ctx: ModelCtx, mode: Exclude<LockMode, 'none'>, cite: string): Value {
  const w = ctx.w;
  if (w.lock !== 'none') {
    w.emit({ e: 'lock-error', text: `${mode} acquisition of i_rwsem already held ${w.lock} by this task: self-deadlock` });
  }
  w.emit({ e: 'may-sleep', what: mode === 'shared' ? 'inode_lock_shared' : 'inode_lock', context: w.context });
  w.lock = mode;
  record(ctx, mode, cite);
  return VOID;
}

function tryAcquire(ctx: ModelCtx, mode: Exclude<LockMode, 'none'>, cite: string): Value {
  const w = ctx.w;
  if (w.contended || w.lock !== 'none') {
    record(ctx, mode === 'shared' ? 'trylock-shared-failed' : 'trylock-exclusive-failed', cite);
    return int(0, T.int);
  }
  w.lock = mode;
  record(ctx, mode, cite);
  return int(1, T.int);
}

/** Release the inode lock held in `mode`. */
/** down_write → down_read of i_rwsem without releasing it (downgrade_write()). */
function downgrade(ctx: ModelCtx): Value {
  if (ctx.w.lock !== 'exclusive') ctx.w.emit({ e: 'lock-error', text: `downgrade_write of i_rwsem held ${ctx.w.lock}` });
  ctx.w.lock = 'shared';
  record(ctx, 'downgrade', 'downgrade_write()');
  return VOID;
}

export function release(ctx: ModelCtx, mode: Exclude<LockMode, 'none'>, cite: string): Value {
  const w = ctx.w;
  if (w.lock !== mode) {
    w.emit({ e: 'lock-error', text: `${mode === 'shared' ? 'up_read' : 'up_write'} of i_rwsem held ${w.lock}` });
  }
  w.lock = 'none';
  record(ctx, mode === 'shared' ? 'unlock-shared' : 'unlock-exclusive', cite);
  return VOID;
}

export const LOCKING: Registry = {
  inode_lock: m('include/linux/fs.h inode_lock(): down_write(&inode->i_rwsem)', (ctx) => acquire(ctx, 'exclusive', 'inode_lock() → down_write()')),
  inode_lock_shared: m('include/linux/fs.h inode_lock_shared(): down_read(&inode->i_rwsem)', (ctx) => acquire(ctx, 'shared', 'inode_lock_shared() → down_read()')),
  inode_trylock: m('include/linux/fs.h inode_trylock(): down_write_trylock()', (ctx) => tryAcquire(ctx, 'exclusive', 'inode_trylock() → down_write_trylock()')),
  inode_trylock_shared: m('include/linux/fs.h inode_trylock_shared(): down_read_trylock()', (ctx) => tryAcquire(ctx, 'shared', 'inode_trylock_shared() → down_read_trylock()')),
  inode_unlock: m('include/linux/fs.h inode_unlock(): up_write()', (ctx) => release(ctx, 'exclusive', 'inode_unlock() → up_write()')),
  inode_unlock_shared: m('include/linux/fs.h inode_unlock_shared(): up_read()', (ctx) => release(ctx, 'shared', 'inode_unlock_shared() → up_read()')),
  inode_lock_downgrade: m('include/linux/fs.h: downgrade_write(&inode->i_rwsem)', downgrade),
  downgrade_write: m('include/linux/rwsem.h downgrade_write(&inode->i_rwsem) (5.3 ext4 code calls it directly; inode_lock_downgrade() wraps it from 4.x on)', downgrade),
  inode_dio_wait: m(
    'fs/inode.c inode_dio_wait() (6.1/6.12): sleeps until i_dio_count is 0, i.e. until in-flight DIO (including this task\'s queued AIO) completes',
    (ctx) => {
      const w = ctx.w;
      w.emit({ e: 'may-sleep', what: 'inode_dio_wait', context: w.context });
      if (w.pending.length) {
        // Our own queued AIO: waiting here is the "wait after -EIOCBQUEUED" pattern.
        w.emit({ e: 'wait', what: 'wait-after-EIOCBQUEUED' });
        ctx.it.trace.add({ kind: 'wait', fn: ctx.it.currentFn(), file: 'model', line: 0, text: 'inode_dio_wait(): waits for this request\'s queued DIO', cite: 'fs/inode.c inode_dio_wait()' });
        runPending(ctx);
      } else {
        w.emit({ e: 'wait', what: 'inode_dio_wait' });
        ctx.it.trace.add({ kind: 'wait', fn: ctx.it.currentFn(), file: 'model', line: 0, text: 'inode_dio_wait(): drains in-flight DIO', cite: 'fs/inode.c inode_dio_wait()' });
      }
      return VOID;
    },
  ),
  inode_dio_begin: m('include/linux/fs.h: atomic_inc(&inode->i_dio_count)', (ctx) => {
    ctx.w.dioInFlight++;
    return VOID;
  }),
  inode_dio_end: m('include/linux/fs.h: atomic_dec_and_test(&inode->i_dio_count)', (ctx) => {
    ctx.w.dioInFlight = Math.max(0, ctx.w.dioInFlight - 1);
    return VOID;
  }),
};

/** Run deferred completions (the DIO workqueue, or an explicit wait for them). */
export function runPending(ctx: ModelCtx): void {
  while (ctx.w.pending.length) ctx.w.pending.shift()!();
}

