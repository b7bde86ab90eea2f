// Reviewers often quote a single hunk without the file header above it. The file is then
// inferred from the rest of the document: first from a copy of the patch that has the
// same `@@ -a,b +c,d @@` numbers (patchwork pages and long threads carry the full patch),
// then from the nearest file header above the hunk.

import type { FileDiff, Hunk, Patch, Problem } from './types';

/** What the parser knows about the file diffs it created. */
export interface FileRegistry {
  /** File diffs made for hunks that had no file header (one hunk each). */
  orphans: ReadonlySet<FileDiff>;
  /** Document order of every file diff (creation order), for "nearest previous". */
  order: ReadonlyMap<FileDiff, number>;
}

function hunkKey(h: Hunk): string {
  return `${h.oldStart},${h.oldLines},${h.newStart},${h.newLines}`;
}

function pathOf(f: FileDiff): string | null {
  return f.newPath ?? f.oldPath;
}

/** Sections can be cut short when a mail client wrapped the quoted header line. */
function sameSection(a: string, b: string): boolean {
  if (a === '' || b === '') return a === b;
  return a.startsWith(b) || b.startsWith(a);
}

interface Located {
  file: FileDiff;
  order: number;
  section: string;
}

/**
 * Gives every orphan file diff a path, then merges consecutive orphans of one patch that
 * turned out to be the same file. Orphans that cannot be placed keep null paths and get a
 * warning at their hunk.
 */
export function resolveOrphans(patches: readonly Patch[], reg: FileRegistry, problems: Problem[]): void {
  if (reg.orphans.size === 0) return;
  const byKey = new Map<string, Located[]>();
  const headed: Located[] = [];
  for (const p of patches) {
    for (const f of p.files) {
      if (reg.orphans.has(f) || pathOf(f) === null) continue;
      const order = reg.order.get(f) ?? 0;
      headed.push({ file: f, order, section: '' });
      for (const h of f.hunks) {
        const list = byKey.get(hunkKey(h)) ?? [];
        list.push({ file: f, order, section: h.section });
        byKey.set(hunkKey(h), list);
      }
    }
  }
  headed.sort((a, b) => a.order - b.order);
  for (const p of patches) {
    for (const f of p.files) {
      if (!reg.orphans.has(f)) continue;
      const h = f.hunks[0];
      const order = reg.order.get(f) ?? 0;
      const source = byHeader(byKey.get(hunkKey(h)), h, order) ?? nearestBefore(headed, order);
      if (source) {
        f.oldPath = source.oldPath;
        f.newPath = source.newPath;
      } else {
        problems.push({
          message: `Quoted hunk ${h.header} has no file header above it and no full copy of the patch in this document: its file is unknown.`,
          line: h.docLine,
          column: h.docColumn,
          severity: 'warning',
        });
      }
    }
    mergeOrphans(p, reg.orphans);
  }
}

/** Among full copies with the same numbers, prefer a matching section, then the closest one above. */
function byHeader(cands: Located[] | undefined, h: Hunk, order: number): FileDiff | undefined {
  if (!cands || cands.length === 0) return undefined;
  const matching = cands.filter((c) => sameSection(c.section, h.section));
  const pool = matching.length > 0 ? matching : cands;
  let best: Located | undefined;
  for (const c of pool) {
    if (c.order < order && (!best || c.order > best.order)) best = c;
  }
  return (best ?? pool[0]).file;
}

function nearestBefore(headed: readonly Located[], order: number): FileDiff | undefined {
  let lo = 0;
  let hi = headed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headed[mid].order < order) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? headed[lo - 1].file : undefined;
}

/** Consecutive single-hunk orphans of the same file become one file diff. */
function mergeOrphans(p: Patch, orphans: ReadonlySet<FileDiff>): void {
  const merged: FileDiff[] = [];
  for (const f of p.files) {
    const prev = merged[merged.length - 1];
    const prevLast = prev?.hunks[prev.hunks.length - 1];
    const mergeable =
      prev !== undefined &&
      prevLast !== undefined &&
      orphans.has(prev) &&
      orphans.has(f) &&
      pathOf(prev) !== null &&
      prev.oldPath === f.oldPath &&
      prev.newPath === f.newPath &&
      f.hunks[0].oldStart >= prevLast.oldStart + prevLast.oldLines;
    if (mergeable) prev.hunks.push(...f.hunks);
    else merged.push(f);
  }
  p.files = merged;
}
