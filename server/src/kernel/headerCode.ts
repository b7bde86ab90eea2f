import type { CFunction, CMacro } from '../interp/interpreter';
import { DEFAULT_PREPROC_CONFIG, evalPreprocCondition, PreprocConfig, PreprocTruth } from '../syntax/preproc';
import { SourceFile } from '../syntax/sourceFile';
import type { CParser } from '../syntax/treeSitter';
import type { StructLayout } from '../interp/values';
import { StructLayouts } from './structs';

/**
 * The C of a kernel tree's headers that the interpreted files include: their `static
 * inline` functions and their `#define` macros, read from the tree (never written by us).
 *
 * Whole headers do not parse cleanly with tree-sitter (C-SURFACE.md §1, §8: attributes,
 * token pasting, cleanup classes), and parsing ext4.h + fs.h costs hundreds of
 * milliseconds. So the headers are *scanned* as text once per tree, lazily on the first
 * lookup (comments blanked, `#if`/`#ifdef` evaluated against the preprocessor config), and
 * only a definition that is actually called is parsed: an inline function on its own (its
 * attribute macros blanked, same length, so lines and columns stay the tree's), a macro
 * once per distinct argument text, as its expansion. The interpreter runs both in the
 * caller's context (`interp/interpreter.ts`: after the TypeScript model, before an
 * assumption).
 */

/** Distinct patched header sets remembered per tree (withOverlay(), and the tree's constants). */
export const MAX_OVERLAYS = 8;

/**
 * Values remembered per set of header texts (path → text), the oldest dropped past
 * `MAX_OVERLAYS`. Sets compare path by path and text by text: no key is built from the
 * texts, which are whole headers (ext4.h is 140 KB) and change identity with every image
 * a review builds — a concatenated key was hashed anew each time.
 */
export class OverlayCache<V> {
  private readonly entries: { overlay: ReadonlyMap<string, string>; value: V }[] = [];

  /**
   * The value for `overlay`, made by `make` when no remembered set has the same texts;
   * `make` gets the cache's own copy of the set (the caller's map may change later).
   */
  get(overlay: ReadonlyMap<string, string>, make: (texts: ReadonlyMap<string, string>) => V): V {
    const hit = this.entries.find((e) => sameTexts(e.overlay, overlay));
    if (hit) return hit.value;
    const texts = new Map(overlay);
    const value = make(texts);
    if (this.entries.length >= MAX_OVERLAYS) this.entries.shift();
    this.entries.push({ overlay: texts, value });
    return value;
  }
}

function sameTexts(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, text] of a) if (b.get(path) !== text) return false;
  return true;
}

/** A `#define` of a header: function-like when `params` is set. */
export interface HeaderMacro extends CMacro {
  /** Parameter names; `__VA_ARGS__` (or the named one) for the variadic tail. Undefined for an object-like macro. */
  readonly params?: readonly string[];
  /** True when the last parameter takes the remaining arguments (`...`, `args...`). */
  readonly variadic?: boolean;
  /** The replacement list, continuation lines joined, comments blanked. */
  readonly body: string;
  /** Tree-relative path of the header (`fs/ext4/ext4.h`). */
  readonly path: string;
  /** 1-based line of the `#define`. */
  readonly line: number;
  /** Guarded by a `#if` the config cannot decide (`'unknown'`), or definitely active. */
  readonly active: true | 'unknown';
}

/** Longest `static … name(…)` text before the `{` of an inline that the scan looks at. */
const MAX_DECLARATOR = 2000;

/** Where a header's `static inline` function is. */
interface InlineLoc {
  readonly name: string;
  readonly path: string;
  /** Offsets of the definition (from `static` to its closing brace) in the header text. */
  readonly start: number;
  readonly end: number;
  /** 0-based row of `static`. */
  readonly row: number;
  readonly active: true | 'unknown';
  /**
   * For a function a macro generates (`EXT4_INODE_BIT_FNS(flag, flags, 0)` defines
   * ext4_test_inode_flag() & co.): the expansion holding it, placed on the invocation's row.
   */
  readonly generated?: string;
}

/** Expansions kept per tree; past this, an expansion is parsed again when met again. */
const MAX_EXPANSIONS = 4096;

/** The name the wrapper function of a macro expansion gets (never a kernel name). */
const WRAPPER = '__ext4wp_macro_expansion';

/**
 * The header code of one kernel tree. Reads through `read` (io/kernelTree.ts gives the
 * tree's files), so this module never touches the disk itself.
 */
