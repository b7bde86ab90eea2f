import type { TraceStep } from '../interp/trace';
import type { LockOp } from '../model/world';

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
  | 'lock-order';

/** An invariant a scenario broke. */
export interface Finding {
  code: CheckCode;
  severity: 'error' | 'warning' | 'information';
  message: string;
}

/**
 * The outcome of one scenario (BRIEF.md "Outcome"). Fields beyond the BRIEF's are
 * additions, never changes: `inconclusive`, `completionRet`, `dioBytes`, `bufferedBytes`,
 * `iomapOps`, `mapBlocksFlags`, `iomapTypes`, `sizeUpdate`, `endIoContext`, `findings`.
 * Byte counts are bytes.
 */
export interface Outcome {
  path: 'dio' | 'buffered' | 'dio+buffered' | 'dax' | 'error';
  fallback: 'none' | 'whole' | 'remainder';
  fallbackReason: string;
  lockAcrossIo: 'shared' | 'exclusive' | 'none';
  lockSequence: LockOp[];
  waits: Array<'inode_dio_wait' | 'IOMAP_DIO_FORCE_WAIT' | 'wait-after-EIOCBQUEUED'>;
  dioUnwritten: boolean;
  unwrittenConverted: boolean;
  unwrittenLeft: boolean;
  orphan: 'none' | 'add' | 'add+del';
  /** Bytes, or an errno string such as `-EAGAIN` / `-EIOCBQUEUED`. */
  ret: number | string;
  assumptions: string[];
  /** Set when the simulation could not finish within its bounds; other fields are partial. */
  inconclusive?: string;
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
  /** Where ->end_io ran: `process` (waited) or `workqueue` (AIO). */
  endIoContext?: string;
  findings: Finding[];
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
