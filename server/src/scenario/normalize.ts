import type { InodeFlag, Scenario, ScenarioInput, ScenarioProblem } from './types';
import { MAX_RW_COUNT, maxBytesFor } from './limits';

const FLAGS: readonly InodeFlag[] = ['inline_data', 'encrypt', 'verity', 'journal_data', 'dax'];

/**
 * Fill the documented defaults into a scenario. Bad values are replaced by defaults and
 * reported; this never throws.
 */
export function normalizeScenario(input: ScenarioInput, index = 0, problems: ScenarioProblem[] = []): Scenario {
  const warn = (message: string) => problems.push({ id: input.id, index, message });
  // Each part must be an object of scalars; anything else (an array, a string, a nested
  // structure of any depth) is reported and replaced by the defaults, never walked.
  const part = <P extends object>(v: unknown, what: string): Partial<P> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      warn(`${what}: expected an object, got ${typeOf(v)}; using the defaults`);
      return {};
    }
    return v as Partial<P>;
  };
  const r = part<NonNullable<ScenarioInput['request']>>(input.request, 'request');
  const i = part<NonNullable<ScenarioInput['inode']>>(input.inode, 'inode');
  const m = part<NonNullable<ScenarioInput['mount']>>(input.mount, 'mount');
  const e = part<NonNullable<ScenarioInput['env']>>(input.env, 'env');
  const num = (v: unknown, d: number, what: string, min = 0): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      warn(`${what}: expected an integer ≥ ${min}, got ${brief(v)}; using ${d}`);
      return d;
    }
    return v;
  };
  /** A byte count the kernel caps: beyond `max` it is refused (reported, `d` used). */
  const bytes = (v: unknown, d: number, what: string, max: bigint, why: string): number => {
    const n = num(v, d, what);
    if (BigInt(n) > max) {
      warn(`${what} ${n} is beyond ${why} (${max} bytes); using ${d}`);
      return d;
    }
    return n;
  };
  const bool = (v: unknown, d: boolean, what: string): boolean => {
    if (v === undefined) return d;
    if (typeof v !== 'boolean') {
      warn(`${what}: expected true/false, got ${brief(v)}; using ${d}`);
      return d;
    }
    return v;
  };
  let blockSize = num(m.blockSize, 4096, 'mount.blockSize', 512);
  if ((blockSize & (blockSize - 1)) !== 0 || blockSize > 65536) {
    warn(`mount.blockSize ${blockSize} is not a power of two ≤ 65536; using 4096`);
    blockSize = 4096;
  }
  let blocks = typeof i.blocks === 'string' ? i.blocks : 'W'.repeat(16);
  if (/[^WU_D]/.test(blocks)) {
    warn(`inode.blocks: only W, U, _ and D are allowed; other characters read as holes`);
    blocks = blocks.replace(/[^WU_D]/g, '_');
  }
  if (blocks.length > 1 << 20) {
    warn('inode.blocks longer than 2^20 blocks; truncated');
    blocks = blocks.slice(0, 1 << 20);
  }
  const mapping = i.mapping === 'indirect' ? 'indirect' : 'extents';
  if (i.mapping !== undefined && i.mapping !== 'indirect' && i.mapping !== 'extents') warn(`inode.mapping ${brief(i.mapping)}; using extents`);
  if (mapping === 'indirect' && /[UD]/.test(blocks) && blocks.includes('U')) {
    warn('indirect-mapped inodes never hold unwritten extents (KERNEL-NOTES); U read as a hole');
    blocks = blocks.replace(/U/g, '_');
  }
  const maxBytes = maxBytesFor(mapping, blockSize);
  const maxWhy = mapping === 'indirect' ? 's_bitmap_maxbytes (ext4_max_bitmap_size())' : 's_maxbytes (ext4_max_size())';
  const size = bytes(i.size, blocks.length * blockSize, 'inode.size', maxBytes, maxWhy);
  let description: string | undefined;
  if (typeof input.description === 'string') description = input.description;
  else if (input.description !== undefined) warn(`description: expected a string, got ${typeOf(input.description)}; ignored`);
  const flags = Array.isArray(i.flags) ? i.flags.filter((f): f is InodeFlag => {
    const ok = FLAGS.includes(f as InodeFlag);
    if (!ok) warn(`inode.flags: unknown flag ${brief(f)} ignored`);
    return ok;
  }) : [];
  return {
    id: String(input.id),
    ...(description !== undefined ? { description } : {}),
    request: {
      direct: bool(r.direct, true, 'request.direct'),
      aio: bool(r.aio, false, 'request.aio'),
      nowait: bool(r.nowait, false, 'request.nowait'),
      atomic: bool(r.atomic, false, 'request.atomic'),
      dsync: bool(r.dsync, false, 'request.dsync'),
      append: bool(r.append, false, 'request.append'),
      // A position past s_maxbytes is kept: generic_write_checks() answers it with -EFBIG.
      pos: num(r.pos, 0, 'request.pos'),
      len: rwCount(num(r.len, 4096, 'request.len'), warn),
      bufOffset: num(r.bufOffset, 0, 'request.bufOffset'),
    },
    inode: {
      mapping,
      blocks,
      size,
      disksize: bytes(i.disksize, size, 'inode.disksize', maxBytes, maxWhy),
      nosec: bool(i.nosec, true, 'inode.nosec'),
      flags,
    },
    mount: {
      blockSize,
      dioreadNolock: bool(m.dioreadNolock, true, 'mount.dioreadNolock'),
      delalloc: bool(m.delalloc, true, 'mount.delalloc'),
      dataJournal: bool(m.dataJournal, false, 'mount.dataJournal'),
      extentFeature: bool(m.extentFeature, mapping === 'extents', 'mount.extentFeature'),
    },
    env: {
      contended: bool(e.contended, false, 'env.contended'),
      shortWrite: bool(e.shortWrite, false, 'env.shortWrite'),
      invalidateFails: bool(e.invalidateFails, false, 'env.invalidateFails'),
      enospc: bool(e.enospc, false, 'env.enospc'),
      logicalBlockSize: num(e.logicalBlockSize, 512, 'env.logicalBlockSize', 512),
      cachedPages: bool(e.cachedPages, false, 'env.cachedPages'),
      atomicCapable: bool(e.atomicCapable, true, 'env.atomicCapable'),
    },
  };
}

