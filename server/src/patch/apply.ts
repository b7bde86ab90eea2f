// Applying a series to a base tree with jsdiff, one hunk at a time so that one hunk that
// does not apply costs only itself. jsdiff does the fitting (offsets and fuzz); the only
// thing computed here is where a hunk landed, which jsdiff does not report.

import { applyPatch, type StructuredPatch } from 'diff';
import type { FileDiff, Hunk, Patch } from './types';

/** A hunk that applied. */
export interface AppliedHunk {
  /** Position of the patch in the `patches` array given to `applySeries`. */
  patchIndex: number;
  fileIndex: number;
  hunkIndex: number;
  /** Path of the file written (the new path for renames). */
  path: string;
  /**
   * Lines the hunk moved: where its old side was found minus where the header put it,
   * after adjusting for earlier hunks of the same file diff.
   */
  offset: number;
  /**
   * 1-based line of the hunk's first line (context or added) in the file right after the
   * hunk was applied, i.e. in the patch's post-image when hunks are in file order.
   */
  newStartInResult: number;
}

/** A hunk that was not applied, and why. */
export interface FailedHunk {
  patchIndex: number;
  fileIndex: number;
  hunkIndex: number;
  /** The file the hunk is for; null when the patch did not say. */
  path: string | null;
  reason: string;
}

/** Result of `applySeries`. */
export interface SeriesResult {
  /** Post-image of every file the series changed (deleted files are absent). */
  files: Map<string, string>;
  applied: AppliedHunk[];
  failed: FailedHunk[];
}

/** Mismatching context lines jsdiff may tolerate per hunk. */
const FUZZ = 2;

export const NOT_APPLICABLE = 'quoted/truncated hunk: not applied';

/** Reason of hunks left unapplied when the time budget ran out (applySeries `hasTime`). */
export const OUT_OF_TIME = 'not applied: the time budget ran out first';

/** Old-side (context + removed) and new-side (context + added) lines of a hunk. */
function sideLines(h: Hunk): { oldLines: string[]; newLines: string[] } {
  const oldLines: string[] = [];
  const newLines: string[] = [];
  for (const l of h.lines) {
    if (l.kind === ' ' || l.kind === '-') oldLines.push(l.text);
    if (l.kind === ' ' || l.kind === '+') newLines.push(l.text);
  }
  return { oldLines, newLines };
}

/** Old-side (context + removed) and new-side (context + added) code of a hunk, joined with '\n'. */
export function hunkSides(h: Hunk): { oldText: string; newText: string } {
  const { oldLines, newLines } = sideLines(h);
  return { oldText: oldLines.join('\n'), newText: newLines.join('\n') };
}

/**
 * Applies `patches` in order to `base` (path → content, paths as written in the patches
 * without a/ b/). A later patch sees the earlier ones' result. Cover letters are skipped;
 * quoted and truncated hunks are reported as failed with `NOT_APPLICABLE`. Never mutates
 * `base`. Once `hasTime` says no, the remaining hunks fail with `OUT_OF_TIME`: a hunk
 * that does not fit costs a fuzzy search of its whole file, and a document of thousands
 * of such hunks took a minute under a 2-second budget (issue 16, found by the fuzzer).
 */
export function applySeries(base: ReadonlyMap<string, string>, patches: Patch[], hasTime: () => boolean = () => true): SeriesResult {
  const tree = new WorkTree(base);
  const applied: AppliedHunk[] = [];
  const failed: FailedHunk[] = [];
  patches.forEach((p, patchIndex) => {
    if (p.isCoverLetter) return;
    p.files.forEach((fd, fileIndex) => applyFile(tree, p, patchIndex, fd, fileIndex, applied, failed, hasTime));
  });
  return { files: tree.touched(), applied, failed };
}

/** The base tree plus the changes made so far. */
class WorkTree {
  private readonly changed = new Map<string, string>();
  private readonly removed = new Set<string>();

  constructor(private readonly base: ReadonlyMap<string, string>) {}

  get(path: string): string | undefined {
    if (this.removed.has(path)) return undefined;
    return this.changed.get(path) ?? this.base.get(path);
  }

  set(path: string, content: string): void {
    this.removed.delete(path);
    this.changed.set(path, content);
  }

  remove(path: string): void {
    this.changed.delete(path);
    this.removed.add(path);
  }

  touched(): Map<string, string> {
    return new Map(this.changed);
  }
}

