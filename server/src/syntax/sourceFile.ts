import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import { CNode, MAX_SYNTAX_DEPTH, TOO_DEEP } from './cst';
import type { CParser } from './treeSitter';
import { DEFAULT_PREPROC_CONFIG, evalPreprocCondition, PreprocConfig } from './preproc';

/** A problem found while parsing: never fatal, always positioned (0-based row/col). */
export interface SyntaxProblem {
  file: string;
  row: number;
  col: number;
  message: string;
}

/** One function definition found at file scope. Rows are 0-based. */
export interface FunctionEntry {
  name: string;
  file: string;
  startRow: number;
  endRow: number;
  start: number;
  end: number;
  /** Parameter names in order (`struct kiocb *iocb` → `iocb`). */
  params: string[];
  /** Guarding preprocessor condition text, if the definition sits under `#if…`. */
  guard?: string;
  /** False when the guard is false under the preprocessor config. */
  active: boolean;
  /** True when tree-sitter reported ERROR/MISSING nodes inside the definition. */
  hasError: boolean;
}

/** An object-like or function-like `#define` at file scope. */
export interface MacroDef {
  name: string;
  params?: string[];
  body: string;
  row: number;
  /** False when its `#if…` guard is false under the preprocessor config. */
  active?: boolean;
}

/**
 * A file-scope variable with a designated initializer, such as
 * `const struct iomap_ops ext4_iomap_ops = { .iomap_begin = ext4_iomap_begin, ... }`.
 * Values are kept as identifier text (function names) or raw text.
 */
export interface GlobalInit {
  name: string;
  structType?: string;
  fields: Record<string, string>;
  row: number;
}

/**
 * One parsed C file: a function index, file-scope macros and initialised globals, and
 * the problems tree-sitter reported. Owns its tree-sitter tree: call `dispose()` when the
 * file is replaced (the WASM heap is not garbage collected).
 *
 * Parsing never fails: a file full of ERROR nodes still yields whatever parsed.
 */
export class SourceFile {
  readonly functions = new Map<string, FunctionEntry>();
  readonly macros = new Map<string, MacroDef>();
  readonly globals = new Map<string, GlobalInit>();
  readonly problems: SyntaxProblem[] = [];
  private tree: Tree | null;
  private readonly nodes = new Map<string, Node>();
  private readonly lowered = new Map<string, CNode>();
  private readonly lineStarts: number[];

  /**
   * @param path  file path as the caller names it (used in traces), e.g. `fs/ext4/file.c`
   * @param text  the file's text
   */
  constructor(
    readonly path: string,
    readonly text: string,
    parser: CParser,
    readonly config: PreprocConfig = DEFAULT_PREPROC_CONFIG,
  ) {
    this.lineStarts = computeLineStarts(text);
    this.tree = parser.parse(text);
    this.index(this.tree.rootNode, undefined, true);
  }

  /**
   * Free the tree-sitter tree (idempotent). Bodies already lowered stay usable; call
   * `lowerAll()` first to keep every function executable after disposal.
   */
  dispose(): void {
    if (this.tree) {
      this.nodes.clear();
      this.tree.delete();
      this.tree = null;
    }
  }

  /** Lower every indexed function now (so they outlive `dispose()`). */
  lowerAll(): void {
    for (const name of this.nodes.keys()) this.functionBody(name);
  }

  /** The lowered `function_definition` of `name`, or undefined if not defined here. */
  functionBody(name: string): CNode | undefined {
    const cached = this.lowered.get(name);
    if (cached) return cached;
    const node = this.nodes.get(name);
    if (!node || !this.tree) return undefined;
    const low = lower(node.walk(), this.text);
    this.lowered.set(name, low);
    return low;
  }

  /** Source text of a lowered node. */
  textOf(n: { start: number; end: number }): string {
    return this.text.slice(n.start, n.end);
  }

  /**
   * Whether 0-based `row` holds nothing C reads: blank, or only comment text (a row
   * inside a block comment, or wholly taken by comments). Undefined after `dispose()`.
   * A patch line there changes no behaviour, only where the lines after it sit.
   */
  neutralRow(row: number): boolean | undefined {
    if (row < 0 || row >= this.lineStarts.length) return undefined;
    const line = this.text.slice(this.lineStarts[row], (this.lineStarts[row + 1] ?? this.text.length + 1) - 1);
    const first = line.search(/\S/);
    if (first < 0) return true;
    if (!this.tree) return undefined;
    const last = line.trimEnd().length; // column just past the last non-blank character
    for (let col = first; col < last; ) {
      const n = this.tree.rootNode.descendantForPosition({ row, column: col });
      if (n?.type !== 'comment') return false;
      if (n.endPosition.row > row) return true;
      col = n.endPosition.column;
      while (col < last && /\s/.test(line[col])) col++;
    }
    return true;
  }

