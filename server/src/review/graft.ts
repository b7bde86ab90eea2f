import { CNode, field, walk } from '../syntax/cst';
import type { CFunction, CodeImage } from '../interp/interpreter';
import type { Hunk } from '../patch';
import type { ImageFactory } from './images';

/**
 * Hunk-only mode for a hunk that holds only part of a function: graft its change onto the
 * reference tree. The changed statement is parsed out of each side of the hunk, the most
 * similar statement is found in the reference's version of the enclosing function (or a
 * function it calls — code moves between helpers across versions), and two copies of that
 * function are built, one with the old statement spliced in and one with the new.
 *
 * This is a heuristic and says so: the result carries the similarity score and where the
 * graft went, and the review lists it as an assumption.
 */
export interface Graft {
  /** The reference function the change was spliced into. */
  target: string;
  before: CFunction;
  after: CFunction;
  /** Token similarity between the hunk's statement and the replaced one, 0..1 (see similarity()). */
  score: number;
  /** Where in the reference tree: `fs/ext4/inode.c:3330`. */
  where: string;
}

const FRAGMENT = '__ext4wp_fragment';

/** Try to graft hunk `h` (of a function named in its section header) onto `ref`. */
export function graftHunk(h: Hunk, key: string, enclosing: string | undefined, refBefore: CodeImage, refAfter: CodeImage, factory: ImageFactory, interpreted: (name: string) => boolean = () => true): Graft | undefined {
  if (!enclosing) return undefined;
  const oldSide = sideOf(h, '-');
  const newSide = sideOf(h, '+');
  if (!oldSide.changed.length || !newSide.changed.length) return undefined;
  const sOld = changedStatement(oldSide, `${key}:-`, factory);
  const sNew = changedStatement(newSide, `${key}:+`, factory);
  if (!sOld || !sNew) return undefined;
  // Each side splices into its own image: an earlier graft into the same function stays.
  const before = spliceInto(refBefore, enclosing, sOld, sNew, sOld.text, `${key}:before`, factory, interpreted);
  const after = spliceInto(refAfter, enclosing, sOld, sNew, sNew.text, `${key}:after`, factory, interpreted);
  if (!before || !after || before.fn.name !== after.fn.name) return undefined;
  return { target: after.fn.name, before: before.fn, after: after.fn, score: Math.min(before.score, after.score), where: after.where };
}

/** Find the statement standing for the hunk's in `ref` (the enclosing function or a callee) and splice `stmt` over it. */
function spliceInto(
  ref: CodeImage,
  enclosing: string,
  sOld: { node: CNode; text: string },
  sNew: { node: CNode; text: string },
  stmt: string,
  key: string,
  factory: ImageFactory,
  interpreted: (name: string) => boolean,
): { fn: CFunction; score: number; where: string } | undefined {
  const host = ref.lookupFunction(enclosing);
  if (!host) return undefined;
  // Candidates: the enclosing function and the functions it calls (one level).
  const candidates: CFunction[] = [host];
  walk(host.def, (n) => {
    if (n.type === 'call_expression') {
      const name = field(n, 'function')?.text;
      // Only functions the engine interprets: a graft into a modelled one would never run.
      const f = name && name !== enclosing && interpreted(name) ? ref.lookupFunction(name) : undefined;
      if (f && !candidates.some((c) => c.name === f.name)) candidates.push(f);
    }
  });
  let best: { fn: CFunction; node: CNode; score: number } | undefined;
  const want = [tokens(sOld.text), tokens(sNew.text)];
  for (const fn of candidates) {
    // An `else if` is the tail of a chain, never a chain head like the hunk's statement.
    const tails = new Set<CNode>();
    walk(fn.def, (n) => {
      if (n.type === 'else_clause') for (const c of n.children) tails.add(c);
    });
    walk(fn.def, (n) => {
      if (n.type !== sNew.node.type || tails.has(n)) return;
      const t = tokens(fn.file.text.slice(n.start, n.end));
      const score = Math.max(similarity(want[0], t), similarity(want[1], t));
      if (!best || score > best.score) best = { fn, node: n, score };
    });
  }
  if (process.env.EXT4WP_DEBUG_GRAFT) process.stderr.write(`graft ${key}: best ${best ? `${(best as { fn: CFunction }).fn.name} ${(best as { score: number }).score.toFixed(2)}` : 'none'}\n`);
  if (!best || best.score < 0.5) return undefined;
  const { fn, node, score } = best;
  const fnText = fn.file.text.slice(fn.def.start, fn.def.end);
  const a = node.start - fn.def.start;
  const b = node.end - fn.def.start;
  const text = fnText.slice(0, a) + adaptMembers(stmt, fnText) + fnText.slice(b);
  const displayPath = fn.displayPath.replace(/~graft$/, '');
  const f = factory.file(`${displayPath}#graft:${key}`, text);
  const def = f.functionBody(fn.name);
  if (!def || f.functions.get(fn.name)?.hasError) return undefined;
  return { fn: { name: fn.name, file: f, def, lineBase: fn.def.row + fn.lineBase, displayPath: `${displayPath}~graft` }, score, where: `${displayPath}:${node.row + fn.lineBase}` };
}

