import { normalizeScenario } from './normalize';
import type { Scenario, ScenarioInput } from './types';

/**
 * The default scenario matrix. Why these combinations is written up in docs/scenarios.md;
 * in short: the full cross product of the DIO dimensions that decide lock mode, waits and
 * unwritten handling (sync/AIO × aligned/unaligned × five targets × NOWAIT × IS_NOSEC),
 * then one scenario per remaining dimension value, then the interactions the seed threads
 * argue about.
 *
 * The inode is 16 blocks of 4 KiB (i_size 64 KiB) laid out `WWWWUUUU____WWWW`, so one
 * layout gives a written, an unwritten and a hole target inside i_size.
 */
export const DEFAULT_LAYOUT = 'WWWWUUUU____WWWW';
const BS = 4096;
const SIZE = DEFAULT_LAYOUT.length * BS;

/** Byte ranges per target for fs-block-aligned (4 KiB) and 512-byte-unaligned requests. */
export const TARGETS: Record<string, { aligned: [number, number]; unaligned: [number, number] }> = {
  written: { aligned: [1 * BS, BS], unaligned: [1 * BS + 512, 1024] },
  unwritten: { aligned: [5 * BS, BS], unaligned: [5 * BS + 512, 1024] },
  hole: { aligned: [9 * BS, BS], unaligned: [9 * BS + 512, 1024] },
  beyond: { aligned: [SIZE, BS], unaligned: [SIZE + 512, 1024] },
  straddle: { aligned: [SIZE - BS, 2 * BS], unaligned: [SIZE - 512, 1024] },
};

function s(input: ScenarioInput): ScenarioInput {
  return { ...input, inode: { blocks: DEFAULT_LAYOUT, ...input.inode } };
}

/** The core DIO grid: 2 × 2 × 5 × 2 × 2 = 80 scenarios on an extent-mapped inode. */
export function coreGrid(): ScenarioInput[] {
  const out: ScenarioInput[] = [];
  for (const aio of [false, true])
    for (const align of ['al', 'un'] as const)
      for (const target of Object.keys(TARGETS))
        for (const nowait of [false, true])
          for (const nosec of [true, false]) {
            const [pos, len] = TARGETS[target][align === 'al' ? 'aligned' : 'unaligned'];
            out.push(s({
              id: `dio-${aio ? 'aio' : 'sync'}-${align}-${target}${nowait ? '-nowait' : ''}-${nosec ? 'warm' : 'cold'}`,
              request: { direct: true, aio, nowait, pos, len },
              inode: { nosec },
            }));
          }
  return out;
}

