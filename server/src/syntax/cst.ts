/**
 * The lowered syntax tree the interpreter walks.
 *
 * web-tree-sitter nodes live in WASM memory and every property access crosses the JS/WASM
 * boundary, so each function body is lowered once into these plain objects and the
 * interpreter never touches tree-sitter again. Positions are 0-based rows/columns and
 * string indices into the file's text (web-tree-sitter indices are UTF-16 based when
 * parsing a JS string, which is what we slice with).
 */
export interface CNode {
  /** tree-sitter node type, e.g. `if_statement`, `identifier`. */
  readonly type: string;
  /** Source text of leaves (identifiers, literals, type names); undefined on inner nodes. */
  readonly text?: string;
  /** The operator token of binary/unary/assignment/update/pointer expressions. */
  readonly op?: string;
  /** Named children in source order. */
  readonly children: readonly CNode[];
  /**
   * The tree-sitter field name of each named child (parallel to `children`; a field may
   * repeat, e.g. `declarator`), or undefined when no child has one. An array scan of a
   * handful of interned strings, not a Map per node: `field()` is the interpreter's most
   * frequent lookup, and a Map's hashing and indirections made it its hottest line.
   */
  readonly fieldNames: readonly (string | undefined)[] | undefined;
  /** Start/end string index into the file text. */
  readonly start: number;
  readonly end: number;
  /** 0-based start row and column, and 0-based end row. */
  readonly row: number;
  readonly col: number;
  readonly endRow: number;
  /** True when tree-sitter marked this node ERROR or MISSING. */
  readonly bad?: boolean;
}

/**
 * How deep the lowered tree may go (syntax nodes, not C statements). A function body
 * deeper than this is not lowered below that depth: the subtree becomes one `TOO_DEEP`
 * node, which the interpreter refuses to run. Real ext4/iomap functions stay under a
 * tenth of it; the bound keeps lowering and interpreting off the JavaScript stack limit.
 */
export const MAX_SYNTAX_DEPTH = 400;

/** Type of the node standing for a subtree cut at `MAX_SYNTAX_DEPTH`. */
export const TOO_DEEP = 'too_deep';

/** First child in field `name`, if any. */
export function field(n: CNode, name: string): CNode | undefined {
  const names = n.fieldNames;
  if (names) for (let i = 0; i < names.length; i++) if (names[i] === name) return n.children[i];
  return undefined;
}

/** All children in field `name`. */
export function fieldAll(n: CNode, name: string): readonly CNode[] {
  const names = n.fieldNames;
  const all: CNode[] = [];
  if (names) for (let i = 0; i < names.length; i++) if (names[i] === name) all.push(n.children[i]);
  return all;
}

/** Depth-first visit of `n` and its named descendants; `visit` returning false prunes. */
export function walk(n: CNode, visit: (n: CNode) => boolean | void): void {
  if (visit(n) === false) return;
  for (const c of n.children) walk(c, visit);
}
