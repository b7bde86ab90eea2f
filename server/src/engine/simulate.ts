import { DEFAULT_LIMITS, Inconclusive, Interpreter, Limits, CodeImage } from '../interp/interpreter';
import { Trace, TraceStep } from '../interp/trace';
import { show, toBigInt, truthy, Value } from '../interp/values';
import { ERRNO_NAMES } from '../model/constants';
import { evalExpr } from '../kernel/headers';
import { makeHost } from '../model/host';
import type { KernelProfile } from '../model/profiles';
import { World } from '../model/world';
import type { Scenario } from '../scenario/types';
import { checkInvariants } from './checks';
import { bufferedWriteOf, timelineOf, warnSite, type Outcome, type ScenarioResult } from './outcome';

/** Everything a simulation needs besides the scenario. */
export interface EngineContext {
  image: CodeImage;
  profile: KernelProfile;
  /** Constant lookup: the tree's headers first, then the profile's built-in table. */
  constant: (name: string) => bigint | undefined;
  limits?: Limits;
}

/** The VFS entry point into ext4 for a write(2)/pwritev2/io_submit: ->write_iter. */
export const ENTRY = 'ext4_file_write_iter';

/**
 * The ->write entry for a profile: `ext4_file_write_iter` (iomap profiles, 4.6), or the
 * 2.6.31 ->aio_write `ext4_file_write` (a model unless the image has its C).
 */
export function entryFor(profile: KernelProfile): string {
  return profile.legacy?.entry ?? ENTRY;
}

/**
 * The function a write(2) enters in this image: what `ext4_file_operations.write_iter`
 * names — the VFS calls `file->f_op->write_iter` (fs/read_write.c new_sync_write() /
 * vfs_iter_write(), 6.1–7.2) — when the image initialises that table and has the
 * function; else `entryFor(profile)`. A patch renaming the entry then still runs.
 */
export function entryIn(image: CodeImage, profile: KernelProfile): string {
  if (profile.legacy) return entryFor(profile);
  const named = image.lookupGlobal('ext4_file_operations')?.write_iter?.trim();
  return named && /^[A-Za-z_]\w*$/.test(named) && image.lookupFunction(named) ? named : entryFor(profile);
}

/**
 * `ext4_file_operations.fop_flags` of the image (fs/ext4/file.c, 6.12+: FOP_MMAP_SYNC |
 * FOP_BUFFER_RASYNC | …), evaluated over the tree's constants: 0n when the table has no
 * such initializer (C zero-fills it; 6.1 has no fop_flags at all and never reads it),
 * undefined when a name in it has no value.
 */
export function fopFlagsIn(image: CodeImage, constant: (name: string) => bigint | undefined): bigint | undefined {
  let byConstant = FOP_FLAGS.get(image);
  if (!byConstant) FOP_FLAGS.set(image, (byConstant = new WeakMap()));
  if (byConstant.has(constant)) return byConstant.get(constant);
  const text = image.lookupGlobal('ext4_file_operations')?.fop_flags;
  const v = text === undefined ? 0n : evalExpr(text, (n) => constant(n) ?? null) ?? undefined;
  byConstant.set(constant, v);
  return v;
}

/** fopFlagsIn() per image and constant lookup: the same for every scenario run over them. */
const FOP_FLAGS = new WeakMap<CodeImage, WeakMap<(name: string) => bigint | undefined, bigint | undefined>>();

/**
 * Run one scenario: interpret `ext4_file_write_iter()` from the image over a fresh world,
 * let queued AIO complete, and derive the outcome and the invariant findings from what
 * happened. Never throws: bound overruns and model gaps become `inconclusive` and
 * `assumptions`.
 */
