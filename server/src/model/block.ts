import type { CNode } from '../syntax/cst';
import { CObject, int, NULL, PlainObject, StructObject, T, toBigInt, truthy, Value, VOID } from '../interp/values';
import type { BuiltinFn, ModelCtx, ModelFn, Registry } from './registry';
import type { World } from './world';
import { pageCacheHasRange } from './vfs';

/**
 * The substrate under the interpreted fs/iomap and mm/filemap.c C (issue 11 §2): state
 * the kernel keeps, not decisions it makes. Bios (allocation, the user pages they pin,
 * submission, completion in interrupt context), the block device's queue limits, atomics,
 * the current task, work items and the DIO workqueue, slab allocation of the C's own
 * structs, and the page-cache queries iomap makes before a direct write. Each entry cites
 * the kernel function it stands for; none of them differs between 6.1, 6.12 and 7.2 in
 * what the write path sees.
 */

const b = (cite: string, run: BuiltinFn['run']): BuiltinFn => ({ kind: 'builtin', cite, run });
const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });
/** Page-cache state: the C of these is in mm/filemap.c (interpreted), but walks the xarray the substrate does not hold. */
const pc = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'boundary', cite, run: (ctx, args) => run(ctx, args) });
const ptr = (o: CObject): Value => ({ k: 'obj', obj: o });
const u = (v: bigint | number): Value => int(v, T.uint);
const i32 = (v: bigint | number): Value => int(v, T.int);

/** The page size of x86-64 (arch/x86/include/asm/page_types.h PAGE_SHIFT 12). */
const PAGE_SIZE = 4096n;

/**
 * The DMA alignment of the scenario's device: blk_validate_limits() (block/blk-settings.c,
 * 6.12 and 7.2) sets `dma_alignment = SECTOR_SIZE - 1` when the driver sets none, which
 * neither loop nor virtio-blk does.
 */
const DMA_ALIGNMENT = 511n;

/** The user buffer's address: page aligned plus the scenario's `bufOffset` (an aligned_alloc buffer + offset). */
function bufferAddress(w: World): bigint {
  return PAGE_SIZE + BigInt(w.scenario.request.bufOffset);
}

/** Bytes of the user buffer that can be pinned from where the iter is now: all of it, or up to the first fs block with `env.shortWrite` (the buffer faults after it). */
function pinnable(w: World): bigint {
  if (!w.scenario.env.shortWrite) return w.iterCount;
  const left = BigInt(w.blockSize) - w.iterAdvanced;
  return left > 0n ? (left < w.iterCount ? left : w.iterCount) : 0n;
}

/** A new bio (include/linux/blk_types.h struct bio: bi_iter.bi_size, bi_opf, bi_bdev, bi_private, bi_end_io). */
function newBio(ctx: ModelCtx, bdev: Value | undefined, opf: Value | undefined): Value {
  const iter = new PlainObject('bvec_iter', { bi_size: u(0), bi_sector: int(0, T.ulong) });
  const bio = new PlainObject('bio', { bi_iter: ptr(iter), bi_opf: opf ?? u(0), bi_bdev: bdev ?? NULL, bi_status: int(0, T.u8), bi_private: NULL, bi_end_io: NULL });
  ctx.w.charge(1, 'bio_alloc');
  return ptr(bio);
}

function bioSize(bio: Value | undefined): bigint {
  if (bio?.k !== 'obj') return 0n;
  const it = bio.obj.get('bi_iter');
  return it.k === 'obj' ? toBigInt(it.obj.get('bi_size')) : 0n;
}

function addBioBytes(bio: Value | undefined, n: bigint, zero: boolean): void {
  if (bio?.k !== 'obj') return;
  const it = bio.obj.get('bi_iter');
  if (it.k === 'obj') it.obj.set('bi_size', u(toBigInt(it.obj.get('bi_size')) + n));
  if (zero) bio.obj.set('__zero', int(1));
}

/**
 * bio_iov_iter_get_pages(bio, iter[, mem_align_mask, len_align_mask]) (block/bio.c): pins
 * the user pages the iter covers into the bio and advances the iter. -EFAULT when not one
 * byte could be pinned (the buffer faults); a partial bio otherwise. 7.2 takes the masks and
 * fails a vector misaligned to mem_align_mask with -EINVAL (6.12 checked the buffer earlier,
 * bdev_iter_is_aligned()); the length is aligned down to len_align_mask.
 */
