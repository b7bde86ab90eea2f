import type { Node } from 'web-tree-sitter';
import { StructLayout, StructMember, TYPEDEFS } from '../interp/values';
import type { CParser } from '../syntax/treeSitter';

/**
 * Struct layouts read from a kernel tree's C (issue 11 §3): which members a struct has and
 * what each is — an embedded struct (`struct iomap iomap;` inside `struct iomap_iter`), an
 * integer of a known type, a pointer, an array. The interpreter builds struct objects from
 * them, so `iter->iomap.length` reaches an embedded object and a member the tree's struct
 * does not have (a patch needing an earlier patch of its series) is "does not build", never
 * a 0.
 *
 * Definitions are found by a text scan (`struct name {` at the start of a line, comments
 * already blanked by the caller) and each is parsed on its own when first asked for: parsing
 * whole headers costs hundreds of milliseconds and does not parse cleanly (C-SURFACE.md §8).
 * Pure: texts come in, layouts go out.
 */

/** Where a struct definition is: text offsets of `struct … }` in `path`. */
interface StructLoc {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/** Struct definitions of a set of C texts (headers and .c files), parsed lazily. */
export class StructLayouts {
  private locs?: Map<string, StructLoc>;
  private all?: ReadonlyMap<string, string>;
  private readonly parsed = new Map<string, StructLayout | null>();

  /**
   * @param texts   tree-relative path → text with comments blanked, in lookup order (the
   *                first definition of a name wins, as the interpreted files' own come first)
   * @param parser  the shared C parser
   * @param blank   attribute macros blanked (same length), applied to each definition before parsing
   */
  constructor(
    private readonly texts: () => Iterable<[string, string]>,
    private readonly parser: CParser,
    private readonly blank: (s: string) => string = (s) => s,
  ) {}

  /** The layout of `struct name`, or undefined when no scanned text defines it (or it does not parse). */
  lookup(name: string): StructLayout | undefined {
    const memo = this.parsed.get(name);
    if (memo !== undefined) return memo ?? undefined;
    const loc = this.scan().get(name);
    let layout: StructLayout | undefined;
    if (loc) {
      const text = this.textMap().get(loc.path);
      if (text !== undefined) layout = this.parse(name, loc.path, this.blank(text.slice(loc.start, loc.end)));
    }
    this.parsed.set(name, layout ?? null);
    return layout;
  }

  private textMap(): ReadonlyMap<string, string> {
    this.all ??= new Map(this.texts());
    return this.all;
  }

  private scan(): Map<string, StructLoc> {
    if (this.locs) return this.locs;
    const locs = new Map<string, StructLoc>();
    for (const [path, text] of this.textMap()) {
      for (const m of text.matchAll(/^[ \t]*struct[ \t]+([A-Za-z_]\w*)[ \t]*(?:\w+[ \t]*)?\{/gm)) {
        if (locs.has(m[1])) continue;
        const open = m.index + m[0].length - 1;
        const end = matchBrace(text, open);
        if (end !== undefined) locs.set(m[1], { path, start: m.index + m[0].indexOf('struct'), end });
      }
    }
    this.locs = locs;
    return locs;
  }

  private parse(name: string, path: string, snippet: string): StructLayout | undefined {
    const tree = this.parser.parse(`${snippet};`);
    try {
      const spec = findStruct(tree.rootNode, name);
      const body = spec?.childForFieldName('body');
      if (!body) return undefined;
      return { name, path, members: membersOf(body) };
    } finally {
      tree.delete();
    }
  }
}

function findStruct(n: Node, name: string): Node | undefined {
  if (n.type === 'struct_specifier' && n.childForFieldName('name')?.text === name && n.childForFieldName('body')) return n;
  for (const c of n.namedChildren) {
    if (!c) continue;
    const f = findStruct(c, name);
    if (f) return f;
  }
  return undefined;
}

/** The members of a `field_declaration_list`; anonymous struct/union members are flattened (C11 6.7.2.1 ¶13). */
function membersOf(body: Node): Map<string, StructMember> {
  const out = new Map<string, StructMember>();
  for (const d of body.namedChildren) {
    if (!d || d.type !== 'field_declaration') continue;
    const type = d.childForFieldName('type');
    const decls = d.childrenForFieldName('declarator').filter((x): x is Node => !!x);
    const aggregate = type && (type.type === 'struct_specifier' || type.type === 'union_specifier');
    const inlineBody = aggregate ? type.childForFieldName('body') : null;
    if (!decls.length) {
      if (inlineBody) for (const [k, v] of membersOf(inlineBody)) if (!out.has(k)) out.set(k, v);
      continue;
    }
    for (const decl of decls) {
      const name = innermostField(decl);
      if (!name) continue;
      out.set(name, memberKind(type, decl, inlineBody));
    }
  }
  return out;
}

function memberKind(type: Node | null, decl: Node, inlineBody: Node | null): StructMember {
  let indirect: 'ptr' | 'array' | undefined;
  for (let cur: Node | null = decl; cur; cur = cur.childForFieldName('declarator')) {
    if (cur.type === 'pointer_declarator' || cur.type === 'function_declarator') indirect ??= 'ptr';
    else if (cur.type === 'array_declarator') indirect ??= 'array';
  }
  const aggregate = type && (type.type === 'struct_specifier' || type.type === 'union_specifier') ? type : null;
  const ctype = aggregate?.childForFieldName('name')?.text;
  if (indirect) return { kind: indirect, ...(ctype ? { ctype } : {}) };
  if (aggregate) {
    if (inlineBody) return { kind: 'struct', ctype: ctype ?? (type?.type === 'union_specifier' ? 'union' : 'struct'), inline: { name: ctype ?? 'anonymous', members: membersOf(inlineBody) } };
    return { kind: 'struct', ctype: ctype ?? 'struct' };
  }
  const text = type?.text.replace(/\s+/g, ' ').trim() ?? '';
  const t = TYPEDEFS[text.replace(/^(const|volatile) /, '')];
  return t ? { kind: 'int', t } : { kind: 'other', ctype: text };
}

function innermostField(n: Node): string | undefined {
  for (let cur: Node | null = n; cur; cur = cur.childForFieldName('declarator')) {
    if (cur.type === 'field_identifier' || cur.type === 'identifier') return cur.text;
    if (cur.type === 'parenthesized_declarator') {
      const inner = cur.namedChildren.find((c) => !!c);
      if (inner) return innermostField(inner);
    }
  }
  return undefined;
}

/** Offset just after the `}` matching the `{` at `open`. */
function matchBrace(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return undefined;
}
