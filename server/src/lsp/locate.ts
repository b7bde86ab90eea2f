import type { BaseTree } from '../review/review';

/** A line in a base tree file, and how sure we are it is the deciding line. */
export interface TreeLine {
  /** Tree-relative path. */
  file: string;
  /** 1-based line in the tree's text of `file`. */
  line: number;
  /** `exact`: the line holds the step's code; `moved`: found nearby (the step's line was a post-image line); `function`: the function's first line. */
  how: 'exact' | 'moved' | 'function';
  /** For `function`: which function. */
  fn?: string;
}

/** How far from the reported line a moved line is searched (hunks shift lines by tens, not thousands). */
const SEARCH = 600;

const KEYWORDS = new Set(['if', 'else', 'return', 'while', 'for', 'goto', 'unlikely', 'likely', 'sizeof', 'struct', 'int', 'bool', 'true', 'false', 'NULL', 'defined']);

/** Identifiers of a step's text (keywords aside): what the source line holding it must contain. */
export function anchors(text: string): string[] {
  return [...new Set(text.match(/[A-Za-z_]\w{2,}/g) ?? [])].filter((w) => !KEYWORDS.has(w));
}

/**
 * Find the deciding C line of a hunk in the base tree.
 *
 * A deciding step of the after side names a post-image line, which need not exist in the
 * tree (the patch adds or shifts it), and the step's text is re-printed from the syntax
 * tree, not copied. So the line is verified: it is used when it (or the two lines after
 * it, for a condition split over lines) holds the step's first identifiers; else the
 * nearest line that does is used; else the first line of the hunk's function in the tree.
 * Never a line that may not exist.
 */
export function locateInTree(
  base: Pick<BaseTree, 'texts' | 'files'>,
  step: { file: string; line: number; text: string },
  functions: readonly string[],
  /** Split texts by file, for callers that locate many steps (a trace) in one go. */
  cache?: Map<string, string[]>,
): TreeLine | undefined {
  const text = cache?.has(step.file) ? undefined : base.texts.get(step.file);
  const lines = cache?.get(step.file) ?? text?.split('\n');
  if (!lines) return undefined;
  cache?.set(step.file, lines);
  // Two identifiers pin a condition down; a call re-printed with other arguments still has its callee.
  const ids = anchors(step.text);
  const at = step.line - 1;
  for (const want of [ids.slice(0, 2), ids.slice(0, 1)]) {
    if (!want.length) continue;
    const holds = (i: number) => want.every((w) => lines.slice(i, i + 3).some((l) => l.includes(w)));
    if (at >= 0 && at < lines.length && holds(at)) return { file: step.file, line: step.line, how: 'exact' };
    for (let d = 1; d <= SEARCH; d++) {
      for (const i of [at - d, at + d]) if (i >= 0 && i < lines.length && holds(i)) return { file: step.file, line: i + 1, how: 'moved' };
    }
  }
  const f = base.files.find((x) => x.path === step.file);
  for (const name of functions) {
    const e = f?.functions.get(name);
    if (e) return { file: step.file, line: e.startRow + 1, how: 'function', fn: name };
  }
  return undefined;
}
