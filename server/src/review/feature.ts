import type { Hunk } from '../patch';

/**
 * Hunk-only mode for a patch that adds new code: functions and ops tables the reference
 * tree does not have can only run through the patch's own call sites, so the hunks that
 * define them and the hunks that reach them are one change and are simulated together
 * (seed 002: the ext4_buffered_write_iter() call site, the new ext4_iomap_buffered_write(),
 * the new ->iomap_begin/->iomap_end and their ops tables, ext4_set_iomap()'s cookie).
 * Pure functions; review.ts wires them to images.
 */

/** What one hunk contributes to a feature: the new names it defines, the identifiers its added lines use, the function it sits in. */
export interface FeatureItem {
  defines: ReadonlySet<string>;
  uses: ReadonlySet<string>;
  /** The function a partial hunk sits in, when its hunk can be placed exactly on the reference. */
  placeableIn?: string;
}

/** Identifiers on a hunk's added lines (comments dropped). */
export function addedIdentifiers(h: Hunk): Set<string> {
  const text = h.lines.filter((l) => l.kind === '+').map((l) => l.text).join('\n').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
  return new Set(text.match(/[A-Za-z_]\w*/g) ?? []);
}

/**
 * Groups of item indices simulated together: items are joined when one's added lines use a
 * name another defines (transitively); a group then takes the placeable partial hunks whose
 * function the group's added code names (a callee the new code was written against).
 * Only groups of two or more that define something are returned.
 */
export function featureGroups(items: readonly FeatureItem[]): number[][] {
  const parent = items.map((_, i) => i);
  // Iterative find with path halving: a long chain of unions must not recurse n deep.
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  // Join each item with the items defining a name it uses: through an index of definers,
  // linear in names, not a comparison of every pair of hunks (issue 16).
  const definers = new Map<string, number[]>();
  items.forEach((b, j) => b.defines.forEach((n) => pushTo(definers, n, j)));
  items.forEach((a, i) =>
    a.uses.forEach((n) => {
      for (const j of definers.get(n) ?? []) if (i !== j) parent[find(i)] = find(j);
    }),
  );
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });
  // Items alone in their group that sit inside a function some group uses join that group.
  const loners = new Map<string, number[]>();
  items.forEach((it, i) => {
    if (it.placeableIn && groups.get(find(i))!.length === 1) pushTo(loners, it.placeableIn, i);
  });
  const out: number[][] = [];
  for (const g of groups.values()) {
    if (g.length < 2 || !g.some((i) => items[i].defines.size)) continue;
    const used = new Set(g.flatMap((i) => [...items[i].uses]));
    const extra = new Set<number>();
    for (const n of used) for (const i of loners.get(n) ?? []) extra.add(i);
    out.push([...g, ...extra].sort((a, b) => a - b));
  }
  return out;
}

/** A line compared with its whitespace collapsed: a flattened mail loses indentation, not tokens. */
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Where a hunk landed when placed exactly: 1-based first line on each side, and its changed lines. */
export interface Placement {
  hunk: number;
  preStart: number;
  postStart: number;
  preChanged: number[];
  postChanged: number[];
}

/**
 * Place hunks on a reference file by exact context: each hunk's old side (context and
 * removed lines, whitespace collapsed) must occur exactly once in `text`. Placed hunks are
 * applied together; the others are left out. Returns the new text and where each landed
 * (line numbers of `text` before, of the result after). No fuzz and no similarity guess.
 */
export function placeExactly(text: string, hunks: readonly Hunk[]): { text: string; placed: Placement[] } {
  const lines = text.split('\n');
  const normed = lines.map(norm);
  const found: Array<{ hunk: number; at: number; old: number }> = [];
  hunks.forEach((h, k) => {
    const old = h.lines.filter((l) => l.kind !== '+').map((l) => norm(l.text));
    if (!old.some((l) => l)) return;
    let at = -1;
    for (let i = 0; i + old.length <= normed.length; i++) {
      let ok = true;
      for (let j = 0; j < old.length && ok; j++) ok = normed[i + j] === old[j];
      if (!ok) continue;
      if (at >= 0) return; // ambiguous: not placed
      at = i;
    }
    if (at >= 0) found.push({ hunk: k, at, old: old.length });
  });
  found.sort((a, b) => a.at - b.at);
  const kept = found.filter((f, i) => i === 0 || found[i - 1].at + found[i - 1].old <= f.at);
  const out: string[] = [];
  const placed: Placement[] = [];
  let cursor = 0;
  for (const f of kept) {
    out.push(...lines.slice(cursor, f.at));
    const p: Placement = { hunk: f.hunk, preStart: f.at + 1, postStart: out.length + 1, preChanged: [], postChanged: [] };
    let o = f.at;
    for (const l of hunks[f.hunk].lines) {
      if (l.kind === '+') {
        p.postChanged.push(out.length + 1);
        out.push(l.text);
      } else {
        if (l.kind === '-') p.preChanged.push(o + 1);
        else out.push(lines[o]);
        o++;
      }
    }
    cursor = o;
    placed.push(p);
  }
  out.push(...lines.slice(cursor));
  return { text: out.join('\n'), placed };
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