interface FileJob {
  patchIndex: number;
  fileIndex: number;
  path: string | null;
  failed: FailedHunk[];
}

function fail(job: FileJob, hunkIndex: number, reason: string): void {
  job.failed.push({ patchIndex: job.patchIndex, fileIndex: job.fileIndex, hunkIndex, path: job.path, reason });
}

function applyFile(
  tree: WorkTree,
  p: Patch,
  patchIndex: number,
  fd: FileDiff,
  fileIndex: number,
  applied: AppliedHunk[],
  failed: FailedHunk[],
  hasTime: () => boolean,
): void {
  const job: FileJob = { patchIndex, fileIndex, path: fd.newPath ?? fd.oldPath, failed };
  const usable: number[] = [];
  fd.hunks.forEach((h, k) => {
    if (p.quoted || h.quoteDepth > 0 || h.truncated) fail(job, k, NOT_APPLICABLE);
    else usable.push(k);
  });
  if (p.quoted || fd.binary) return;
  // Out of time before this file diff: not even its split (each costs the file's size, and
  // a series can repeat the same file diff thousands of times).
  if (!hasTime()) {
    for (const k of usable) fail(job, k, OUT_OF_TIME);
    return;
  }
  const start = startingContent(tree, fd);
  if (typeof start !== 'string') {
    for (const k of usable) fail(job, k, start.reason);
    return;
  }
  // Lines, not one string: each hunk then costs its own size, not the file's (issue 16:
  // re-splitting a 200 KB inode.c per hunk made applying a 150-hunk diff take 300 ms).
  let lines = start.split('\n');
  let delta = 0;
  let carried = 0;
  let appliedAny = false;
  for (const k of usable) {
    if (!hasTime()) {
      fail(job, k, OUT_OF_TIME);
      continue;
    }
    const h = fd.hunks[k];
    const headerPos = oldSideIndex(h) + delta;
    const r = applyExact(lines, h, headerPos + carried) ?? applyOneHunk(lines, h, headerPos + carried);
    if ('reason' in r) {
      fail(job, k, r.reason);
      continue;
    }
    lines = r.lines;
    appliedAny = true;
    const offset = r.at - headerPos;
    applied.push({ patchIndex, fileIndex, hunkIndex: k, path: job.path as string, offset, newStartInResult: r.at + 1 });
    carried = offset;
    delta += h.newLines - h.oldLines;
  }
  if (appliedAny) commit(tree, fd, lines.join('\n'));
  // No hunks: a rename, a new empty file or a deletion changes the tree; a file diff with
  // nothing to apply (headers only) does not. Rewriting it anyway made a fresh copy of the
  // file per such diff: 5,000 of them held 1 GB of inode.c copies (issue 16, the fuzzer).
  else if (fd.hunks.length === 0 && fd.oldPath !== fd.newPath) commit(tree, fd, start);
}

/** The text the file diff starts from, or why it cannot be applied at all. */
function startingContent(tree: WorkTree, fd: FileDiff): string | { reason: string } {
  if (fd.oldPath === null && fd.newPath === null) return { reason: 'file path unknown: the hunk has no file header' };
  if (fd.oldPath === null) {
    const existing = tree.get(fd.newPath as string);
    return existing ? { reason: `new file already exists in the tree: ${fd.newPath}` } : '';
  }
  const content = tree.get(fd.oldPath);
  return content === undefined ? { reason: `file not found in the base tree: ${fd.oldPath}` } : content;
}

function commit(tree: WorkTree, fd: FileDiff, content: string): void {
  if (fd.newPath === null) {
    if (fd.oldPath !== null) tree.remove(fd.oldPath);
    return;
  }
  if (fd.oldPath !== null && fd.oldPath !== fd.newPath) tree.remove(fd.oldPath);
  tree.set(fd.newPath, content);
}

/** 0-based index where the header says the hunk's old side starts (`-N,0` inserts after line N). */
function oldSideIndex(h: Hunk): number {
  return h.oldLines === 0 ? h.oldStart : Math.max(0, h.oldStart - 1);
}

/**
 * Lines on each side of a hunk's expected place that a first, exact attempt looks at.
 * jsdiff searches outward from the expected line, so an exact fit within the window is the
 * fit it would find in the whole file; anything else (an offset past the window, a fuzzy
 * fit, the end of the file) goes to jsdiff with the whole file.
 */
const WINDOW = 300;