interface Side {
  text: string;
  /** 0-based indices (within the side's lines) of the changed lines. */
  changed: number[];
}

function sideOf(h: Hunk, kind: '-' | '+'): Side {
  const lines: string[] = [];
  const changed: number[] = [];
  let inComment = false;
  for (const l of h.lines) {
    if (l.kind !== ' ' && l.kind !== kind) continue;
    // Blank and comment-only lines carry no code: they must not widen the changed statement.
    const t = l.text.trim();
    const codeLess = t === '' || inComment || t.startsWith('/*') || t.startsWith('*') || t.startsWith('//');
    if (t.includes('/*') && !t.includes('*/')) inComment = true;
    else if (inComment && t.includes('*/')) inComment = false;
    if (l.kind === kind && !codeLess) changed.push(lines.length);
    lines.push(l.text);
  }
  return { text: lines.join('\n'), changed };
}

/**
 * Parse one side as the body of a synthetic function, closing what the hunk left open
 * (`} else {` with no `if` becomes `if (1) { … } else {`), and return the smallest
 * statement containing every changed line.
 */
function changedStatement(side: Side, key: string, factory: ImageFactory): { node: CNode; text: string } | undefined {
  let depth = 0;
  let min = 0;
  const opens: string[] = [];
  const code = side.text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth < min) {
        min = depth;
        opens.unshift(/^\}\s*else\b/.test(code.slice(i)) ? 'if (1) {' : '{');
      }
    }
  }
  const prefix = opens.join(' ');
  // A hunk may end inside a comment; close it, or it would swallow the closing braces.
  const open = side.text.lastIndexOf('/*') > side.text.lastIndexOf('*/') ? ' */' : '';
  const suffix = open + '}'.repeat(Math.max(0, depth - min));
  const text = `void ${FRAGMENT}(void) { ${prefix}\n${side.text}\n${suffix} }\n`;
  const f = factory.file(`#fragment:${key}`, text);
  const body = f.functionBody(FRAGMENT);
  if (!body) return undefined;
  // Rows in `text`: side line i is row i + 1.
  const lo = Math.min(...side.changed) + 1;
  const hi = Math.max(...side.changed) + 1;
  let best: CNode | undefined;
  const fnBody = field(body, 'body');
  walk(body, (n) => {
    if (n === body || n === fnBody || n.bad) return;
    const stmt = n.type.endsWith('_statement') && n.type !== 'compound_statement' || n.type === 'declaration';
    if (!stmt || n.row > lo || n.endRow < hi) return;
    if (!best || n.end - n.start < best.end - best.start) best = n;
  });
  if (!best) return undefined;
  return { node: best, text: text.slice(best.start, best.end) };
}

/** `map.m_flags` in a hunk where the host function has `struct ext4_map_blocks *map`: use `->`. */
function adaptMembers(stmt: string, hostText: string): string {
  return stmt.replace(/\b([A-Za-z_]\w*)\.(?=[A-Za-z_])/g, (m, id: string) => (new RegExp(`\\*\\s*${id}\\b`).test(hostText) ? `${id}->` : m));
}

/** Identifier/operator tokens, with `.` and `->` unified so `map.x` matches `map->x`. */
function tokens(s: string): string[] {
  return (s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/->/g, '.').match(/[A-Za-z_]\w*|\d+|&&|\|\||[=!<>]=|[^\s\w]/g) ?? []).filter((t) => t !== '{' && t !== '}' && t !== ';');
}

/**
 * How well candidate `b` stands for the hunk's statement `a`: the share of `a`'s tokens
 * found in `b` (code grows between versions: the newer statement has more in it), damped
 * when `b` is much larger than `a` so an enclosing block does not win by size.
 */
function similarity(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const contained = common(a, b) / a.length;
  return contained * Math.min(1, a.length / b.length) ** 0.3;
}

/** Size of the multiset intersection of two token lists. */
function common(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of b) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(t, n - 1);
    }
  }
  return shared;
}