function bioIovIterGetPages(ctx: ModelCtx, a: Value[]): Value {
  const { w, it } = ctx;
  const [bio, , memMask, lenMask] = a;
  if (memMask && (bufferAddress(w) + w.iterAdvanced) & toBigInt(memMask)) {
    it.trace.model('bio_iov_iter_get_pages', `user buffer +${w.scenario.request.bufOffset} vs mem_align_mask ${toBigInt(memMask)}`, '-EINVAL', 'block/bio.c bio_iov_iter_get_pages() 7.2: iov_iter_extract_bvecs() fails a misaligned vector with -EINVAL');
    return i32(-w.c('EINVAL'));
  }
  let n = pinnable(w);
  if (lenMask) n &= ~toBigInt(lenMask);
  if (n <= 0n) {
    it.trace.model('bio_iov_iter_get_pages', 'the user buffer faults', '-EFAULT', 'block/bio.c bio_iov_iter_get_pages(): nothing pinned → the extraction error');
    return i32(-w.c('EFAULT'));
  }
  addBioBytes(bio, n, false);
  w.iterCount -= n;
  w.iterAdvanced += n;
  return i32(0);
}

/** Complete every bio in flight, in interrupt context (blk_mq_end_request() → bio_endio() → ->bi_end_io). */
export function completeBios(ctx: ModelCtx): void {
  const { w, it } = ctx;
  while (w.inflight.length) {
    const bio = w.inflight.shift()!;
    const endIo = bio.get('bi_end_io');
    if (endIo.k !== 'fn') continue;
    const saved = w.context;
    w.context = 'irq';
    try {
      it.trace.model('bio_endio', `bio of ${bioSize(ptr(bio))} bytes completes`, undefined, 'block/bio.c bio_endio() → bio->bi_end_io() in the completion interrupt');
      it.call(endIo.name, [ptr(bio)]);
    } finally {
      w.context = saved;
    }
  }
}

function submit(ctx: ModelCtx, a: Value[]): Value {
  const bio = a[0];
  if (bio?.k === 'obj') ctx.w.inflight.push(bio.obj);
  return VOID;
}

/** The struct an allocation's argument names (`sizeof(*dio)`, `*dio`), laid out from the tree; a plain object otherwise. */
function allocate(ctx: ModelCtx, args: readonly CNode[]): Value {
  const tag = ctx.it.structTypeOf(args[0]);
  ctx.w.charge(1, 'kmalloc');
  return ptr(tag ? ctx.it.newStruct(tag) : new PlainObject('kmalloc'));
}

/** The `member` path of container_of(ptr, type, member) as names (`aio.work` → [aio, work]). */
function memberPath(n: CNode | undefined, text: (n: CNode) => string): string[] {
  return n ? text(n).split('.').map((s) => s.trim()) : [];
}

function atomicRef(ctx: ModelCtx, p: Value | undefined, what: string): { get(): bigint; set(v: bigint): void } | undefined {
  if (p?.k === 'ref') return { get: () => toBigInt(p.ref.get()), set: (v) => p.ref.set(int(v, T.int)) };
  ctx.it.unknown(`${what}(): not a pointer to an atomic_t (${ctx.it.showValue(p ?? VOID)}); not modelled`);
  return undefined;
}

/** The long a bitop's address points at (`&EXT4_I(inode)->i_flags`, `&bh->b_state`), or undefined (an unknown recorded). */
function bitRef(ctx: ModelCtx, p: Value | undefined, what: string): { get(): bigint; set(v: bigint): void } | undefined {
  if (p?.k === 'ref') return { get: () => BigInt.asUintN(64, toBigInt(p.ref.get())), set: (v) => p.ref.set(int(v, T.ulong)) };
  ctx.it.unknown(`${what}(): not a pointer to an unsigned long (${ctx.it.showValue(p ?? VOID)}); not modelled`);
  return undefined;
}