/**
 * rw_verify_area() (fs/read_write.c, 6.1/6.12) shortens every write to MAX_RW_COUNT
 * bytes before the filesystem sees it; the scenario does the same and says so.
 */
function rwCount(len: number, warn: (m: string) => void): number {
  if (len <= MAX_RW_COUNT) return len;
  warn(`request.len ${len} is more than one write transfers: rw_verify_area() shortens it to MAX_RW_COUNT (${MAX_RW_COUNT})`);
  return MAX_RW_COUNT;
}

/** A JSON value's kind, for messages: never its (possibly huge or deeply nested) text. */
function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

/** A short rendering of a bad scalar for a message (at most 40 characters). */
function brief(v: unknown): string {
  if (v !== null && typeof v === 'object') return typeOf(v);
  const t = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

/**
 * Parse a scenario file's text. Returns the scenarios that could be read and the problems
 * (bad JSON, entries without `id`, duplicate ids). Never throws.
 */
export function parseScenarioFile(text: string): { scenarios: Scenario[]; problems: ScenarioProblem[] } {
  const problems: ScenarioProblem[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { scenarios: [], problems: [{ index: -1, message: `scenario file is not JSON: ${(err as Error).message}` }] };
  }
  if (!Array.isArray(data)) return { scenarios: [], problems: [{ index: -1, message: 'scenario file must be a JSON array' }] };
  const seen = new Set<string>();
  const scenarios: Scenario[] = [];
  data.forEach((entry, index) => {
    if (!entry || typeof entry !== 'object' || typeof (entry as ScenarioInput).id !== 'string') {
      problems.push({ index, message: 'scenario without a string "id" skipped' });
      return;
    }
    // Ids name scenarios in tables, traces, shell scripts and editors: one printable line.
    const id = (entry as ScenarioInput).id;
    if (!/^[^\u0000-\u001f\u007f\u0085\u2028\u2029]{1,200}$/.test(id)) {
      problems.push({ index, message: `scenario id ${JSON.stringify(id.slice(0, 40))}${id.length > 40 ? '…' : ''} skipped: an id is 1–200 characters without control characters or line breaks` });
      return;
    }
    const s = normalizeScenario(entry as ScenarioInput, index, problems);
    if (seen.has(s.id)) {
      problems.push({ id: s.id, index, message: `duplicate id ${s.id} skipped` });
      return;
    }
    seen.add(s.id);
    scenarios.push(s);
  });
  return { scenarios, problems };
}
