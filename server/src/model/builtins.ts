import type { CNode } from '../syntax/cst';
import { FALSE, int, NULL, T, toBigInt, TRUE, truthy, Value, VOID, commonType, IntType } from '../interp/values';
import { fallback } from './registry';
import type { BuiltinFn, ModelCtx, ModelFn, Registry } from './registry';

/**
 * Macros and header inlines (C-SURFACE.md §3(d)): pure, tiny, and not parseable from the
 * headers (attributes, `container_of`, token pasting), so implemented here by name.
 */

const b = (cite: string, run: BuiltinFn['run']): BuiltinFn => ({ kind: 'builtin', cite, run });
const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({
  kind: 'model',
  cite,
  run: (ctx, args) => run(ctx, args),
});
const ev = (ctx: ModelCtx, n: CNode | undefined): Value => (n ? ctx.it.eval(n) : int(0));
const bool = (x: boolean): Value => (x ? TRUE : FALSE);
const ptr = (o: import('../interp/values').CObject): Value => ({ k: 'obj', obj: o });

function typeArg(ctx: ModelCtx, n: CNode | undefined): IntType {
  const v = ev(ctx, n);
  return v.k === 'type' ? v.t : T.long;
}

function warn(ctx: ModelCtx, name: string, args: readonly CNode[]): Value {
  const v = ev(ctx, args[0]);
  const hit = truthy(v);
  if (hit) {
    const where = ctx.it.where(args[0]);
    ctx.it.trace.add({ kind: 'warn', fn: ctx.it.currentFn(), file: where.file, line: where.line, text: `${name}(${ctx.it.textOf(args[0])})`, result: 'fires' });
    ctx.w.emit({ e: 'warn', text: `${name}(${ctx.it.textOf(args[0])})`, where: `${where.file}:${where.line}`, fn: ctx.it.currentFn() });
  }
  return int(hit ? 1 : 0);
}

function minmax(ctx: ModelCtx, a: Value, c: Value, t: IntType | undefined, wantMin: boolean): Value {
  const ty = t ?? (a.k === 'int' && c.k === 'int' ? commonType(a.t, c.t) : T.long);
  const x = int(toBigInt(a), ty);
  const y = int(toBigInt(c), ty);
  const xv = toBigInt(x);
  const yv = toBigInt(y);
  return wantMin ? (xv <= yv ? x : y) : xv >= yv ? x : y;
}