export function simulate(s: Scenario, ctx: EngineContext): ScenarioResult {
  const c = (name: string): bigint => ctx.constant(name) ?? 0n;
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const w = new World(s, ctx.profile, c, limits.steps);
  // The host's errno names (host.ts errnoName()), without keeping the run's host alive.
  const trace = new Trace((v) => show(v, errnoName));
  const host = makeHost(w, ctx.constant);
  const it = new Interpreter(ctx.image, host, trace, limits);
  host.bind(it);
  let ret: Value | undefined;
  let inconclusive: string | undefined;
  const entry = entryIn(ctx.image, ctx.profile);
  w.fopFlags = fopFlagsIn(ctx.image, ctx.constant);
  try {
    const refused = s.request.atomic ? atomicPrecheck(s, w, ctx, trace, it) : s.request.nowait && ctx.profile.legacy && !ctx.profile.legacy.nowait ? nowaitPrecheck(ctx, trace) : undefined;
    if (refused !== undefined) {
      ret = { k: 'int', v: refused, t: { bits: 64, signed: true, name: 'ssize_t' } };
    } else if (!ctx.image.lookupFunction(entry) && !host.kind(entry)) {
      inconclusive = `no C for ${entry}() in the image`;
    } else {
      ret = it.call(entry, [{ k: 'obj', obj: w.objects.iocb }, { k: 'obj', obj: w.objects.iter }]);
      w.lockAtReturn = w.lock;
      w.emit({ e: 'return' });
      // The syscall has returned; queued AIO completes on the workqueue afterwards.
      w.lock = 'none';
      while (w.pending.length) w.pending.shift()!();
    }
  } catch (err) {
    if (err instanceof Inconclusive) inconclusive = err.where ? `${err.reason} (${err.where})` : err.reason;
    else inconclusive = `internal error: ${(err as Error).message}`;
  }
  const outcome = deriveOutcome(s, w, trace, ret, it.assumptions, inconclusive);
  if (it.unknowns.length) outcome.unknowns = [...it.unknowns];
  // A run that went past an unknown or was cut by a bound is not behaviour: no finding from it.
  outcome.findings = inconclusive || it.unknowns.length ? [] : checkInvariants(s, w, outcome);
  const result: ScenarioResult = { id: s.id, outcome, trace: [], linesRun: {}, functions: [...it.entered] };
  // Both are made when first read: the steps are formatted then (Trace.addCall()), and
  // only a review attributing a changed scenario reads the lines run.
  lazyProperty(result, 'trace', () => trace.steps);
  const lines = it.linesRun;
  lazyProperty(result, 'linesRun', () => {
    const linesRun: Record<string, number[]> = {};
    for (const [f, set] of lines) linesRun[f] = set.sorted();
    return linesRun;
  });
  return result;
}

const errnoName = (n: bigint) => ERRNO_NAMES.get(n);

/**
 * Make `key` of `obj` computed on first read, then a plain data property (JSON, spread and
 * structured clone see it as one; a write replaces it).
 *
 * The accessor functions are one pair per key for the whole process, and the per-object
 * `compute` sits in a symbol-keyed slot: an accessor pair made of closures per object
 * would hang, through the hidden-class transition V8 makes for it (a weak edge that its
 * scavenger treats as strong), that closure's run — trace, world, interpreter — on
 * every young-generation GC until the next full one. That kept ~26% of what a run allocates
 * alive across scavenges and made them the bench's largest pause (measured, 7.2 matrix).
 */
function lazyProperty<T extends object, K extends keyof T & string>(obj: T, key: K, compute: () => T[K]): void {
  const holder = obj as T & { [LAZY]?: Record<string, () => unknown> };
  let thunks = holder[LAZY];
  if (!thunks) Object.defineProperty(holder, LAZY, { value: (thunks = {}), enumerable: false, writable: true, configurable: true });
  thunks[key] = compute;
  let accessors = LAZY_ACCESSORS.get(key);
  if (!accessors) LAZY_ACCESSORS.set(key, (accessors = lazyAccessors(key)));
  Object.defineProperty(obj, key, { enumerable: true, configurable: true, get: accessors.get, set: accessors.set });
}

const LAZY = Symbol('lazy property thunks');
const LAZY_ACCESSORS = new Map<string, { get(this: object): unknown; set(this: object, v: unknown): void }>();

function lazyAccessors(key: string): { get(this: object): unknown; set(this: object, v: unknown): void } {
  const settle = (obj: object, value: unknown) => Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  return {
    get(this: object) {
      const thunks = (this as { [LAZY]?: Record<string, () => unknown> })[LAZY]!;
      const value = thunks[key]();
      delete thunks[key];
      settle(this, value);
      return value;
    },
    set(this: object, value: unknown) {
      delete (this as { [LAZY]?: Record<string, () => unknown> })[LAZY]![key];
      settle(this, value);
    },
  };
}

/**
 * RWF_NOWAIT before 4.13: 2.6.31 has no pwritev2() at all (added in 4.6) and 4.6's
 * kiocb_set_rw_flags() rejects flags outside RWF_SUPPORTED (HIPRI|DSYNC|SYNC) with
 * -EOPNOTSUPP; RWF_NOWAIT arrived in 4.13 (b745fafaf70c). Returns the errno.
 */