export class HeaderCode {
  private scanned?: { macros: Map<string, HeaderMacro>; inlines: Map<string, InlineLoc>; headers: string[] };
  private readonly texts = new Map<string, string>();
  private readonly functions = new Map<string, CFunction | null>();
  private readonly expansions = new Map<string, CFunction | null>();
  private structs?: StructLayouts;

  /**
   * @param read     a tree-relative path → its text, or undefined when the tree lacks it
   * @param sources  the interpreted files (tree-relative path → text): their `#include`s name the headers
   * @param parser   the shared C parser
   * @param config   the preprocessor config the `#if`s are evaluated against
   */
  constructor(
    private readonly readUncached: (rel: string) => string | undefined,
    private readonly sources: ReadonlyMap<string, string>,
    private readonly parser: CParser,
    readonly config: PreprocConfig = DEFAULT_PREPROC_CONFIG,
  ) {}

  /** Raw texts as read, once per path: every image a review builds asks whether its headers are the tree's. */
  private readonly raw = new Map<string, string | undefined>();

  private read(rel: string): string | undefined {
    if (this.raw.has(rel)) return this.raw.get(rel);
    const text = this.readUncached(rel);
    this.raw.set(rel, text);
    return text;
  }

  /** The tree's text of header `rel` (as read, comments kept), or undefined when the tree lacks it. */
  headerText(rel: string): string | undefined {
    return this.read(rel);
  }

  /**
   * The header code of the same tree with some headers' texts replaced (a patch's
   * post-image of `fs/ext4/ext4.h`): scanned and parsed anew from those texts, everything
   * else read as before. Nothing is shared with this one.
   */
  withOverlay(overlay: ReadonlyMap<string, string>): HeaderCode {
    // Remembered per tree (a few): reviews of one document after each edit get the same
    // header code for the same header texts, so their runs can be reused.
    return this.overlays.get(overlay, (texts) => new HeaderCode((rel) => texts.get(rel) ?? this.read(rel), this.sources, this.parser, this.config));
  }

  private readonly overlays = new OverlayCache<HeaderCode>();

  /** The headers scanned, in include order (tree-relative paths). */
  headers(): readonly string[] {
    return this.scan().headers;
  }

  /**
   * The definition of `struct name`: from the interpreted files first (`struct iomap_dio`
   * of fs/iomap/direct-io.c), then the headers they include.
   */
  lookupStruct(name: string): StructLayout | undefined {
    this.structs ??= new StructLayouts(
      () => [...[...this.sources].map(([p, t]): [string, string] => [p, blankComments(t)]), ...this.headers().map((h): [string, string] => [h, this.text(h)])],
      this.parser,
      blankAttributes,
    );
    return this.structs.lookup(name);
  }

  /** The active `#define` of `name` in the headers, if any. */
  lookupMacro(name: string): HeaderMacro | undefined {
    return this.scan().macros.get(name);
  }

  /** The `static inline` function `name` of the headers, parsed on first use; undefined if none (or it does not parse). */
  lookupFunction(name: string): CFunction | undefined {
    const memo = this.functions.get(name);
    if (memo !== undefined) return memo ?? undefined;
    const loc = this.scan().inlines.get(name);
    let fn: CFunction | undefined;
    if (loc) {
      const snippet = blankAttributes(loc.generated ?? this.text(loc.path).slice(loc.start, loc.end));
      const file = new SourceFile(loc.path, snippet, this.parser, this.config);
      const def = file.functionBody(name);
      file.dispose();
      if (def) fn = { name, file, def, lineBase: loc.row + 1, displayPath: loc.path };
    }
    this.functions.set(name, fn ?? null);
    return fn;
  }