/** test_bit()/set_bit()/clear_bit() over one unsigned long (nr < 64: ext4's inode flags and state, buffer_head b_state). */
const bitop = (name: string, op: (word: bigint, mask: bigint) => bigint | boolean): ModelFn =>
  m(`include/asm-generic/bitops/instrumented-{atomic,non-atomic}.h ${name}(nr, addr) 6.1–7.2 → arch/x86 arch_${name}(): bit nr of the unsigned long at addr (a LOCK-prefixed bts/btr for set/clear; one task per scenario, so atomicity changes nothing)`, (ctx, a) => {
    const nr = toBigInt(a[0] ?? int(0));
    const r = bitRef(ctx, a[1], name);
    if (!r) return int(0, T.int);
    if (nr < 0n || nr >= 64n) {
      ctx.it.unknown(`${name}(${nr}, …): only bits of one unsigned long are modelled`);
      return int(0, T.int);
    }
    const res = op(r.get(), 1n << nr);
    if (typeof res === 'boolean') return int(res ? 1 : 0, T.int);
    r.set(res);
    return VOID;
  });

export const BLOCK: Registry = {
  test_bit: bitop('test_bit', (w, m) => (w & m) !== 0n),
  set_bit: bitop('set_bit', (w, m) => w | m),
  clear_bit: bitop('clear_bit', (w, m) => w & ~m),
  // x86-64 is little-endian: the on-disk (le) and CPU orders are the same.
  cpu_to_le32: m('include/linux/byteorder/generic.h cpu_to_le32() 6.1–7.2 → __cpu_to_le32(): the value itself on little-endian x86-64', (_ctx, a) => int(toBigInt(a[0] ?? int(0)), T.uint)),
  le32_to_cpu: m('include/linux/byteorder/generic.h le32_to_cpu() 6.1–7.2 → __le32_to_cpu(): the value itself on little-endian x86-64', (_ctx, a) => int(toBigInt(a[0] ?? int(0)), T.uint)),
  // Allocation of the C's own structs (mm/slub.c): the type comes from the argument.
  kmalloc: b('include/linux/slab.h kmalloc(size, gfp): a new object of the struct sizeof() names, uninitialised (allocation failure not modelled)', allocate),
  kzalloc: b('include/linux/slab.h kzalloc(size, gfp): a new zeroed object of the struct sizeof() names (allocation failure not modelled)', allocate),
  kmalloc_obj: b('include/linux/slab.h kmalloc_obj(VAR_OR_TYPE) 7.2: kmalloc(sizeof(VAR_OR_TYPE)) typed (allocation failure not modelled)', allocate),
  kzalloc_obj: b('include/linux/slab.h kzalloc_obj(VAR_OR_TYPE) 7.2: kzalloc(sizeof(VAR_OR_TYPE)) typed (allocation failure not modelled)', allocate),
  kfree: b('mm/slub.c kfree(): nothing to model', () => VOID),
  memset: b('lib/string.c memset(s, c, n): zeroing a struct (memset(&iter->iomap, 0, sizeof(iter->iomap))) resets its members', (ctx, a) => {
    const p = ctx.it.eval(a[0]);
    const c = a[1] ? toBigInt(ctx.it.eval(a[1])) : 1n;
    if (p.k === 'obj' && p.obj instanceof PlainObject && 'clear' in p.obj && c === 0n) (p.obj as StructObject).clear();
    else if (p.k === 'ref' && c === 0n) p.ref.set(int(0, T.long));
    else ctx.it.unknown(`memset(${ctx.it.textOf(a[0])}, …): only zeroing a struct or a scalar is modelled`);
    return p;
  }),
  container_of: b('include/linux/container_of.h container_of(ptr, type, member): the object `member` is embedded in', (ctx, a) => {
    const p = ctx.it.eval(a[0]);
    // The member is the last argument (`struct iomap_dio` may parse as more than one node).
    const path = memberPath(a[a.length - 1], (n) => ctx.it.textOf(n));
    let cur: CObject | undefined = p.k === 'obj' ? p.obj : undefined;
    for (let i = path.length - 1; i >= 0 && cur; i--) {
      const c: StructObject['container'] = cur instanceof StructObject ? cur.container : undefined;
      cur = c && c.member === path[i] ? c.obj : undefined;
    }
    if (cur) return ptr(cur);
    ctx.it.unknown(`container_of(${a[0] ? ctx.it.textOf(a[0]) : '?'}, …, ${path.join('.')}): the containing object is not known`);
    return NULL;
  }),
  KUNIT_STATIC_STUB_REDIRECT: b('include/kunit/static_stub.h KUNIT_STATIC_STUB_REDIRECT(): expands to nothing without CONFIG_KUNIT (off in Debian)', () => VOID),
  data_race: b('include/linux/compiler.h data_race(expr): the value of expr (KCSAN annotation)', (ctx, a) => (a[0] ? ctx.it.eval(a[0]) : VOID)),
  atomic_set: m('include/linux/atomic/atomic-instrumented.h atomic_set(v, i)', (ctx, a) => {
    atomicRef(ctx, a[0], 'atomic_set')?.set(toBigInt(a[1] ?? int(0)));
    return VOID;
  }),
  atomic_read: m('include/linux/atomic/atomic-instrumented.h atomic_read(v)', (ctx, a) => i32(atomicRef(ctx, a[0], 'atomic_read')?.get() ?? 0n)),
  atomic_inc: m('include/linux/atomic/atomic-instrumented.h atomic_inc(v)', (ctx, a) => {
    const r = atomicRef(ctx, a[0], 'atomic_inc');
    r?.set(r.get() + 1n);
    return VOID;
  }),
  atomic_dec_and_test: m('include/linux/atomic/atomic-instrumented.h atomic_dec_and_test(v): true when the count reaches 0', (ctx, a) => {
    const r = atomicRef(ctx, a[0], 'atomic_dec_and_test');
    if (!r) return int(0, T.bool);
    r.set(r.get() - 1n);
    return int(r.get() === 0n ? 1 : 0, T.bool);
  }),
  cmpxchg: m('include/linux/atomic/atomic-instrumented.h cmpxchg(ptr, old, new): store new if *ptr == old; the old value', (ctx, a) => {
    const p = a[0];
    if (p?.k !== 'ref') {
      ctx.it.unknown(`cmpxchg() on ${ctx.it.showValue(p ?? VOID)}: not modelled`);
      return int(0);
    }
    const old = p.ref.get();
    if (toBigInt(old) === toBigInt(a[1] ?? int(0))) p.ref.set(a[2] ?? int(0));
    return old;
  }),
  // The task and the scheduler: one task submits; waits are where completions run.
  set_current_state: m('include/linux/sched.h set_current_state(): the task state before a wait; nothing to model', () => VOID),
  __set_current_state: m('include/linux/sched.h __set_current_state(): nothing to model', () => VOID),
  blk_wake_io_task: m('include/linux/blkdev.h blk_wake_io_task(waiter): wakes the submitter sleeping in blk_io_schedule()', () => VOID),
  blk_io_schedule: m('block/blk-core.c blk_io_schedule(): the submitter sleeps until its bios complete; they complete (interrupt context) while it sleeps', (ctx) => {
    ctx.w.emit({ e: 'may-sleep', what: 'blk_io_schedule', context: ctx.w.context });
    completeBios(ctx);
    return VOID;
  }),
  INIT_WORK: b('include/linux/workqueue.h INIT_WORK(work, func): the work item remembers its function', (ctx, a) => {
    const work = ctx.it.eval(a[0]);
    const fn = ctx.it.eval(a[1]);
    if (work.k === 'obj') work.obj.set('func', fn);
    else ctx.it.unknown(`INIT_WORK(${ctx.it.textOf(a[0])}): not a work item`);
    return VOID;
  }),
  queue_work: m('kernel/workqueue.c queue_work(wq, work): the work item runs later on a worker thread (process context, no locks of the queuer)', (ctx, a) => {
    const { w, it } = ctx;
    const work = a[1];
    const fn = work?.k === 'obj' ? work.obj.get('func') : undefined;
    if (!work || !fn || fn.k !== 'fn') {
      it.unknown('queue_work(): the work item has no function (INIT_WORK not seen)');
      return int(0, T.bool);
    }
    w.pending.push(
      Object.assign(
        () => {
          const saved = w.context;
          w.context = 'workqueue';
          try {
            it.trace.model('queue_work', `worker runs ${fn.name}()`, undefined, 'kernel/workqueue.c process_one_work()');
            it.call(fn.name, [work]);
          } finally {
            w.context = saved;
          }
        },
        { work: true },
      ),
    );
    it.trace.model('queue_work', `queue ${fn.name}() in ${w.context} context`, 'queued', 'kernel/workqueue.c queue_work()');
    return int(1, T.bool);
  }),
  aio_complete_rw: m('fs/aio.c aio_complete_rw(iocb, res): the AIO\'s result is posted to the completion ring', (ctx, a) => {
    ctx.w.completionRet = toBigInt(a[1] ?? int(0));
    return VOID;
  }),
  // Bios (block/bio.c, block/blk-core.c).
  bio_alloc: m('include/linux/bio.h bio_alloc(bdev, nr_vecs, opf, gfp): a new bio (mempool-backed, never fails with GFP_KERNEL)', (ctx, a) => newBio(ctx, a[0], a[2])),
  bio_alloc_bioset: m('block/bio.c bio_alloc_bioset(bdev, nr_vecs, opf, gfp, bs): a new bio', (ctx, a) => newBio(ctx, a[0], a[2])),
  bio_iov_vecs_to_alloc: m('include/linux/bio.h bio_iov_vecs_to_alloc(iter, max): iov_iter_npages(iter, max), 0 when the iter is empty', (ctx, a) => {
    const n = (ctx.w.iterCount + PAGE_SIZE - 1n) / PAGE_SIZE;
    const max = toBigInt(a[1] ?? int(256));
    return i32(n < max ? n : max);
  }),
  bio_iov_iter_get_pages: m('block/bio.c bio_iov_iter_get_pages() 6.12/7.2 (see bioIovIterGetPages)', bioIovIterGetPages),
  __bio_add_page: m('block/bio.c __bio_add_page(bio, page, len, off): adds len bytes (the zero page for sub-block zeroing)', (_ctx, a) => {
    addBioBytes(a[0], toBigInt(a[2] ?? int(0)), true);
    return VOID;
  }),
  bio_add_folio_nofail: m('block/bio.c bio_add_folio_nofail(bio, folio, len, off) 7.2: adds len bytes (the zero folio for sub-block zeroing)', (_ctx, a) => {
    addBioBytes(a[0], toBigInt(a[2] ?? int(0)), true);
    return VOID;
  }),
  largest_zero_folio: m('include/linux/huge_mm.h largest_zero_folio() 7.2: the 4 KiB zero page\'s folio unless a persistent huge zero folio is configured (CONFIG_PERSISTENT_HUGE_ZERO_FOLIO, off in Debian)', () => ptr(new PlainObject('folio'))),
  ZERO_PAGE: m('arch/x86/include/asm/pgtable.h ZERO_PAGE(vaddr): the shared zero page (6.1 iomap_dio_zero())', () => ptr(new PlainObject('page'))),
  get_page: m('include/linux/mm.h get_page(): takes a page reference; nothing to model', () => VOID),
  folio_size: m('include/linux/mm.h folio_size(): PAGE_SIZE for an order-0 folio', () => int(PAGE_SIZE, T.ulong)),
  submit_bio: m('block/blk-core.c submit_bio(): the bio is in flight until the device completes it', submit),
  blk_crypto_submit_bio: m('include/linux/blk-crypto.h blk_crypto_submit_bio() 7.2: submit_bio() without inline encryption', submit),
  blkdev_issue_zeroout: m('block/blk-lib.c blkdev_issue_zeroout(): writes zeroes over the sectors (new blocks of EXT4_GET_BLOCKS_ZERO, DAX); the block map is unchanged', () => i32(0)),
  bio_put: m('block/bio.c bio_put(): drops a reference', () => VOID),
  bio_release_pages: m('block/bio.c bio_release_pages(): unpins the user pages', () => VOID),
  bio_set_pages_dirty: m('block/bio.c bio_set_pages_dirty(): reads only', () => VOID),
  bio_check_pages_dirty: m('block/bio.c bio_check_pages_dirty(): reads only', () => VOID),
  bio_set_polled: m('include/linux/bio.h bio_set_polled() 6.1: REQ_POLLED, only for IOCB_HIPRI (never in scenarios)', () => VOID),
  bio_integrity: m('include/linux/bio-integrity.h bio_integrity(): NULL without a PI-capable device', () => NULL),
  blk_status_to_errno: m('block/blk-core.c blk_status_to_errno(): 0 for BLK_STS_OK (the device reports no IO errors in scenarios)', (_ctx, a) => i32(toBigInt(a[0] ?? int(0)) === 0n ? 0 : -5)),
  fscrypt_set_bio_crypt_ctx: m('fs/crypto/inline_crypt.c fscrypt_set_bio_crypt_ctx(): no inline encryption context (scenarios have no -o inlinecrypt)', () => VOID),
  task_io_account_write: m('include/linux/task_io_accounting_ops.h task_io_account_write(): accounting only', () => VOID),
  fserror_report_io: m('fs/fserror.c fserror_report_io() 7.2: an fsnotify error event; no effect on the write path', () => VOID),
  // The block device's queue limits (include/linux/blkdev.h).
  bdev_logical_block_size: m('include/linux/blkdev.h bdev_logical_block_size(): the queue\'s logical block size (scenario env.logicalBlockSize)', (ctx) => u(ctx.w.scenario.env.logicalBlockSize)),
  bdev_dma_alignment: m('include/linux/blkdev.h bdev_dma_alignment(): queue_dma_alignment(), SECTOR_SIZE - 1 by default (block/blk-settings.c blk_validate_limits())', () => u(DMA_ALIGNMENT)),
  bdev_iter_is_aligned: m('include/linux/blkdev.h bdev_iter_is_aligned() 6.1/6.12: iov_iter_is_aligned(iter, bdev_dma_alignment(), bdev_logical_block_size() - 1): the user buffer address and the remaining length', (ctx) => {
    const w = ctx.w;
    const lbs = BigInt(w.scenario.env.logicalBlockSize);
    return int(((bufferAddress(w) + w.iterAdvanced) & DMA_ALIGNMENT) === 0n && (w.iterCount & (lbs - 1n)) === 0n ? 1 : 0, T.bool);
  }),
  bdev_fua: m('include/linux/blkdev.h bdev_fua(): no FUA — virtio-blk, the conformance guest\'s disk, does not advertise it', () => int(0, T.bool)),
  bdev_write_cache: m('include/linux/blkdev.h bdev_write_cache(): a volatile write cache — virtio-blk advertises VIRTIO_BLK_F_FLUSH', () => int(1, T.bool)),
  // The page cache as iomap's DIO sees it (mm/filemap.c, mm/truncate.c).
  filemap_range_has_page: pc('mm/filemap.c filemap_range_has_page(mapping, start, end): a page is cached in [start, end] (see pageCacheHasRange)', (ctx, a) => {
    const start = toBigInt(a[1] ?? int(0));
    const end = toBigInt(a[2] ?? int(0));
    return int(!ctx.w.pagesInvalidated && pageCacheHasRange(ctx.w, start, end - start + 1n) ? 1 : 0, T.bool);
  }),
  filemap_range_needs_writeback: pc('mm/filemap.c filemap_range_needs_writeback() 6.1: dirty or writeback pages in [start, end]', (ctx, a) => {
    const w = ctx.w;
    const bits = BigInt(w.blkbits);
    const start = toBigInt(a[1] ?? int(0));
    const end = toBigInt(a[2] ?? int(0));
    return int([...w.dirty].some((b) => BigInt(b) << bits <= end && BigInt(b + 1) << bits > start) ? 1 : 0, T.bool);
  }),
  invalidate_inode_pages2_range: m('mm/truncate.c invalidate_inode_pages2_range(): drops the range\'s pages; -EBUSY when one cannot be invalidated (scenario env.invalidateFails: a page mapped and re-dirtied, or pinned)', (ctx) => {
    const w = ctx.w;
    if (w.scenario.env.invalidateFails) {
      ctx.it.trace.model('invalidate_inode_pages2_range', 'a page in the range cannot be invalidated', '-EBUSY', 'mm/truncate.c invalidate_inode_pages2_range(): ret = -EBUSY when folio_launder()/invalidation fails');
      return i32(-w.c('EBUSY'));
    }
    w.pagesInvalidated = true;
    return i32(0);
  }),
};

/** Whether `bio` carries only the zero page/folio (sub-block zeroing), not user data. */
export function isZeroBio(bio: Value | undefined): boolean {
  return bio?.k === 'obj' && truthy(bio.obj.get('__zero'));
}

/** The byte size of `bio` (bi_iter.bi_size). */
export { bioSize };

/** Used by probes to look at a struct field holding a nested object. */
export function sub(v: Value | undefined, name: string): CObject | undefined {
  if (v?.k !== 'obj') return undefined;
  const f = v.obj.get(name);
  return f.k === 'obj' ? f.obj : undefined;
}

/**
 * File-scope kernel variables the interpreted C reads that no initializer in the image
 * sets (they are set at boot), by name.
 */
export const KERNEL_GLOBALS: Readonly<Record<string, { readonly cite: string; make(): Value }>> = {
  zero_page: { cite: 'fs/iomap/direct-io.c iomap_dio_init() 6.12: zero_page = alloc_pages(GFP_KERNEL | __GFP_ZERO, IOMAP_ZERO_PAGE_ORDER) at boot', make: () => ptr(new PlainObject('page')) },
};