  /**
   * The 0-based rows `[start, end]` of the file-scope item (a function, declaration,
   * `#define`, comment…; inside `#if` blocks, the item within the block) that holds `row`;
   * `[row, row]` between items. A text window cut at these rows parses as it does in the
   * whole file. Undefined after `dispose()`.
   */
  itemRows(row: number): [number, number] | undefined {
    if (!this.tree) return undefined;
    let node: Node = this.tree.rootNode;
    for (;;) {
      const child = node.namedChildren.find((c) => c && c.startPosition.row <= row && row <= c.endPosition.row);
      if (!child) return [row, row];
      if (!CONDITIONAL_BLOCKS.has(child.type)) return [child.startPosition.row, child.endPosition.row];
      node = child;
    }
  }

  /** 0-based row of a string index. */
  rowOf(index: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private index(node: Node, guard: string | undefined, active: boolean): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      switch (child.type) {
        case 'function_definition':
          this.addFunction(child, guard, active);
          break;
        case 'preproc_def':
        case 'preproc_function_def':
          this.addMacro(child, active);
          break;
        case 'declaration':
          this.addGlobal(child);
          break;
        case 'preproc_ifdef':
        case 'preproc_if':
          this.indexConditional(child, guard, active);
          break;
        case 'ERROR':
          this.problem(child, 'tree-sitter could not parse this region; functions inside it are not indexed');
          this.index(child, guard, active);
          break;
        default:
          break;
      }
    }
  }

  private indexConditional(node: Node, outerGuard: string | undefined, outerActive: boolean): void {
    const cond = conditionText(node);
    const truth = conditionTruth(node, this.config);
    const guard = outerGuard ? `${outerGuard} && ${cond}` : cond;
    // Children other than the alternative belong to the "true" branch.
    const alt = node.childForFieldName('alternative');
    const thenPart = { namedChildren: node.namedChildren.filter((c) => c && c.id !== alt?.id) } as unknown as Node;
    this.index(thenPart, guard, outerActive && truth !== false);
    if (alt) {
      const altActive = outerActive && truth !== true;
      if (alt.type === 'preproc_elif' || alt.type === 'preproc_elifdef') this.indexConditional(alt, outerGuard, altActive);
      else this.index(alt, `${outerGuard ? `${outerGuard} && ` : ''}!(${cond})`, altActive);
    }
  }

  private addFunction(node: Node, guard: string | undefined, active: boolean): void {
    const decl = functionDeclarator(node.childForFieldName('declarator'));
    const nameNode = decl?.childForFieldName('declarator');
    if (!decl || !nameNode || nameNode.type !== 'identifier') return;
    const name = nameNode.text;
    const existing = this.functions.get(name);
    if (existing && existing.active && !active) return; // keep the active alternative
    const params: string[] = [];
    for (const p of decl.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p?.type !== 'parameter_declaration') continue;
      const id = innermostIdentifier(p.childForFieldName('declarator'));
      if (id) params.push(id);
    }
    const hasError = node.hasError;
    if (hasError) this.problem(firstError(node) ?? node, `syntax error inside ${name}(): parts of it may not run as written`);
    this.functions.set(name, {
      name,
      file: this.path,
      startRow: node.startPosition.row,
      endRow: node.endPosition.row,
      start: node.startIndex,
      end: node.endIndex,
      params,
      guard,
      active,
      hasError,
    });
    this.nodes.set(name, node);
    this.lowered.delete(name);
  }

  private addMacro(node: Node, active: boolean): void {
    const name = node.childForFieldName('name')?.text;
    if (!name) return;
    const existing = this.macros.get(name);
    if (existing && existing.active !== false && !active) return; // keep the active alternative
    const params = node.childForFieldName('parameters')?.namedChildren.map((p) => p?.text ?? '');
    const body = (node.childForFieldName('value')?.text ?? '').replace(/\\\n/g, ' ').trim();
    this.macros.set(name, { name, params, body, row: node.startPosition.row, active });
  }

  private addGlobal(node: Node): void {
    const type = node.childForFieldName('type');
    for (const d of node.childrenForFieldName('declarator')) {
      if (d?.type !== 'init_declarator') continue;
      const value = d.childForFieldName('value');
      const name = innermostIdentifier(d.childForFieldName('declarator'));
      if (!name || value?.type !== 'initializer_list') continue;
      const fields: Record<string, string> = {};
      for (const pair of value.namedChildren) {
        if (pair?.type !== 'initializer_pair') continue;
        const des = pair.childForFieldName('designator');
        const v = pair.childForFieldName('value');
        const fname = des?.namedChildren[0]?.text;
        if (fname && v) fields[fname] = v.text;
      }
      this.globals.set(name, {
        name,
        structType: type?.type === 'struct_specifier' ? type.childForFieldName('name')?.text : undefined,
        fields,
        row: node.startPosition.row,
      });
    }
  }

  private problem(node: Node, message: string): void {
    this.problems.push({ file: this.path, row: node.startPosition.row, col: node.startPosition.column, message });
  }
}

