// Without --kernel (or a kernelTree setting), a reviewer still usually has a tree the
// patch was written against among the cached Debian trees. Before falling back to
// hunk-only mode, try them: a series that applies to one is reviewed against it like any
// --kernel review; one that applies only in reverse is already in that tree, and is
// reviewed against the tree with the series taken out (issue 13 §5).

import { applySeries } from '../patch';
import type { FileDiff, Hunk, Patch, PatchDocument } from '../patch';

/** What a candidate tree must offer: its file texts (tree-relative paths). */
export interface CandidateTree {
  /** A name for messages, e.g. `6.12.118`. */
  name: string;
  texts: ReadonlyMap<string, string>;
}

/** A tree the series applies to, forward or in reverse. */
export interface TreeMatch<T extends CandidateTree> {
  tree: T;
  /**
   * `forward`: the series applies to the tree as it is. `reverse`: the tree already holds
   * the series; `texts` is the tree with the series reverse-applied (the series' base).
   */
  direction: 'forward' | 'reverse';
  /** The pre-image to review against: the tree's texts (forward) or the series' base (reverse). */
  texts: ReadonlyMap<string, string>;
  /** Hunks tried (those on files the tree holds) and the largest offset any of them took, in lines. */
  hunks: number;
  maxOffset: number;
  /** One line for the review's problems/summary. */
  why: string;
}

/** The patches of a document that are the series itself (not cover letters, not quotes). */
function seriesOf(doc: PatchDocument): Patch[] {
  return doc.patches.filter((p) => !p.isCoverLetter && !p.quoted);
}

/** The series restricted to file diffs on paths `texts` has (others cannot decide the match). */
function restrict(patches: readonly Patch[], has: (path: string) => boolean): Patch[] {
  return patches
    .map((p) => ({ ...p, files: p.files.filter((fd) => (fd.oldPath !== null && has(fd.oldPath)) || (fd.newPath !== null && has(fd.newPath))) }))
    .filter((p) => p.files.length);
}

function reverseHunk(h: Hunk): Hunk {
  return {
    ...h,
    oldStart: h.newStart,
    oldLines: h.newLines,
    newStart: h.oldStart,
    newLines: h.oldLines,
    lines: h.lines.map((l) => (l.kind === '-' ? { ...l, kind: '+' } : l.kind === '+' ? { ...l, kind: '-' } : l)),
  };
}

function reverseFile(fd: FileDiff): FileDiff {
  return { ...fd, oldPath: fd.newPath, newPath: fd.oldPath, hunks: fd.hunks.map(reverseHunk) };
}

/** The series undone: patches in reverse order, each file diff reversed. */
function reverseSeries(patches: readonly Patch[]): Patch[] {
  return [...patches].reverse().map((p, i) => ({ ...p, index: i, files: [...p.files].reverse().map(reverseFile) }));
}

/**
 * The first tree (in the order given: newest first) that the document's series applies
 * to with every hunk on a file the tree holds, else the first it applies to in reverse.
 * `maxFuzzOffset` bounds how far (in lines) a hunk may have moved for the match to count
 * (jsdiff also tolerates a little context fuzz, see patch/apply.ts). Undefined when no
 * tree takes the whole series either way, the series touches none of the trees' files, or
 * `hasTime` ran out while applying (a 2.5 MB series of repeated hunks). Pure: no I/O.
 */
export function findTree<T extends CandidateTree>(doc: PatchDocument, trees: readonly T[], maxFuzzOffset = 400, hasTime: () => boolean = () => true): TreeMatch<T> | undefined {
  const series = seriesOf(doc);
  if (!series.length) return undefined;
  const tryTree = (tree: T, direction: 'forward' | 'reverse'): TreeMatch<T> | undefined => {
    const mine = restrict(series, (p) => tree.texts.has(p));
    const hunks = mine.reduce((n, p) => n + p.files.reduce((m, fd) => m + fd.hunks.length, 0), 0);
    if (!hunks) return undefined;
    const patches = direction === 'forward' ? mine.map((p, i) => ({ ...p, index: i })) : reverseSeries(mine);
    // A quick reject first: the first hunk of every file diff alone. A series meant for
    // another tree fails there, before thousands of fuzzy whole-file searches.
    const firsts = patches.map((p) => ({ ...p, files: p.files.map((fd) => ({ ...fd, hunks: fd.hunks.slice(0, 1) })) }));
    if (applySeries(tree.texts, firsts, hasTime).failed.length) return undefined;
    // Under the review's time budget: a series cut short by it is no match (hunk-only then).
    const r = applySeries(tree.texts, patches, hasTime);
    if (r.failed.length || r.applied.length !== hunks) return undefined;
    const maxOffset = Math.max(0, ...r.applied.map((a) => Math.abs(a.offset)));
    if (maxOffset > maxFuzzOffset) return undefined;
    const moved = maxOffset ? ` (hunks moved by up to ${maxOffset} line${maxOffset === 1 ? '' : 's'})` : '';
    if (direction === 'forward') {
      return { tree, direction, texts: tree.texts, hunks, maxOffset, why: `no kernel tree given: the series applies to the cached ${tree.name} tree${moved}, reviewed against it` };
    }
    const texts = new Map(tree.texts);
    for (const [k, v] of r.files) texts.set(k, v);
    return { tree, direction, texts, hunks, maxOffset, why: `no kernel tree given: the cached ${tree.name} tree already contains this series (it applies in reverse${moved}); reviewed against ${tree.name} with the series taken out` };
  };
  for (const t of trees) {
    const m = tryTree(t, 'forward');
    if (m) return m;
  }
  for (const t of trees) {
    const m = tryTree(t, 'reverse');
    if (m) return m;
  }
  return undefined;
}
