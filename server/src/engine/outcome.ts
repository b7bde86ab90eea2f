import type { TraceStep } from '../interp/trace';
import type { ExecContext, LockMode, LockOp, WorldEvent } from '../model/world';

/** The check ids of BRIEF.md "Invariants reviewers enforce". */
export type CheckCode =
  | 'atomic-fallback'
  | 'unwritten-unconverted'
  | 'stale-data'
  | 'extend-unwaited'
  | 'unaligned-shared'
  | 'lock-imbalance'
  | 'nowait-blocks'
  | 'orphan-missing'
  | 'endio-blocks'
  | 'delalloc-leak'
  | 'lock-order'
  | 'warn-reached';

/** An invariant a scenario broke. */
export interface Finding {
  code: CheckCode;
  severity: 'error' | 'warning' | 'information';
  message: string;
}

/**
 * The outcome of one scenario (BRIEF.md "Outcome"). Fields beyond the BRIEF's are
 * additions, never changes: `inconclusive`, `unknowns`, `completionRet`, `dioBytes`, `bufferedBytes`,
 * `iomapOps`, `mapBlocksFlags`, `iomapTypes`, `sizeUpdate`, `endIoContext`, `findings`.
 * Byte counts are bytes.
 */
export interface Outcome {
  path: 'dio' | 'buffered' | 'dio+buffered' | 'dax' | 'error';
  fallback: 'none' | 'whole' | 'remainder';
  fallbackReason: string;
  lockAcrossIo: 'shared' | 'exclusive' | 'none';
  lockSequence: LockOp[];
  waits: Array<'inode_dio_wait' | 'IOMAP_DIO_FORCE_WAIT' | 'wait-after-EIOCBQUEUED' | 'dio_await_completion' | 'flush_workqueue' | 'ext4_unwritten_wait'>;
  dioUnwritten: boolean;
  unwrittenConverted: boolean;
  unwrittenLeft: boolean;
  orphan: 'none' | 'add' | 'add+del';
  /** Bytes, or an errno string such as `-EAGAIN` / `-EIOCBQUEUED`. */
  ret: number | string;
  assumptions: string[];
  /** Set when the simulation could not finish within its bounds; other fields are partial. */
  inconclusive?: string;
  /**
   * What the run went past without the tree's C or a substrate entry to answer it (a
   * callee with no C and no model, an undeclared identifier, C not executed), each also
   * in `assumptions`. When set, the other fields are placeholders, not behaviour: no
   * finding is drawn and the review reports the scenario as "cannot tell".
   */
  unknowns?: string[];
  /** For queued AIO: what the completion reported (bytes or errno string). */
  completionRet?: number | string;
  dioBytes: number;
  bufferedBytes: number;
  /** `ext4_iomap_ops` / `ext4_iomap_overwrite_ops`, per iomap_dio_rw call. */
  iomapOps: string[];
  /** EXT4_GET_BLOCKS_* flag sets passed to ext4_map_blocks(), in call order, deduplicated. */
  mapBlocksFlags: string[];
  /** iomap types returned by ->iomap_begin, in order, deduplicated. */
  iomapTypes: string[];
  /** Last i_size / i_disksize update: values (bytes) and the lock/context it happened under. */
  sizeUpdate?: { iSize: number; disksize: number; lock: string; context: string };
  /** Where ->end_io ran: `process` (waited), `workqueue` (AIO) or `irq` (legacy AIO bio completion). */
  endIoContext?: string;
  /** Where unwritten extents were first converted: `process` or `workqueue`. */
  convertContext?: string;
  /** Legacy DIO: ext4_io_end_t structures allocated for this request. */
  ioEndAllocs?: number;
  /** i_size and i_disksize (bytes) when the request is over: after the syscall returned and any queued completion ran. */
  finalSize?: { iSize: number; disksize: number };
  /**
   * What reviewers order-check, in the order it happened (`timelineOf`): block allocation,
   * journal handles, unwritten conversion, ->end_io, i_size/i_disksize raises,
   * generic_write_sync() writing back, the orphan list, WARNs, and `return` (the syscall
   * returned; what follows ran at AIO completion).
   */
  timeline?: string[];
  /** WARN_ON/WARN/BUG_ON conditions that held, as `WARN_ON_ONCE(cond) in fn()`, deduplicated. */
  warns?: string[];
  /** The buffered write, when one ran (seed 002: buffer_head vs iomap). See BufferedWrite. */
  bufferedWrite?: BufferedWrite;
  findings: Finding[];
}

/**
 * What a buffered write did in the page cache: `via` the path (`buffer_head`:
 * generic_perform_write() + ext4 write_begin/write_end; `iomap`: iomap_file_buffered_write()),
 * `ops` the iomap_ops, `newBlocks` how it instantiated blocks (`delalloc`, `unwritten (…)`,
 * `written (…)` with the get_block or EXT4_GET_BLOCKS_* that did it), `order` its
 * journal-handle and folio-lock sequence, and the delalloc blocks reserved and released.
 */