  /**
   * The expansion of function-like macro `m` with argument texts `args`, as a function
   * whose body is `return (expansion);` (or the expansion as a statement, for a
   * `do { … } while (0)` or `{ … }` macro), on one line placed at the `#define`'s line.
   * Undefined when the argument count does not fit the macro.
   */
  expand(m: HeaderMacro, args: readonly string[]): CFunction | undefined {
    // The body too: a patched file-local #define keeps its path, line and name (a stale
    // expansion of the unpatched body was run for the patched image).
    const key = `${m.path}\0${m.line}\0${m.name}\0${m.body}\0${args.join('\0')}`;
    const memo = this.expansions.get(key);
    if (memo !== undefined) return memo ?? undefined;
    // The expansion is put on one line: a `//` comment in an argument must not swallow the rest.
    const text = substitute(m, args.map((a) => blankComments(a)));
    let fn: CFunction | undefined;
    if (text !== undefined) {
      const flat = text.replace(/\s*\n\s*/g, ' ').trim();
      const statement = flat === '' || /^(do\b|\{)/.test(flat);
      const src = statement ? `void ${WRAPPER}(void) { ${flat}; }` : `void ${WRAPPER}(void) { return (${flat}); }`;
      const file = new SourceFile(m.path, blankAttributes(src), this.parser, this.config);
      const def = file.functionBody(WRAPPER);
      file.dispose();
      if (def) fn = { name: m.name, file, def, lineBase: m.line, displayPath: m.path };
    }
    if (this.expansions.size < MAX_EXPANSIONS) this.expansions.set(key, fn ?? null);
    return fn;
  }

  private text(rel: string): string {
    let t = this.texts.get(rel);
    if (t === undefined) {
      t = blankComments(this.read(rel) ?? '');
      this.texts.set(rel, t);
    }
    return t;
  }

  private scan(): NonNullable<HeaderCode['scanned']> {
    if (this.scanned) return this.scanned;
    const macros = new Map<string, HeaderMacro>();
    const inlines = new Map<string, InlineLoc>();
    const headers = includedHeaders(this.sources, (rel) => (this.read(rel) === undefined ? undefined : this.text(rel)));
    for (const h of INDIRECT_HEADERS) if (!headers.includes(h) && this.read(h) !== undefined) headers.push(h);
    for (const h of headers) scanHeader(h, this.text(h), this.config, macros, inlines);
    this.scanned = { macros, inlines, headers };
    return this.scanned;
  }
}

/**
 * Headers the interpreted files reach only through other headers (`includedHeaders()` does
 * not follow `<linux/…>` includes), scanned after the direct ones: include/linux/log2.h's
 * is_power_of_2() (fs/read_write.c generic_atomic_write_valid(), via linux/kernel.h).
 */
export const INDIRECT_HEADERS: readonly string[] = ['include/linux/log2.h'];

/**
 * The headers `sources` include, in the order cpp meets them: a quoted include is a header
 * beside the file (`"ext4.h"` → `fs/ext4/ext4.h`) and is followed into its own includes;
 * `<linux/x.h>` is `include/linux/x.h`, scanned but not followed further (the write path's
 * helpers live in the headers ext4 includes directly; following every include would scan
 * most of include/). Headers the tree lacks are skipped.
 */
export function includedHeaders(sources: ReadonlyMap<string, string>, text: (rel: string) => string | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (from: string, src: string) => {
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
    for (const m of src.matchAll(/^[ \t]*#[ \t]*include[ \t]*(?:"([^"]+)"|<(linux\/[^>]+)>)/gm)) {
      const rel = m[1] !== undefined ? normalise(dir ? `${dir}/${m[1]}` : m[1]) : `include/${m[2]}`;
      if (seen.has(rel)) continue;
      seen.add(rel);
      const t = text(rel);
      if (t === undefined) continue;
      out.push(rel);
      if (m[1] !== undefined) visit(rel, t);
    }
  };
  for (const [path, src] of sources) visit(path, src);
  return out;
}

function normalise(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '..') parts.pop();
    else if (s !== '.' && s !== '') parts.push(s);
  }
  return parts.join('/');
}

/** Combined activity of nested `#if` branches: false if any is false, else unknown if any is. */
function activity(stack: readonly { now: PreprocTruth }[]): PreprocTruth {
  let a: PreprocTruth = true;
  for (const s of stack) {
    if (s.now === false) return false;
    if (s.now === 'unknown') a = 'unknown';
  }
  return a;
}

/**
 * Collect the `#define`s and `static inline` functions of one header (comments already
 * blanked) under the config's `#if` decisions. A definition under a false condition is
 * not the tree's (for this config) and is left out; the first definite definition of a
 * name wins over one under an undecidable condition.
 */