/** Preprocessor blocks whose items are file-scope items too (`itemRows()` looks inside). */
const CONDITIONAL_BLOCKS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function functionDeclarator(n: Node | null): Node | null {
  let cur = n;
  while (cur && cur.type !== 'function_declarator') {
    cur = cur.childForFieldName('declarator');
  }
  return cur;
}

function innermostIdentifier(n: Node | null): string | undefined {
  let cur = n;
  while (cur) {
    if (cur.type === 'identifier') return cur.text;
    cur = cur.childForFieldName('declarator');
  }
  return undefined;
}

function firstError(n: Node): Node | undefined {
  const errs = n.descendantsOfType('ERROR');
  return errs[0] ?? undefined;
}

/** Text of a `#ifdef X` / `#ifndef X` / `#if EXPR` / `#elif EXPR` condition. */
export function conditionText(node: Node): string {
  if (node.type === 'preproc_ifdef' || node.type === 'preproc_elifdef') {
    const name = node.childForFieldName('name')?.text ?? '?';
    const directive = node.child(0)?.type ?? '#ifdef';
    return directive.endsWith('ndef') ? `!defined(${name})` : `defined(${name})`;
  }
  return node.childForFieldName('condition')?.text ?? '?';
}

function conditionTruth(node: Node, config: PreprocConfig) {
  return evalPreprocCondition(conditionText(node), config);
}

/**
 * The one copy of a string the engine keeps for it, as V8 keeps a property name: node
 * types, operators and field names arrive from WASM as fresh strings, and leaf texts are
 * slices of the file. Interned, the interpreter's `type === 'if_statement'` and its
 * scope and lookup Maps compare pointers instead of characters. Bounded: once full, new
 * strings stay as they are (only slower to compare).
 */
function intern(s: string): string {
  let t = INTERNED.get(s);
  if (t === undefined) {
    if (INTERNED.size >= 1 << 18) return s;
    const holder: Record<string, 0> = { [s]: 0 };
    t = Object.keys(holder)[0];
    INTERNED.set(t, t);
  }
  return t;
}

const INTERNED = new Map<string, string>();

/**
 * One array per distinct field-name pattern (every `binary_expression` has `left, right`):
 * `field()` then reads a handful of arrays that stay in the CPU cache instead of one per
 * node. The arrays are never written after this.
 */
function sharedFieldNames(names: (string | undefined)[]): readonly (string | undefined)[] {
  const key = names.join('\0');
  let shared = FIELD_NAME_PATTERNS.get(key);
  if (!shared) {
    if (FIELD_NAME_PATTERNS.size >= 1 << 14) return names;
    FIELD_NAME_PATTERNS.set(key, (shared = names));
  }
  return shared;
}

const FIELD_NAME_PATTERNS = new Map<string, readonly (string | undefined)[]>();

/** Inner nodes whose text the interpreter needs (anonymous tokens carry their meaning). */
const TEXT_NODES = new Set(['number_literal', 'string_literal', 'char_literal', 'sized_type_specifier']);

/**
 * Lower the subtree under `cursor` into plain `CNode`s. Comments and anonymous tokens are
 * dropped except the operator token, which becomes `op`.
 */
function lower(cursor: TreeCursor, text: string): CNode {
  let depth = 0;
  const rec = (): CNode => {
    const type = depth >= MAX_SYNTAX_DEPTH ? TOO_DEEP : intern(cursor.nodeType);
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const sp = cursor.startPosition;
    const ep = cursor.endPosition;
    const bad = type === 'ERROR' || type === TOO_DEEP || cursor.nodeIsMissing;
    const children: CNode[] = [];
    const fieldNames: (string | undefined)[] = [];
    let named = false;
    let op: string | undefined;
    let leaf = type !== TOO_DEEP;
    if (type !== TOO_DEEP && cursor.gotoFirstChild()) {
      leaf = false;
      depth++;
      do {
        const fname = cursor.currentFieldName;
        if (!cursor.nodeIsNamed) {
          if (fname === 'operator' || (op === undefined && type.startsWith('preproc_if'))) op = intern(cursor.nodeType);
          continue;
        }
        if (cursor.nodeType === 'comment') continue;
        const child = rec();
        children.push(child);
        fieldNames.push(fname ? intern(fname) : undefined);
        if (fname) named = true;
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
      depth--;
    }
    // Every node has every property (undefined where absent): one hidden class for all
    // nodes keeps the interpreter's property loads monomorphic.
    const node: CNode = {
      type,
      text: leaf ? intern(text.slice(start, end)) : TEXT_NODES.has(type) ? text.slice(start, end) : undefined,
      op,
      bad,
      children,
      fieldNames: named ? sharedFieldNames(fieldNames) : undefined,
      start,
      end,
      row: sp.row,
      col: sp.column,
      endRow: ep.row,
    };
    return node;
  };
  const root = rec();
  cursor.delete();
  return root;
}