function nowaitPrecheck(ctx: EngineContext, trace: Trace): bigint {
  trace.model('kiocb_set_rw_flags', `RWF_NOWAIT on ${ctx.profile.id}: no such flag before 4.13`, '-EOPNOTSUPP', `${ctx.profile.id === '2.6.31' ? 'no pwritev2() before 4.6' : 'include/linux/fs.h kiocb_set_rw_flags() 4.6: flags & ~RWF_SUPPORTED → -EOPNOTSUPP'}`);
  return -(ctx.constant('EOPNOTSUPP') ?? 95n);
}

/**
 * An RWF_ATOMIC write before and at the top of ->write_iter. Returns the negative errno
 * it is refused with, or undefined when it goes on (with IOCB_ATOMIC set).
 *
 * - kiocb_set_rw_flags() (include/linux/fs.h, 6.11+): -EOPNOTSUPP unless the file has
 *   FMODE_CAN_ATOMIC_WRITE; 6.1/6.12 ext4 never sets it (KERNEL-NOTES). Profiles that
 *   accept atomic writes set it in ext4_file_open() for regular files when s_awu_min > 0:
 *   the fs has the extent feature and the device can do atomic writes (6.13 b7987a7d69a4).
 * - ext4_file_write_iter() 6.13 (43c696f9d094): length outside [awu_min, awu_max] (one fs
 *   block) → -EINVAL, then generic_atomic_write_valid() (fs/read_write.c): not a power of
 *   two or pos not aligned to the length → -EINVAL, not O_DIRECT → -EOPNOTSUPP. Applied
 *   here only when the image's ext4_file_write_iter() does not test IOCB_ATOMIC itself
 *   (its C predates 6.13); that is recorded as an assumption.
 */
function atomicPrecheck(s: Scenario, w: World, ctx: EngineContext, trace: Trace, it: Interpreter): bigint | undefined {
  const c = (n: string) => ctx.constant(n) ?? 0n;
  const p = ctx.profile;
  const refuse = (errno: string, why: string, cite: string) => {
    trace.model('kiocb_set_rw_flags', `RWF_ATOMIC: ${why}`, `-${errno}`, cite);
    return -c(errno);
  };
  // A tree's own profile: its C decides. The uapi header says whether the flag exists, and
  // the tree's ext4_file_open() whether the file gets FMODE_CAN_ATOMIC_WRITE.
  const open = !p.legacy && p.id !== '6.12-atomic' ? openIn(ctx.image) : undefined;
  if (open) {
    // open(2) comes first: the file is opened before pwritev2() passes RWF_ATOMIC.
    const fMode = openFile(w, ctx, it, open);
    if (fMode < 0n) return refuse(ERRNO_NAMES.get(-fMode) ?? String(fMode), `the open failed (${open}())`, `${p.id}: fs/ext4/file.c ${open}()`);
    if (ctx.constant('RWF_ATOMIC') === undefined) {
      return refuse('EOPNOTSUPP', 'no RWF_ATOMIC in this tree (include/uapi/linux/fs.h)', `${p.id}: include/linux/fs.h kiocb_set_rw_flags(): flags & ~RWF_SUPPORTED → -EOPNOTSUPP`);
    }
    // A tree without the flag has no FMODE_CAN_ATOMIC_WRITE either (c() is 0): refused too.
    if (!(fMode & c('FMODE_CAN_ATOMIC_WRITE'))) {
      return refuse('EOPNOTSUPP', `no FMODE_CAN_ATOMIC_WRITE: the tree's ${open}() did not set it`, `${p.id}: fs/ext4/file.c ${open}(); include/linux/fs.h kiocb_set_rw_flags()`);
    }
  } else if (p.atomicWrite === 'EOPNOTSUPP') {
    return refuse('EOPNOTSUPP', p.id === '6.1' ? 'no RWF_ATOMIC flag in this kernel' : 'ext4 does not set FMODE_CAN_ATOMIC_WRITE', `${p.id}: include/linux/fs.h kiocb_set_rw_flags() (KERNEL-NOTES)`);
  } else if (ctx.image.lookupHeaderFunction?.('ext4_inode_can_atomic_write')) {
    // Without the tree's open (6.12-atomic: 6.12 plus the series' earlier patches, which set
    // FMODE_CAN_ATOMIC_WRITE in ext4_file_open() when ext4_inode_can_atomic_write() says so):
    // that helper decides where the headers have it, else the 6.13 rule below.
    const can = it.call('ext4_inode_can_atomic_write', [{ k: 'obj', obj: w.objects.inode }]);
    if (!truthy(can)) return refuse('EOPNOTSUPP', 'no FMODE_CAN_ATOMIC_WRITE: ext4_inode_can_atomic_write() is false in this tree', `${p.id}: ext4_file_open() → ext4_inode_can_atomic_write() (fs/ext4/ext4.h of the tree); kiocb_set_rw_flags()`);
  } else if (!s.mount.extentFeature || !s.env.atomicCapable) {
    return refuse('EOPNOTSUPP', `no FMODE_CAN_ATOMIC_WRITE (${!s.mount.extentFeature ? 'no extent feature' : 'device cannot do atomic writes'}: s_awu_min = 0)`, 'ext4_atomic_write_init()/ext4_file_open() 6.13; kiocb_set_rw_flags()');
  }
  w.iocbFlags |= c('IOCB_ATOMIC');
  const cHandlesAtomic = checksAtomicWrite(ctx.image, entryIn(ctx.image, p));
  if (!cHandlesAtomic) {
    it.assume(`${p.id}: ext4_file_write_iter() in the image does not check IOCB_ATOMIC; ext4 6.13's atomic size and alignment checks are modelled instead`);
    const len = BigInt(s.request.len);
    const bs = BigInt(s.mount.blockSize);
    const cite = 'ext4_file_write_iter() 6.13 (43c696f9d094) → generic_atomic_write_valid() fs/read_write.c';
    if (len < bs || len > bs) return refuse('EINVAL', `length ${len} outside the atomic unit [${bs}, ${bs}]`, cite);
    if ((len & (len - 1n)) !== 0n) return refuse('EINVAL', `length ${len} is not a power of two`, cite);
    if (BigInt(s.request.pos) % len !== 0n) return refuse('EINVAL', `pos ${s.request.pos} not aligned to the length`, cite);
    if (!s.request.direct) return refuse('EOPNOTSUPP', 'buffered atomic write', cite);
  }
  trace.model('kiocb_set_rw_flags', 'RWF_ATOMIC accepted', 'IOCB_ATOMIC', `${p.id}: FMODE_CAN_ATOMIC_WRITE set by ext4_file_open()`);
  return undefined;
}