function scanHeader(path: string, text: string, config: PreprocConfig, macros: Map<string, HeaderMacro>, inlines: Map<string, InlineLoc>): void {
  const stack: { now: PreprocTruth; seen: PreprocTruth }[] = [];
  const truth = (cond: string) => evalPreprocCondition(cond, config);
  // Directives, static definitions, and (at column 0) invocations of macros that define functions.
  const candidates = /^(?:[ \t]*(?:#|static\b)|[A-Z][A-Z0-9_]*[ \t]*\()/gm;
  let unbalanced = false;
  let pos = 0;
  let row = 0;
  while (pos < text.length) {
    // Most lines are neither a directive nor the start of a static definition: jump over them.
    candidates.lastIndex = pos;
    const c = candidates.exec(text);
    if (!c) break;
    row += countNewlines(text, pos, c.index);
    pos = c.index;
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const lineStart = pos;
    const firstRow = row;
    // A directive with its continuation lines.
    while (eol < text.length && text[eol - 1] === '\\') {
      row++;
      eol = text.indexOf('\n', eol + 1);
      if (eol < 0) eol = text.length;
    }
    const line = text.slice(lineStart, eol);
    const next = () => {
      pos = eol + 1;
      row++;
    };
    const d = /^[ \t]*#[ \t]*(\w+)(.*)$/s.exec(line);
    if (d) {
      const dir = d[1];
      const rest = d[2].replace(/\\\r?\n/g, ' ').trim();
      if (dir === 'if' || dir === 'ifdef' || dir === 'ifndef') {
        const t = dir === 'if' ? truth(rest) : truth(`${dir === 'ifndef' ? '!' : ''}defined(${rest.split(/\s/)[0]})`);
        stack.push({ now: t, seen: t });
      } else if ((dir === 'elif' || dir === 'else' || dir === 'elifdef' || dir === 'elifndef') && stack.length) {
        const top = stack[stack.length - 1];
        const t: PreprocTruth = dir === 'else' ? true : dir === 'elif' ? truth(rest) : truth(`${dir === 'elifndef' ? '!' : ''}defined(${rest.split(/\s/)[0]})`);
        if (top.seen === true) top.now = false;
        else if (top.seen === 'unknown') top.now = t === false ? false : 'unknown';
        else top.now = t;
        if (top.now === true) top.seen = true;
        else if (top.now === 'unknown' && top.seen === false) top.seen = 'unknown';
      } else if (dir === 'endif') stack.pop();
      else if (dir === 'define' || dir === 'undef') {
        const a = activity(stack);
        if (a !== false) {
          const m = /^([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/s.exec(d[2].replace(/\\\r?\n/g, ' ').replace(/^[ \t]+/, ''));
          if (m && dir === 'undef') {
            if (a === true) macros.delete(m[1]);
          } else if (m) {
            const old = macros.get(m[1]);
            if (!old || (old.active === 'unknown' && a === true)) {
              let params: string[] | undefined;
              let variadic = false;
              if (m[2]) {
                params = m[2].slice(1, -1).split(',').map((p) => p.trim()).filter((p) => p !== '');
                const last = params[params.length - 1];
                if (last?.endsWith('...')) {
                  variadic = true;
                  params[params.length - 1] = last === '...' ? '__VA_ARGS__' : last.slice(0, -3).trim();
                }
              }
              const body = m[3].replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
              macros.set(m[1], { name: m[1], params, variadic, body, path, line: firstRow + 1, active: a });
            }
          }
        }
      }
      next();
      continue;
    }
    const inv = /^([A-Z][A-Z0-9_]*)[ \t]*\(([^()]*)\)[ \t]*;?[ \t]*$/.exec(line);
    if (inv) {
      const a = activity(stack);
      const m = macros.get(inv[1]);
      if (a !== false && m?.params && /\bstatic\b/.test(m.body)) {
        const expansion = substitute(m, inv[2].split(',').map((x) => x.trim()));
        for (const name of expansion ? definedNames(expansion) : []) {
          if (!inlines.has(name) || (inlines.get(name)!.active === 'unknown' && a === true)) {
            inlines.set(name, { name, path, start: lineStart, end: eol, row: firstRow, active: a === true && m.active === true ? true : 'unknown', generated: expansion });
          }
        }
      }
      next();
      continue;
    }
    // A static inline function definition starting on this line.
    const s = /^[ \t]*static\b/.exec(line);
    const a = s && !unbalanced ? activity(stack) : false;
    if (s && a !== false) {
      const start = lineStart + line.indexOf('static');
      const def = inlineAt(text, start);
      // An unclosed body: the rest of the header is unbalanced too; stop looking (linear time).
      if (def === null) unbalanced = true;
      if (def) {
        if (!inlines.has(def.name) || (inlines.get(def.name)!.active === 'unknown' && a === true)) {
          inlines.set(def.name, { name: def.name, path, start, end: def.end, row: firstRow, active: a });
        }
        // Skip the body: its own `#if`s are the interpreter's (execPreproc), not the scan's.
        const after = text.indexOf('\n', def.end);
        const resume = after < 0 ? text.length : after + 1;
        row = firstRow + countNewlines(text, lineStart, resume);
        pos = resume;
        continue;
      }
    }
    next();
  }
}

/** The functions a macro expansion defines (`static inline T name(…) {`), by name. */
function definedNames(expansion: string): string[] {
  const out: string[] = [];
  for (const m of expansion.matchAll(/\bstatic\b[^;{}()]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{/g)) out.push(m[1]);
  return out;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * If a `static … inline … name(…) {` definition starts at `start`, its name and the offset
 * after its closing brace; null when its body never closes.
 */
function inlineAt(text: string, start: number): { name: string; end: number } | null | undefined {
  let i = start;
  let depth = 0;
  // The declaration header runs to the first `{` or `;` outside parentheses (and is short:
  // the bound keeps a malformed header linear).
  const stop = Math.min(text.length, start + MAX_DECLARATOR);
  for (; i < stop; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && (c === '{' || c === ';' || c === '=')) break;
    else if (c === '\n' && /^[ \t]*#/.test(text.slice(i + 1, i + 40))) return undefined; // a directive inside a declaration: not ours to guess
  }
  if (text[i] !== '{') return undefined;
  const header = blankAttributes(text.slice(start, i));
  if (!/\binline\b|__always_inline/.test(text.slice(start, i))) return undefined;
  const paren = header.indexOf('(');
  if (paren < 0) return undefined;
  const name = /([A-Za-z_]\w*)\s*$/.exec(header.slice(0, paren))?.[1];
  if (!name || name === 'static' || name === 'inline') return undefined;
  const end = matchBrace(text, i);
  return end === undefined ? null : { name, end };
}

/** Offset just after the `}` matching the `{` at `open` (string and char literals skipped). */
function matchBrace(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return undefined;
}

/** Comments replaced by spaces (newlines and line-splicing backslashes kept), so offsets, lines and columns stay the file's. String and character literals are kept as they are. */
export function blankComments(text: string): string {
  // A backslash ending a line inside a comment still splices the line (C11 5.1.1.2: phase 2 before 3).
  return text.replace(COMMENT_OR_LITERAL, (m) => (m[0] === '/' ? m.replace(/\\(?=\r?\n)|[^\n]/g, (c) => (c === '\\' ? c : ' ')) : m));
}

const COMMENT_OR_LITERAL = /\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/**
 * Attribute and annotation macros (compiler_types.h, compiler_attributes.h) blanked to
 * spaces of the same length: they say nothing about what the code does, and tree-sitter
 * reads them as types or declarators (C-SURFACE.md §1).
 */
export function blankAttributes(text: string): string {
  return text.replace(ATTRIBUTES, (m) => m.replace(/[^\n]/g, ' '));
}

const ATTRIBUTES = new RegExp(
  [
    '\\b(?:__always_inline|__must_check|__maybe_unused|__always_unused|__pure|__attribute_const__|__cold|__hot',
    '|notrace|__force|__rcu|__user|__iomem|__percpu|__kernel|__init|__exit|noinline|__noreturn|__flatten',
    '|__nocfi|__safe|__malloc|__mustcheck|__bitwise|__private|__randomize_layout|__no_sanitize_address)\\b',
    '|\\b(?:__alloc_size|__realloc_size)\\s*\\([^()]*\\)',
    '|\\b(?:__must_hold|__acquires|__releases|__printf|__scanf|__cond_acquires|__assume_aligned)\\s*\\([^()]*\\)',
    '|\\b__attribute__\\s*\\(\\((?:[^()]|\\([^()]*\\))*\\)\\)',
  ].join(''),
  'g',
);

/**
 * The replacement list of `m` with `args` substituted (C11 6.10.3: `#param` becomes a
 * string literal, `a ## b` pastes). Arguments are substituted as written; macros inside
 * them are expanded when the result is evaluated, which for expressions is what full
 * pre-expansion gives. Undefined when the argument count does not fit.
 */
export function substitute(m: HeaderMacro, args: readonly string[]): string | undefined {
  const params = m.params ?? [];
  let actual = args.map((a) => a.trim());
  if (actual.length === 1 && actual[0] === '' && params.length === 0) actual = [];
  if (m.variadic) {
    if (actual.length < params.length - 1) return undefined;
    actual = [...actual.slice(0, params.length - 1), actual.slice(params.length - 1).join(', ')];
  } else if (actual.length !== params.length) return undefined;
  const map = new Map(params.map((p, i) => [p, actual[i] ?? '']));
  const toks = m.body.match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_]\w*|\d\w*|##|#|\s+|./g) ?? [];
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t === '#') {
      let j = i + 1;
      while (j < toks.length && /^\s+$/.test(toks[j])) j++;
      if (map.has(toks[j])) {
        out += JSON.stringify(map.get(toks[j]));
        i = j;
        continue;
      }
      out += t;
    } else if (t === '##') {
      out = out.replace(/\s+$/, '');
      while (i + 1 < toks.length && /^\s+$/.test(toks[i + 1])) i++;
    } else out += map.has(t) ? map.get(t) : t;
  }
  return out;
}
