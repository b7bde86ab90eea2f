import type { InodeFlag, Scenario, ScenarioInput, ScenarioProblem } from './types';

const FLAGS: readonly InodeFlag[] = ['inline_data', 'encrypt', 'verity', 'journal_data', 'dax'];

/**
 * Fill the documented defaults into a scenario. Bad values are replaced by defaults and
 * reported; this never throws.
 */
export function normalizeScenario(input: ScenarioInput, index = 0, problems: ScenarioProblem[] = []): Scenario {
  const warn = (message: string) => problems.push({ id: input.id, index, message });
  const r = input.request ?? {};
  const i = input.inode ?? {};
  const m = input.mount ?? {};
  const e = input.env ?? {};
  const num = (v: unknown, d: number, what: string, min = 0): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      warn(`${what}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}; using ${d}`);
      return d;
    }
    return v;
  };
  const bool = (v: unknown, d: boolean, what: string): boolean => {
    if (v === undefined) return d;
    if (typeof v !== 'boolean') {
      warn(`${what}: expected true/false, got ${JSON.stringify(v)}; using ${d}`);
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
  if (i.mapping !== undefined && i.mapping !== 'indirect' && i.mapping !== 'extents') warn(`inode.mapping ${JSON.stringify(i.mapping)}; using extents`);
  if (mapping === 'indirect' && /[UD]/.test(blocks) && blocks.includes('U')) {
    warn('indirect-mapped inodes never hold unwritten extents (KERNEL-NOTES); U read as a hole');
    blocks = blocks.replace(/U/g, '_');
  }
  const size = num(i.size, blocks.length * blockSize, 'inode.size');
  const flags = Array.isArray(i.flags) ? i.flags.filter((f): f is InodeFlag => {
    const ok = FLAGS.includes(f as InodeFlag);
    if (!ok) warn(`inode.flags: unknown flag ${JSON.stringify(f)} ignored`);
    return ok;
  }) : [];
  return {
    id: String(input.id),
    description: input.description,
    request: {
      direct: bool(r.direct, true, 'request.direct'),
      aio: bool(r.aio, false, 'request.aio'),
      nowait: bool(r.nowait, false, 'request.nowait'),
      atomic: bool(r.atomic, false, 'request.atomic'),
      dsync: bool(r.dsync, false, 'request.dsync'),
      append: bool(r.append, false, 'request.append'),
      pos: num(r.pos, 0, 'request.pos'),
      len: num(r.len, 4096, 'request.len'),
      bufOffset: num(r.bufOffset, 0, 'request.bufOffset'),
    },
    inode: {
      mapping,
      blocks,
      size,
      disksize: num(i.disksize, size, 'inode.disksize'),
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