export const BUILTINS: Registry = {
  unlikely: b('include/linux/compiler.h: __builtin_expect(!!(x), 0)', (ctx, a) => int(truthy(ev(ctx, a[0])) ? 1 : 0)),
  likely: b('include/linux/compiler.h: __builtin_expect(!!(x), 1)', (ctx, a) => int(truthy(ev(ctx, a[0])) ? 1 : 0)),
  WARN_ON: b('include/asm-generic/bug.h: evaluates to !!cond, warns when true', (ctx, a) => warn(ctx, 'WARN_ON', a)),
  WARN_ON_ONCE: b('include/asm-generic/bug.h: evaluates to !!cond, warns once when true', (ctx, a) => warn(ctx, 'WARN_ON_ONCE', a)),
  WARN: b('include/asm-generic/bug.h WARN(cond, fmt…): evaluates to !!cond, warns when true', (ctx, a) => warn(ctx, 'WARN', a)),
  WARN_ONCE: b('include/asm-generic/bug.h WARN_ONCE(cond, fmt…): evaluates to !!cond', (ctx, a) => warn(ctx, 'WARN_ONCE', a)),
  BUG_ON: b('include/asm-generic/bug.h: a true condition oopses', (ctx, a) => warn(ctx, 'BUG_ON', a)),
  READ_ONCE: b('include/asm-generic/rwonce.h: the value of its lvalue', (ctx, a) => ev(ctx, a[0])),
  WRITE_ONCE: b('include/asm-generic/rwonce.h: a plain store of the value', (ctx, a) => {
    ctx.it.lvalue(a[0]).set(ev(ctx, a[1]));
    return VOID;
  }),
  min_t: b('include/linux/minmax.h: min after casting both to the type', (ctx, a) => minmax(ctx, ev(ctx, a[1]), ev(ctx, a[2]), typeArg(ctx, a[0]), true)),
  max_t: b('include/linux/minmax.h: max after casting both to the type', (ctx, a) => minmax(ctx, ev(ctx, a[1]), ev(ctx, a[2]), typeArg(ctx, a[0]), false)),
  min: b('include/linux/minmax.h: the smaller of two same-typed values', (ctx, a) => minmax(ctx, ev(ctx, a[0]), ev(ctx, a[1]), undefined, true)),
  max: b('include/linux/minmax.h: the larger of two same-typed values', (ctx, a) => minmax(ctx, ev(ctx, a[0]), ev(ctx, a[1]), undefined, false)),
  round_up: b('include/linux/math.h: ((x - 1) | (y - 1)) + 1 for power-of-two y', (ctx, a) => {
    const x = ev(ctx, a[0]);
    const y = toBigInt(ev(ctx, a[1]));
    return int(((toBigInt(x) - 1n) | (y - 1n)) + 1n, x.k === 'int' ? x.t : T.long);
  }),
  round_down: b('include/linux/math.h: x & ~(y - 1)', (ctx, a) => {
    const x = ev(ctx, a[0]);
    const y = toBigInt(ev(ctx, a[1]));
    return int(toBigInt(x) & ~(y - 1n), x.k === 'int' ? x.t : T.long);
  }),
  ALIGN: b('include/linux/align.h: round x up to a power-of-two a', (ctx, a) => {
    const x = ev(ctx, a[0]);
    const y = toBigInt(ev(ctx, a[1]));
    return int((toBigInt(x) + y - 1n) & ~(y - 1n), x.k === 'int' ? x.t : T.long);
  }),
  IS_ALIGNED: b('include/linux/align.h: ((x) & ((a) - 1)) == 0', (ctx, a) => bool((toBigInt(ev(ctx, a[0])) & (toBigInt(ev(ctx, a[1])) - 1n)) === 0n)),
  DIV_ROUND_UP: b('include/linux/math.h: (n + d - 1) / d', (ctx, a) => {
    const x = toBigInt(ev(ctx, a[0]));
    const y = toBigInt(ev(ctx, a[1]));
    return int(y === 0n ? 0n : (x + y - 1n) / y, T.ulong);
  }),
  BIT: b('include/linux/bits.h: 1UL << nr', (ctx, a) => int(1n << toBigInt(ev(ctx, a[0])), T.ulong)),
  IS_ERR: b('include/linux/err.h: pointer in the top MAX_ERRNO bytes', (ctx, a) => bool(ev(ctx, a[0]).k === 'errptr')),
  IS_ERR_OR_NULL: b('include/linux/err.h: NULL or an ERR_PTR', (ctx, a) => {
    const v = ev(ctx, a[0]);
    return bool(v.k === 'errptr' || v.k === 'null');
  }),
  PTR_ERR: b('include/linux/err.h: (long)ptr', (ctx, a) => {
    const v = ev(ctx, a[0]);
    return int(v.k === 'errptr' ? v.err : 0n, T.long);
  }),
  PTR_ERR_OR_ZERO: b('include/linux/err.h: the errno of an ERR_PTR, else 0', (ctx, a) => {
    const v = ev(ctx, a[0]);
    return int(v.k === 'errptr' ? v.err : 0n, T.int);
  }),
  ERR_PTR: b('include/linux/err.h: (void *)error', (ctx, a) => ({ k: 'errptr', err: toBigInt(ev(ctx, a[0])) })),
  test_opt: b('fs/ext4/ext4.h: (EXT4_SB(sb)->s_mount_opt & EXT4_MOUNT_##opt) — the second argument is a token', (ctx, a) => {
    const opt = a[1]?.text ?? ctx.it.textOf(a[1]);
    const s = ctx.w.scenario.mount;
    const on: Record<string, boolean> = {
      DIOREAD_NOLOCK: s.dioreadNolock,
      DELALLOC: s.delalloc,
      JOURNAL_DATA: s.dataJournal,
      DAX_ALWAYS: false,
    };
    if (!(opt in on)) ctx.it.assume(`test_opt(sb, ${opt}): mount option not modelled; assumed off`);
    return int(on[opt] ? 1 : 0);
  }),
  lockdep_assert_held_write: b('include/linux/lockdep.h (checked against the lock model; a no-op without CONFIG_LOCKDEP)', (ctx, a) => {
    if (ctx.w.lock !== 'exclusive' && ctx.w.context === 'process') {
      const where = ctx.it.where(a[0]);
      ctx.w.emit({ e: 'lock-error', text: `lockdep_assert_held_write(${ctx.it.textOf(a[0])}) with i_rwsem ${ctx.w.lock} at ${where.file}:${where.line}` });
    }
    return VOID;
  }),
  lockdep_assert_held: b('include/linux/lockdep.h: asserts the lock is held (checked against the lock model)', (ctx, a) => {
    if (ctx.w.lock === 'none' && ctx.w.context === 'process') {
      const where = ctx.it.where(a[0]);
      ctx.w.emit({ e: 'lock-error', text: `lockdep_assert_held(${ctx.it.textOf(a[0])}) with i_rwsem not held at ${where.file}:${where.line}` });
    }
    return VOID;
  }),
  EXT4_MAX_BLOCKS: b('fs/ext4/ext4.h: ((EXT4_BLOCK_ALIGN(size + off, bits) >> bits) - (off >> bits))', (ctx, a) => {
    const size = toBigInt(ev(ctx, a[0]));
    const off = toBigInt(ev(ctx, a[1]));
    const bits = toBigInt(ev(ctx, a[2]));
    const align = ((size + off + (1n << bits) - 1n) >> bits) << bits;
    return int((align >> bits) - (off >> bits), T.long);
  }),
  // Tracepoints, printk and debug helpers have no effect on the write path.
  ...Object.fromEntries(
    ['might_sleep', 'pr_warn_ratelimited', 'pr_warn', 'pr_err', 'pr_info', 'pr_debug', 'printk', 'ext4_debug', 'ext4_warning', 'ext4_msg', 'ext4_warning_inode', 'jbd_debug', 'ext_debug', 'fallthrough', 'blk_start_plug', 'blk_finish_plug', 'cond_resched', 'lockdep_assert_not_held', 'BUILD_BUG_ON', 'file_accessed']
      .map((n) => [n, b('no effect on the modelled state (tracing/printk/debug)', () => VOID)]),
  ),
};