export interface BufferedWrite {
  via: 'buffer_head' | 'iomap';
  ops?: string;
  newBlocks: string[];
  order: string[];
  delallocReserved: number;
  delallocReleased: number;
}

/** The `bufferedWrite` outcome field from the event log (the last buffered write's summary), or undefined. */
export function bufferedWriteOf(ev: readonly WorldEvent[]): BufferedWrite | undefined {
  const last = [...ev].reverse().find((e) => e.e === 'buffered' && e.via);
  if (!last || last.e !== 'buffered' || !last.via) return undefined;
  const count = (op: 'reserve' | 'release') => ev.reduce((n, e) => n + (e.e === 'delalloc' && e.op === op ? e.len : 0), 0);
  return { via: last.via, ...(last.ops ? { ops: last.ops } : {}), newBlocks: last.newBlocks ?? [], order: last.order ?? [], delallocReserved: count('reserve'), delallocReleased: count('release') };
}

/** `bufferedWrite` as one table cell: path, new blocks, lock order, delalloc accounting. */
export function bufferedWriteText(b: BufferedWrite | undefined): string {
  if (!b) return 'none';
  const parts = [`${b.via}${b.ops ? ` (${b.ops})` : ''}`, `new blocks: ${b.newBlocks.join(', ') || 'none'}`, b.order.join(' → ') || 'no folio lock'];
  if (b.delallocReserved || b.delallocReleased) parts.push(`delalloc ${b.delallocReserved} reserved, ${b.delallocReleased} released`);
  return parts.join('; ');
}

/** One scenario's result: the outcome plus the step trace behind it. */
export interface ScenarioResult {
  id: string;
  outcome: Outcome;
  trace: TraceStep[];
  /** (file path → 1-based lines) of C executed, for attributing changes to hunks. */
  linesRun: Record<string, number[]>;
  /** Interpreted functions entered. */
  functions: string[];
}

/**
 * The `timeline` outcome field from the event log and its stamps (`World.events` /
 * `World.stamps`, same index). One token per event reviewers order-check; where it ran is
 * added when it is not the submitting task (`[workqueue]`, `[irq]`), and for journal
 * handles and size raises in that task, the i_rwsem mode held (`[i_rwsem shared]`).
 * `end_io`, `IO complete`, `IO queued` and `return` split the timeline into phases;
 * inside a phase a token is kept once (a buffered write starts a handle per page), and an
 * `i_size=`/`i_disksize=` raise keeps its first place with the phase's last value. Sizes
 * are bytes; `initial` is the inode before the request.
 */
export function timelineOf(initial: { size: number; disksize: number }, events: readonly WorldEvent[], stamps: ReadonlyArray<{ context: ExecContext; lock: LockMode }>): string[] {
  const out: string[] = [];
  let phase = new Map<string, number>();
  let iSize = initial.size;
  let disksize = initial.disksize;
  const where = (i: number, withLock: boolean): string => {
    const st = stamps[i];
    if (!st) return '';
    if (st.context !== 'process') return ` [${st.context}]`;
    return withLock ? ` [i_rwsem ${st.lock === 'none' ? 'not held' : st.lock}]` : '';
  };
  const push = (token: string, key = token) => {
    const at = phase.get(key);
    if (at === undefined) {
      phase.set(key, out.length);
      out.push(token);
    } else if (key !== token) out[at] = token;
  };
  const boundary = (token: string) => {
    out.push(token);
    phase = new Map();
  };
  events.forEach((e, i) => {
    switch (e.e) {
      case 'alloc':
        push(`alloc ${e.unwritten ? 'unwritten' : 'written'}${where(i, false)}`);
        break;
      case 'journal':
        if (e.op === 'start') push(`journal handle${where(i, true)}`);
        break;
      case 'convert':
        push(`convert unwritten${e.ok ? '' : ' (failed)'}${where(i, false)}`);
        break;
      case 'orphan':
        push(`orphan ${e.op}`);
        break;
      case 'size':
        if (e.iSize !== iSize) push(`i_size=${e.iSize}${where(i, true)}`, 'i_size');
        if (e.disksize !== disksize) push(`i_disksize=${e.disksize}${where(i, true)}`, 'i_disksize');
        iSize = e.iSize;
        disksize = e.disksize;
        break;
      case 'sync':
        push(`generic_write_sync${where(i, false)}`);
        break;
      case 'warn':
        push(e.text);
        break;
      case 'end_io':
        boundary(`end_io${where(i, false)}`);
        break;
      case 'dio-done':
        boundary(e.queued ? 'IO queued' : 'IO complete');
        break;
      case 'return':
        boundary('return');
        break;
      default:
        break;
    }
  });
  return out;
}

/** A WARN site as the `warns` field and the `warn-reached` finding name it: `WARN_ON_ONCE(cond) in fn()`, else `… (file:line)`. */
export function warnSite(e: { text: string; where: string; fn?: string }): string {
  return e.fn ? `${e.text} in ${e.fn}()` : `${e.text} (${e.where})`;
}