/**
 * The common case without jsdiff: the hunk's old side found exactly within `WINDOW` lines
 * of `expected`, tried in jsdiff's own order (`expected`, +1, −1, +2, −2, … — its
 * distance iterator with fuzz 0), so the place is the one jsdiff would choose; the hunk is
 * then spliced into `lines` in place (the caller owns them). Undefined when jsdiff must
 * decide: no exact fit near, an insertion-only hunk, or a "\ No newline" marker. On the
 * 475-hunk 6.12 → 7.2 diff, jsdiff's split, join and copy per hunk cost 70 ms a review.
 */
function applyExact(lines: string[], h: Hunk, expected: number): { lines: string[]; at: number } | undefined {
  if (h.lines.some((l) => l.kind === '\\')) return undefined;
  const { oldLines: old, newLines: added } = sideLines(h);
  if (!old.length || added.length > 10_000) return undefined;
  const max = lines.length - old.length;
  for (let d = 0; d <= WINDOW; d++) {
    for (const at of d === 0 ? [expected] : [expected + d, expected - d]) {
      if (at < 0 || at > max || !matchesAt(lines, old, at)) continue;
      lines.splice(at, old.length, ...added);
      return { lines, at };
    }
  }
  return undefined;
}

/** Applies one hunk with jsdiff, looking first at 0-based line `expected`. Never mutates `lines`. */
function applyOneHunk(lines: readonly string[], h: Hunk, expected: number): { lines: string[]; at: number } | { reason: string } {
  const at0 = Math.min(Math.max(0, expected), lines.length);
  const lo = Math.max(0, at0 - WINDOW);
  const hi = at0 + h.oldLines + WINDOW;
  if (lo > 0 && hi < lines.length - 1 && !h.lines.some((l) => l.kind === '\\')) {
    const r = applyWhole(lines.slice(lo, hi).join('\n'), h, at0 - lo, 0);
    if (!('reason' in r)) {
      const out = lines.slice(0, lo);
      for (const l of r.lines) out.push(l);
      for (let i = hi; i < lines.length; i++) out.push(lines[i]);
      return { lines: out, at: lo + r.at };
    }
  }
  return applyWhole(lines.join('\n'), h, at0, FUZZ);
}

/** Applies one hunk to `content` with jsdiff (fuzz `fuzz`), looking first at 0-based line `at0`. */
function applyWhole(content: string, h: Hunk, at0: number, fuzz: number): { lines: string[]; at: number } | { reason: string } {
  const source = content.split('\n');
  const patch: StructuredPatch = {
    oldFileName: 'a',
    newFileName: 'b',
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [{ oldStart: at0 + 1, oldLines: h.oldLines, newStart: at0 + 1, newLines: h.newLines, lines: h.lines.map((l) => l.kind + l.text) }],
  };
  let out: string | false;
  try {
    out = applyPatch(content, patch, { fuzzFactor: fuzz });
  } catch (e) {
    return { reason: `jsdiff refused the hunk: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (out === false) return { reason: `hunk does not apply: its context was not found (fuzz ${fuzz})` };
  const result = out.split('\n');
  return { lines: result, at: landedAt(source, result, h, at0) };
}

/**
 * Where jsdiff put the hunk. For an exact fit this repeats jsdiff's search order (the
 * header position, then +1, -1, +2, -2, ...) and so finds the same place; a fuzzy fit is
 * estimated from the unchanged prefix of the file.
 */
function landedAt(source: readonly string[], result: readonly string[], h: Hunk, expected: number): number {
  const old = sideLines(h).oldLines;
  if (old.length === 0) return expected;
  const maxStart = source.length - old.length;
  for (let d = 0; expected + d <= maxStart || expected - d >= 0; d++) {
    if (d === 0) {
      if (matchesAt(source, old, expected)) return expected;
      continue;
    }
    if (expected + d <= maxStart && matchesAt(source, old, expected + d)) return expected + d;
    if (expected - d >= 0 && expected - d <= maxStart && matchesAt(source, old, expected - d)) return expected - d;
  }
  let prefix = 0;
  while (prefix < source.length && prefix < result.length && source[prefix] === result[prefix]) prefix++;
  let leading = 0;
  while (leading < h.lines.length && h.lines[leading].kind === ' ') leading++;
  return Math.max(0, prefix - leading);
}

function matchesAt(source: readonly string[], old: readonly string[], at: number): boolean {
  if (at < 0 || at + old.length > source.length) return false;
  for (let k = 0; k < old.length; k++) if (source[at + k] !== old[k]) return false;
  return true;
}
