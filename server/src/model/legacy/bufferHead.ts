import { field, type CNode } from '../../syntax/cst';
import { FALSE, int, PlainObject, T, toBigInt, TRUE, Value, VOID } from '../../interp/values';
import type { BuiltinFn, ModelCtx, ModelFn, Registry } from '../registry';

/**
 * `struct buffer_head` as the legacy get_block interface uses it (include/linux/buffer_head.h,
 * 2.6.31–5.4): fs/direct-io.c hands a `map_bh` to the filesystem's get_block callback,
 * which maps it (BH_Mapped, b_size in bytes, b_blocknr) and may flag it BH_New /
 * BH_Unwritten, set `b_private` (4.7+: the io_end) and ask for deferred completion.
 *
 * The state bits are the ones ext4 itself uses for them: EXT4_MAP_x = 1 << BH_x
 * (fs/ext4/ext4.h), so `map->m_flags` copies straight into `b_state` as in
 * `_ext4_get_block()`. Deferred completion is kept as its own field.
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });
const b = (cite: string, run: BuiltinFn['run']): BuiltinFn => ({ kind: 'builtin', cite, run });

/** A fresh map_bh for one get_block call: unmapped, `sizeBytes` asked for. */
export function newMapBh(sizeBytes: bigint, priv: Value): PlainObject {
  return new PlainObject('buffer_head', { b_state: int(0, T.ulong), b_size: int(sizeBytes, T.ulong), b_private: priv });
}

/** The BH_x bit for a state name, via ext4's EXT4_MAP_x = 1 << BH_x. */
function bit(ctx: ModelCtx, name: 'MAPPED' | 'NEW' | 'UNWRITTEN' | 'BOUNDARY'): bigint {
  return ctx.w.c(`EXT4_MAP_${name}`);
}

/** Does the buffer carry `name`? `bh` must be a buffer_head object (else false). */
export function bhHas(ctx: ModelCtx, bh: Value, name: 'MAPPED' | 'NEW' | 'UNWRITTEN'): boolean {
  return bh.k === 'obj' && (toBigInt(bh.obj.get('b_state')) & bit(ctx, name)) !== 0n;
}

function setBit(ctx: ModelCtx, bh: Value, name: 'MAPPED' | 'NEW' | 'UNWRITTEN', on: boolean): Value {
  if (bh.k !== 'obj') return VOID;
  const cur = toBigInt(bh.obj.get('b_state'));
  bh.obj.set('b_state', int(on ? cur | bit(ctx, name) : cur & ~bit(ctx, name), T.ulong));
  return VOID;
}

const test = (name: 'MAPPED' | 'NEW' | 'UNWRITTEN') => m(`include/linux/buffer_head.h BUFFER_FNS(${name[0]}${name.slice(1).toLowerCase()}): test_bit(BH_${name[0]}${name.slice(1).toLowerCase()}, &bh->b_state)`, (ctx, a) => (bhHas(ctx, a[0], name) ? TRUE : FALSE));
const set = (name: 'MAPPED' | 'NEW' | 'UNWRITTEN', on: boolean) => m(`include/linux/buffer_head.h BUFFER_FNS: ${on ? 'set' : 'clear'}_bit(BH_${name}, &bh->b_state)`, (ctx, a) => setBit(ctx, a[0], name, on));

/** The kernel object a `&obj->member` argument node points into, if it is one. */
function containerOf(ctx: ModelCtx, n: CNode | undefined): Value | undefined {
  if (!n || n.type !== 'pointer_expression' || n.op !== '&') return undefined;
  const inner = n.children[0];
  if (inner?.type !== 'field_expression') return undefined;
  const base = field(inner, 'argument');
  return base ? ctx.it.eval(base) : undefined;
}

export const BUFFER_HEAD: Registry = {
  buffer_mapped: test('MAPPED'),
  buffer_new: test('NEW'),
  buffer_unwritten: test('UNWRITTEN'),
  set_buffer_mapped: set('MAPPED', true),
  set_buffer_new: set('NEW', true),
  set_buffer_unwritten: set('UNWRITTEN', true),
  clear_buffer_mapped: set('MAPPED', false),
  clear_buffer_new: set('NEW', false),
  clear_buffer_unwritten: set('UNWRITTEN', false),
  set_buffer_defer_completion: m('include/linux/buffer_head.h BUFFER_FNS(Defer_Completion) (3.13+): fs/direct-io.c then completes the DIO on s_dio_done_wq, in process context', (_ctx, a) => {
    if (a[0]?.k === 'obj') a[0].obj.set('defer_completion', TRUE);
    return VOID;
  }),
  map_bh: m('include/linux/buffer_head.h map_bh(): set_buffer_mapped, b_bdev, b_blocknr, b_size = sb->s_blocksize', (ctx, a) => {
    setBit(ctx, a[0], 'MAPPED', true);
    if (a[0]?.k === 'obj') a[0].obj.set('b_blocknr', a[2] ?? int(0));
    return VOID;
  }),
  // Work items, as the 2009 io_end code uses them (include/linux/workqueue.h).
  INIT_WORK: b('include/linux/workqueue.h INIT_WORK(work, func): the work item remembers its function (and, here, the object it is embedded in, for container_of())', (ctx, args) => {
    const owner = containerOf(ctx, args[0]);
    const fn = ctx.it.eval(args[1]);
    if (owner?.k === 'obj') {
      const member = field(args[0].children[0], 'field')?.text ?? 'work';
      owner.obj.set(member, { k: 'obj', obj: new PlainObject('work_struct', { func: fn, owner }) });
    }
    return VOID;
  }),
  container_of: b('include/linux/container_of.h container_of(ptr, type, member): the object a member is embedded in', (ctx, args) => {
    const p = ctx.it.eval(args[0]);
    if (p.k === 'obj') {
      const owner = p.obj.get('owner');
      if (owner.k === 'obj') return owner;
    }
    ctx.it.assume(`container_of(${args[0] ? ctx.it.textOf(args[0]) : '?'}): the containing object is not known; NULL`);
    return { k: 'null' };
  }),
  kmalloc: b('include/linux/slab.h kmalloc(): a new object (allocation failure not modelled)', () => ({ k: 'obj', obj: new PlainObject('kmalloc') })),
  kzalloc: b('include/linux/slab.h kzalloc(): a new zeroed object (allocation failure not modelled)', () => ({ k: 'obj', obj: new PlainObject('kzalloc') })),
  kfree: b('mm/slab.c kfree(): nothing to model', () => VOID),
  printk: b('kernel/printk printk(): no effect on the write path', () => int(0)),
  ext4_debug: b('fs/ext4/ext4.h ext4_debug(): compiled out without CONFIG_EXT4_DEBUG', () => VOID),
  ext_debug: b('fs/ext4/ext4.h ext_debug(): compiled out without EXT_DEBUG', () => VOID),
};