/** Inline accessors from headers, as models over the world's objects. */
export const ACCESSORS: Registry = {
  file_inode: m('include/linux/fs.h: f->f_inode', (ctx) => ptr(ctx.w.objects.inode)),
  EXT4_I: m('fs/ext4/ext4.h: container_of(inode, struct ext4_inode_info, vfs_inode)', (ctx) => ptr(ctx.w.objects.ei)),
  EXT4_SB: m('fs/ext4/ext4.h EXT4_SB(): sb->s_fs_info, the ext4_sb_info', (ctx) => ptr(ctx.w.objects.sbi)),
  i_size_read: m('include/linux/fs.h: inode->i_size', (ctx) => int(ctx.w.iSize, T.long)),
  i_size_write: m('include/linux/fs.h i_size_write(): inode->i_size = size', (ctx, a) => {
    ctx.w.iSize = toBigInt(a[1]);
    return VOID;
  }),
  i_blocksize: m('include/linux/fs.h: 1 << inode->i_blkbits', (ctx) => int(ctx.w.blockSize, T.uint)),
  iov_iter_count: m('include/linux/uio.h iov_iter_count(): i->count, bytes left', (ctx) => int(ctx.w.iterCount, T.ulong)),
  iov_iter_truncate: m('include/linux/uio.h: if (i->count > count) i->count = count', (ctx, a) => {
    const n = toBigInt(a[1]);
    if (ctx.w.iterCount > n) ctx.w.iterCount = n;
    return VOID;
  }),
  iov_iter_alignment: m('lib/iov_iter.c: OR of segment addresses and lengths (one user buffer)', (ctx) => {
    const r = ctx.w.scenario.request;
    // The buffer starts page aligned plus bufOffset; iov_len is the remaining count.
    return int(BigInt(4096 + r.bufOffset) | ctx.w.iterCount, T.ulong);
  }),
  is_sync_kiocb: m('include/linux/fs.h: !kiocb->ki_complete', (ctx) => bool(!ctx.w.scenario.request.aio)),
  iocb_is_dsync: m('include/linux/fs.h: IOCB_DSYNC || IS_SYNC(inode)', (ctx) => bool((ctx.w.iocbFlags & ctx.w.c('IOCB_DSYNC')) !== 0n)),
  IS_DAX: m('include/linux/fs.h: inode->i_flags & S_DAX (CONFIG_FS_DAX=y)', (ctx) => bool(ctx.w.isDax)),
  IS_NOSEC: m('include/linux/fs.h: inode->i_flags & S_NOSEC', (ctx) => bool(ctx.w.nosec)),
  IS_ENCRYPTED: m('include/linux/fs.h: inode->i_flags & S_ENCRYPTED', (ctx) => bool(ctx.w.flags.has('encrypt'))),
  IS_VERITY: m('include/linux/fs.h: inode->i_flags & S_VERITY', (ctx) => bool(ctx.w.flags.has('verity'))),
  IS_IMMUTABLE: m('include/linux/fs.h: inode->i_flags & S_IMMUTABLE', () => FALSE),
  IS_SYNC: m('include/linux/fs.h IS_SYNC(): sync mount or S_SYNC inode (never in scenarios)', () => FALSE),
  IS_APPEND: m('include/linux/fs.h IS_APPEND(): S_APPEND inode (never in scenarios)', () => FALSE),
  S_ISREG: m('include/uapi/linux/stat.h S_ISREG(): scenarios write regular files', () => TRUE),
  fsverity_active: m('include/linux/fsverity.h: the inode has verity info', (ctx) => bool(ctx.w.flags.has('verity'))),
  fscrypt_dio_supported: m(
    'fs/crypto/inline_crypt.c fscrypt_dio_supported() (6.1/6.12): DIO on encrypted files needs blk-crypto inline encryption; the model assumes the device has none (no -o inlinecrypt)',
    (ctx) => {
      ctx.it.assume('encrypted inode: inline encryption not available, so fscrypt_dio_supported() is false');
      return FALSE;
    },
  ),
  fscrypt_limit_io_blocks: m('include/linux/fscrypt.h: returns nr_blocks without inline crypt', (_ctx, a) => a[2] ?? int(0)),
  ext4_should_journal_data: m('fs/ext4/ext4_jbd2.h: ext4_inode_journal_mode() & EXT4_INODE_JOURNAL_DATA_MODE (the per-inode flag counts only with nodelalloc)', (ctx) => bool(ctx.w.journalData)),
  ext4_has_inline_data: m('fs/ext4/ext4.h: EXT4_INODE_INLINE_DATA flag && i_inline_off', (ctx) => bool(ctx.w.flags.has('inline_data'))),
  ext4_forced_shutdown: m('fs/ext4/ext4.h: EXT4_FLAGS_SHUTDOWN (never set in scenarios)', () => FALSE),
  ext4_test_inode_flag: fallback('fs/ext4/ext4.h EXT4_INODE_BIT_FNS(flag, flags, 0): test_bit(bit, &EXT4_I(inode)->i_flags)', (ctx, a) => {
    const bit = toBigInt(a[1]);
    const w = ctx.w;
    if (bit === w.c('EXT4_INODE_EXTENTS')) return bool(w.mapping === 'extents');
    if (bit === w.c('EXT4_INODE_INLINE_DATA')) return bool(w.flags.has('inline_data'));
    if (bit === w.c('EXT4_INODE_JOURNAL_DATA')) return bool(w.flags.has('journal_data'));
    if (bit === w.c('EXT4_INODE_VERITY')) return bool(w.flags.has('verity'));
    if (bit === w.c('EXT4_INODE_ENCRYPT')) return bool(w.flags.has('encrypt'));
    if (bit === w.c('EXT4_INODE_DAX')) return bool(w.flags.has('dax'));
    ctx.it.assume(`ext4_test_inode_flag(inode, ${bit}): flag not modelled; assumed clear`);
    return FALSE;
  }),
  ext4_test_inode_state: fallback('fs/ext4/ext4.h EXT4_INODE_BIT_FNS(state, state_flags, 32)', (ctx, a) => bool(ctx.w.stateBits.has(toBigInt(a[1])))),
  ext4_set_inode_state: fallback('fs/ext4/ext4.h EXT4_INODE_BIT_FNS(state, state_flags, 32)', (ctx, a) => {
    ctx.w.stateBits.add(toBigInt(a[1]));
    return VOID;
  }),
  ext4_clear_inode_state: fallback('fs/ext4/ext4.h EXT4_INODE_BIT_FNS(state, state_flags, 32)', (ctx, a) => {
    ctx.w.stateBits.delete(toBigInt(a[1]));
    return VOID;
  }),
  inode_to_bdi: m('include/linux/backing-dev.h (6.1 only; no effect on the model)', () => NULL),
};