/**
 * The function open(2) enters in this image: what `ext4_file_operations.open` names (the
 * VFS calls `f->f_op->open`, fs/open.c do_dentry_open()), when the image has it; else
 * `ext4_file_open` when it has that; else undefined (no C for the open).
 */
function openIn(image: CodeImage): string | undefined {
  const named = image.lookupGlobal('ext4_file_operations')?.open?.trim();
  if (named && /^[A-Za-z_]\w*$/.test(named) && image.lookupFunction(named)) return named;
  return image.lookupFunction('ext4_file_open') ? 'ext4_file_open' : undefined;
}

/**
 * The file's f_mode once the image's ext4_file_open() ran on it (the open of a pwritev2()
 * with RWF_ATOMIC, before kiocb_set_rw_flags() reads FMODE_CAN_ATOMIC_WRITE), or the
 * negative errno the open returned. Starts from the bits fs/open.c do_dentry_open() sets
 * for a file opened for writing (FMODE_WRITE, FMODE_LSEEK, FMODE_PREAD, FMODE_PWRITE,
 * FMODE_CAN_WRITE, FMODE_OPENED); what ext4 adds is its C's.
 */
function openFile(w: World, ctx: EngineContext, it: Interpreter, open: string): bigint {
  const c = (n: string) => ctx.constant(n) ?? 0n;
  let mode = 0n;
  for (const b of ['FMODE_WRITE', 'FMODE_LSEEK', 'FMODE_PREAD', 'FMODE_PWRITE', 'FMODE_CAN_WRITE', 'FMODE_OPENED']) mode |= c(b);
  const file = w.objects.file;
  file.set('f_mode', { k: 'int', v: mode, t: { bits: 32, signed: false, name: 'fmode_t' } });
  const ret = toBigInt(it.call(open, [{ k: 'obj', obj: w.objects.inode }, { k: 'obj', obj: file }]));
  if (ret < 0n) return ret;
  return toBigInt(file.get('f_mode'));
}