/** One scenario per remaining dimension value, plus the interactions the seeds discuss. */
export function extraScenarios(): ScenarioInput[] {
  const ind = 'WWWW____WWWWWWWW';
  return [
    // Indirect-mapped inode (no EXT4_INODE_EXTENTS): holes inside i_size fall back (-ENOTBLK).
    s({ id: 'ind-dio-sync-hole', description: 'DIO into a hole of an indirect-mapped file', request: { pos: 5 * BS, len: BS }, inode: { mapping: 'indirect', blocks: ind } }),
    s({ id: 'ind-dio-aio-hole', request: { aio: true, pos: 5 * BS, len: BS }, inode: { mapping: 'indirect', blocks: ind } }),
    s({ id: 'ind-dio-sync-partial', description: '16 KiB DIO whose first 4 KiB are allocated: 4096 direct + 12288 buffered', request: { pos: 3 * BS, len: 4 * BS }, inode: { mapping: 'indirect', blocks: ind } }),
    s({ id: 'ind-dio-sync-written', request: { pos: 1 * BS, len: BS }, inode: { mapping: 'indirect', blocks: ind } }),
    s({ id: 'ind-dio-sync-beyond', request: { pos: SIZE, len: BS }, inode: { mapping: 'indirect', blocks: ind } }),
    s({ id: 'ind-dio-sync-un-written', request: { pos: BS + 512, len: 1024 }, inode: { mapping: 'indirect', blocks: ind } }),
    // Inodes that cannot do DIO: ext4_should_use_dio() false, the whole write goes buffered.
    s({ id: 'dio-datajournal', request: { pos: BS, len: BS }, mount: { dataJournal: true } }),
    s({ id: 'dio-journal-data-flag', description: 'chattr +j on a delalloc mount: the flag is ignored, DIO goes direct', request: { pos: BS, len: BS }, inode: { flags: ['journal_data'] } }),
    s({ id: 'dio-journal-data-flag-nodelalloc', description: 'chattr +j on a nodelalloc mount: data journalling, whole write buffered', request: { pos: BS, len: BS }, inode: { flags: ['journal_data'] }, mount: { delalloc: false } }),
    s({ id: 'dio-inline-data', request: { pos: 0, len: BS }, inode: { blocks: '', size: 60, flags: ['inline_data'] } }),
    s({ id: 'dio-verity', request: { pos: BS, len: BS }, inode: { flags: ['verity'] } }),
    s({ id: 'dio-encrypt', request: { pos: BS, len: BS }, inode: { flags: ['encrypt'] } }),
    s({ id: 'dio-datajournal-nowait', request: { pos: BS, len: BS, nowait: true }, mount: { dataJournal: true } }),
    s({ id: 'dio-inline-data-nowait', request: { pos: 0, len: BS, nowait: true }, inode: { blocks: '', size: 60, flags: ['inline_data'] } }),
    s({ id: 'dax-write', request: { pos: BS, len: BS }, inode: { flags: ['dax'] } }),
    s({ id: 'dax-extend', request: { pos: SIZE, len: BS }, inode: { flags: ['dax'] } }),
    // Buffered writes.
    s({ id: 'buf-overwrite', request: { direct: false, pos: BS, len: BS } }),
    s({ id: 'buf-hole-delalloc', request: { direct: false, pos: 9 * BS, len: BS } }),
    s({ id: 'buf-hole-nodelalloc', request: { direct: false, pos: 9 * BS, len: BS }, mount: { delalloc: false } }),
    s({ id: 'buf-extend', request: { direct: false, pos: SIZE, len: BS } }),
    s({ id: 'buf-nowait', request: { direct: false, nowait: true, pos: BS, len: BS } }),
    s({ id: 'buf-dsync', request: { direct: false, dsync: true, pos: 9 * BS, len: BS } }),
    s({ id: 'buf-unaligned', request: { direct: false, pos: BS + 512, len: 1024 } }),
    // iomap buffered writes (seed 002): written vs unwritten allocation without delalloc, and a short copy's stale reservation.
    s({ id: 'buf-hole-nodelalloc-nodioread', description: 'nodelalloc,nodioread_nolock: buffer_heads allocate written blocks (ext4_get_block), iomap always unwritten', request: { direct: false, pos: 9 * BS, len: BS }, mount: { delalloc: false, dioreadNolock: false } }),
    s({ id: 'buf-short-delalloc', description: '16 KiB buffered write into holes whose user buffer faults after 4 KiB: the stale delalloc range must be released', request: { direct: false, pos: 8 * BS, len: 4 * BS }, env: { shortWrite: true } }),
    s({ id: 'buf-short-nodelalloc', description: 'the same short write on nodelalloc: unwritten blocks past the copy need no cleanup', request: { direct: false, pos: 8 * BS, len: 4 * BS }, mount: { delalloc: false }, env: { shortWrite: true } }),
    // Request flags.
    s({ id: 'dio-atomic', request: { atomic: true, pos: BS, len: BS } }),
    // Atomic writes (accepted by the 6.12-atomic and 6.13 profiles; refused by 6.1/6.12).
    s({ id: 'dio-atomic-hole', request: { atomic: true, pos: 9 * BS, len: BS } }),
    s({ id: 'dio-atomic-invalidate-fails', description: 'page-cache invalidation fails before an atomic DIO (Darrick Wong in seed 001)', request: { atomic: true, pos: BS, len: BS }, env: { invalidateFails: true } }),
    s({ id: 'dio-atomic-ind-hole', description: 'atomic DIO into a hole of an old block-mapped file on an extent filesystem', request: { atomic: true, pos: 5 * BS, len: BS }, inode: { mapping: 'indirect', blocks: 'WWWW____WWWWWWWW' }, mount: { extentFeature: true } }),
    s({ id: 'dio-atomic-unaligned', request: { atomic: true, pos: BS + 512, len: BS } }),
    s({ id: 'buf-atomic', request: { direct: false, atomic: true, pos: BS, len: BS } }),
    s({ id: 'dio-dsync-hole', request: { dsync: true, pos: 9 * BS, len: BS } }),
    s({ id: 'dio-append', request: { append: true, pos: 0, len: BS } }),
    s({ id: 'dio-misaligned-buffer', description: 'user buffer not aligned to the logical block size', request: { pos: BS, len: BS, bufOffset: 1 } }),
    s({ id: 'dio-mixed', description: 'one DIO over written, unwritten and hole blocks', request: { pos: 3 * BS, len: 6 * BS } }),
    s({ id: 'dio-aio-unwritten-multi', request: { aio: true, pos: 4 * BS, len: 4 * BS } }),
    s({ id: 'dio-delalloc-target', description: 'DIO over delalloc (dirty) blocks: written back first', request: { pos: 9 * BS, len: BS }, inode: { blocks: 'WWWWUUUU_DD_WWWW' } }),
    // Mount options the DIO path does not consult (KERNEL-NOTES): outcomes must match the defaults.
    s({ id: 'dio-no-dioread-nolock-hole', request: { pos: 9 * BS, len: BS }, mount: { dioreadNolock: false } }),
    s({ id: 'dio-nodelalloc-hole', request: { pos: 9 * BS, len: BS }, mount: { delalloc: false } }),
    // Environment.
    s({ id: 'dio-contended-nowait', request: { nowait: true, pos: BS, len: BS }, env: { contended: true } }),
    s({ id: 'dio-contended', request: { pos: BS, len: BS }, env: { contended: true } }),
    s({ id: 'dio-short-write', description: '16 KiB DIO whose user buffer faults after 4 KiB: 4 KiB reach the disk, then pinning the pages fails (-EFAULT, no IOMAP_DIO_PARTIAL from ext4)', request: { pos: 0, len: 4 * BS } , inode: { blocks: 'WWWWWWWWWWWWWWWW' }, env: { shortWrite: true } }),
    s({ id: 'dio-invalidate-fails', request: { pos: BS, len: BS }, env: { invalidateFails: true } }),
    s({ id: 'dio-enospc-hole', request: { pos: 9 * BS, len: BS }, env: { enospc: true } }),
    s({ id: 'dio-nowait-cached', request: { nowait: true, pos: BS, len: BS }, env: { cachedPages: true } }),
    s({ id: 'dio-aio-beyond-big', request: { aio: true, pos: SIZE, len: 8 * BS } }),
  ];
}

/** The default matrix, normalised. */
export function defaultMatrix(): Scenario[] {
  return [...coreGrid(), ...extraScenarios()].map((x, i) => normalizeScenario(x, i));
}