/**
 * Whether the image's C makes ext4 6.13's RWF_ATOMIC checks itself: `generic_atomic_write_valid()`
 * (fs/read_write.c) called from the ->write_iter entry or a function it calls, two levels
 * deep — so the check is found whatever the entry is named and wherever a refactor moved
 * it (the precision suite renames the entry and extracts its body into a helper).
 */
function checksAtomicWrite(image: CodeImage, entry: string): boolean {
  const seen = new Set<string>();
  let level = [entry];
  for (let depth = 0; depth < 3 && level.length; depth++) {
    const next: string[] = [];
    for (const name of level) {
      if (seen.has(name)) continue;
      seen.add(name);
      const fn = image.lookupFunction(name);
      if (!fn) continue;
      const body = fn.file.text.slice(fn.def.start, fn.def.end);
      if (/\bgeneric_atomic_write_valid\s*\(/.test(body)) return true;
      for (const m of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (!seen.has(m[1])) next.push(m[1]);
    }
    level = next;
  }
  return false;
}

function retValue(v: Value | bigint | undefined): number | string {
  if (v === undefined) return 'none';
  const b = typeof v === 'bigint' ? v : toBigInt(v);
  if (b < 0n) return show({ k: 'int', v: b, t: { bits: 64, signed: true, name: 'long' } }, errnoName);
  return Number(b);
}

function deriveOutcome(s: Scenario, w: World, trace: Trace, ret: Value | undefined, assumptions: string[], inconclusive?: string): Outcome {
  const ev = w.events;
  const lockSequence = ev.flatMap((e) => (e.e === 'lock' && e.context === 'process' ? [e.op] : []));
  const waits: Outcome['waits'] = [];
  for (const e of ev) if (e.e === 'wait' && !waits.includes(e.what)) waits.push(e.what);
  const dioBytes = ev.reduce((n, e) => n + (e.e === 'dio-done' ? e.bytes : 0), 0);
  const bufferedBytes = ev.reduce((n, e) => n + (e.e === 'buffered' ? e.bytes : 0), 0);
  const daxBytes = ev.reduce((n, e) => n + (e.e === 'dax' ? e.bytes : 0), 0);
  const dioStart = ev.find((e) => e.e === 'dio-start');
  const bufEv = ev.find((e) => e.e === 'buffered');
  const daxEv = ev.find((e) => e.e === 'dax');
  const lockAcrossIo = (dioStart && dioStart.e === 'dio-start' ? dioStart.lock : bufEv && bufEv.e === 'buffered' ? bufEv.lock : daxEv && daxEv.e === 'dax' ? daxEv.lock : 'none');
  const r = retValue(ret);
  const retNum = ret ? toBigInt(ret) : 0n;
  const fallback: Outcome['fallback'] = s.request.direct && bufferedBytes > 0 ? (dioBytes > 0 ? 'remainder' : 'whole') : 'none';
  let path: Outcome['path'];
  if (daxBytes > 0 || daxEv) path = 'dax';
  else if (dioBytes > 0 && bufferedBytes > 0) path = 'dio+buffered';
  else if (bufferedBytes > 0) path = 'buffered';
  else if (dioBytes > 0 || (dioStart && retNum >= 0n)) path = 'dio';
  else if (retNum < 0n || inconclusive || ret === undefined) path = 'error';
  else path = s.request.direct ? 'dio' : 'buffered';
  const ok = retNum > 0n || (r === '-EIOCBQUEUED' && (w.completionRet ?? 0n) > 0n);
  let unwrittenLeft = false;
  if (ok) for (const b of w.dioWritten) if (w.blockAt(b) === 'U') unwrittenLeft = true;
  const adds = ev.filter((e) => e.e === 'orphan' && e.op === 'add').length;
  const dels = ev.filter((e) => e.e === 'orphan' && e.op === 'del').length;
  const sizeEv = [...ev].reverse().find((e) => e.e === 'size');
  const endIo = ev.find((e) => e.e === 'end_io');
  const conv = ev.find((e) => e.e === 'convert');
  const uniq = (xs: string[]) => [...new Set(xs)];
  const bufferedWrite = bufferedWriteOf(ev);
  return {
    path,
    fallback,
    fallbackReason: fallback === 'none' ? '' : fallbackReason(trace.steps),
    lockAcrossIo,
    lockSequence,
    waits,
    dioUnwritten: ev.some((e) => (e.e === 'end_io' && e.flags.includes('IOMAP_DIO_UNWRITTEN')) || e.e === 'dio-unwritten'),
    unwrittenConverted: ev.some((e) => e.e === 'convert' && e.ok),
    unwrittenLeft,
    orphan: adds === 0 ? 'none' : dels > 0 ? 'add+del' : 'add',
    ret: r,
    assumptions: [...assumptions],
    ...(inconclusive ? { inconclusive } : {}),
    ...(w.completionRet !== undefined ? { completionRet: retValue(w.completionRet) } : {}),
    dioBytes,
    bufferedBytes,
    iomapOps: ev.flatMap((e) => (e.e === 'dio-start' ? [e.ops] : [])),
    mapBlocksFlags: uniq(ev.flatMap((e) => (e.e === 'map' ? [e.flags.join('|')] : []))),
    iomapTypes: uniq(ev.flatMap((e) => (e.e === 'iomap' ? [e.type] : []))),
    ...(sizeEv && sizeEv.e === 'size' ? { sizeUpdate: { iSize: sizeEv.iSize, disksize: sizeEv.disksize, lock: sizeEv.lock, context: sizeEv.context } } : {}),
    ...(endIo && endIo.e === 'end_io' ? { endIoContext: endIo.context } : {}),
    ...(conv && conv.e === 'convert' ? { convertContext: conv.context } : {}),
    ...(w.profile.dio === 'blockdev' ? { ioEndAllocs: ev.filter((e) => e.e === 'io_end').length } : {}),
    ...(bufferedWrite ? { bufferedWrite } : {}),
    finalSize: { iSize: Number(w.iSize), disksize: Number(w.iDisksize) },
    timeline: timelineOf({ size: s.inode.size, disksize: s.inode.disksize }, ev, w.stamps),
    warns: uniq(ev.flatMap((e) => (e.e === 'warn' ? [warnSite(e)] : []))),
    findings: [],
  };
}

/**
 * Why the write went buffered: the `if` that called ext4_buffered_write_iter() from the
 * DIO path, the decisions inside calls made by that condition (e.g. ext4_dio_alignment()
 * returning 0 under `ext4_should_journal_data(inode)`), and, for a short or failed DIO,
 * where the -ENOTBLK was born.
 */
function fallbackReason(steps: TraceStep[]): string {
  const parts: string[] = [];
  const innermost = (st: TraceStep) => (st.guards?.length ? ` under \`${st.guards[st.guards.length - 1]}\`` : '');
  // The DIO starts at the iomap_dio_rw() model or, where the tree has fs/iomap's C, at its call.
  const dioStart = steps.findIndex((st) => (st.kind === 'model' || st.kind === 'call') && (st.fn === 'iomap_dio_rw' || st.fn === '__blockdev_direct_IO'));
  const origin = dioStart < 0 ? undefined : steps.slice(dioStart).find((st) => (st.kind === 'errno' || st.kind === 'return' || st.kind === 'model') && st.result === '-ENOTBLK');
  if (origin) {
    parts.push(origin.kind === 'model' ? `${origin.fn}: ${origin.text} → -ENOTBLK` : `${origin.fn}(): \`${origin.text}\` at ${origin.file}:${origin.line}${innermost(origin)}`);
  }
  const dioIdx = steps.findIndex((st) => st.kind === 'call' && st.fn === 'ext4_dio_write_iter');
  const callIdx = dioIdx < 0 ? -1 : steps.findIndex((st, i) => i > dioIdx && st.kind === 'call' && st.fn === 'ext4_buffered_write_iter');
  if (callIdx >= 0) {
    const call = steps[callIdx];
    const guard = call.guards?.[call.guards.length - 1];
    if (guard) {
      const line = Number(guard.slice(guard.lastIndexOf(':') + 1));
      const g = steps.slice(0, callIdx).map((st, j) => [st, j] as const).reverse().find(([st]) => st.kind === 'branch' && st.line === line && st.depth === call.depth)?.[1];
      if (g !== undefined) {
        let from = g - 1;
        while (from > 0 && steps[from].depth > call.depth) from--;
        for (let k = from + 1; k < g; k++) {
          const st = steps[k];
          if (st.kind === 'return' && st.guards?.length) parts.push(`${st.fn}(): \`${st.text}\`${innermost(st)}`);
        }
      }
      parts.push(`${call.guards!.length ? 'ext4_dio_write_iter()' : ''}: \`${guard}\``.replace(/^: /, ''));
    }
  }
  return parts.join('; ') || 'buffered write after direct IO (cause not found in trace)';
}
