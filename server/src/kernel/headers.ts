/**
 * Constants resolved from a kernel tree's own headers.
 *
 * Values move between versions (`EXT4_STATE_MAY_INLINE_DATA` is 7 in 6.1 and 6 in 6.12,
 * `I_DIRTY_DATASYNC` 2 → 16; C-SURFACE.md §6), so a tree's constants come from that
 * tree's headers. The headers themselves do not parse cleanly with tree-sitter (attributes,
 * token pasting; C-SURFACE.md §1), so this reads `#define NAME expr` lines and
 * `enum { A = n, B, … }` bodies textually and evaluates the expressions with a small
 * integer evaluator. Pure: takes header texts, returns values.
 */

/** The headers read, relative to the tree root, in lookup order. */
export const CONSTANT_HEADERS = [
  'fs/ext4/ext4.h',
  'fs/ext4/ext4_jbd2.h',
  'fs/ext4/extents_status.h',
  'include/linux/fs.h',
  'include/linux/iomap.h',
  'include/linux/buffer_head.h',
  // enum jbd_state_bits: BH_JBDPrivateStart, which 7.2's EXT4_MAP_QUERY_LAST_IN_LEAF builds on.
  'include/linux/jbd2.h',
  'include/uapi/linux/fs.h',
  'include/linux/errno.h',
  'include/uapi/asm-generic/errno-base.h',
  'include/uapi/asm-generic/errno.h',
  'include/uapi/linux/stat.h',
  'arch/x86/include/asm/page_types.h',
  // What fs/iomap/direct-io.c and mm/filemap.c name (issue 11): bio op/flag bits, sector
  // size, GFP masks, READ/WRITE, size constants.
  'include/linux/blk_types.h',
  'include/linux/bio.h',
  'include/linux/gfp_types.h',
  'include/linux/kernel.h',
  'include/linux/uio.h',
  'include/linux/sizes.h',
  // What fs/read_write.c generic_write_checks() names: RLIMIT_FSIZE, RLIM_INFINITY, and the
  // open flags of file->f_flags (O_LARGEFILE, O_DIRECT, …; x86-64 takes the generic values).
  'include/uapi/asm-generic/resource.h',
  'include/uapi/asm-generic/fcntl.h',
] as const;

/** Headers read when the tree has them (newer trees only): no problem is reported when absent. */
export const OPTIONAL_CONSTANT_HEADERS = [
  // 7.2: enum fserror_type of fs/iomap/direct-io.c iomap_dio_err_type().
  'include/linux/fserror.h',
] as const;

/**
 * Kconfig values the headers reference as plain numbers (x86-64, 4 KiB pages), and the C
 * type limits of include/vdso/limits.h, whose `((int)(~0U >> 1))` the textual evaluator
 * (64-bit, casts and suffixes dropped) cannot get right (LP64).
 */
const KCONFIG_NUMBERS: Record<string, bigint> = {
  CONFIG_PAGE_SHIFT: 12n,
  INT_MAX: 0x7fffffffn,
  INT_MIN: -0x80000000n,
  UINT_MAX: 0xffffffffn,
  LONG_MAX: 0x7fffffffffffffffn,
  LLONG_MAX: 0x7fffffffffffffffn,
  ULONG_MAX: 0xffffffffffffffffn,
  U32_MAX: 0xffffffffn,
  S32_MAX: 0x7fffffffn,
};

/**
 * Collect defines and enumerators from header texts and evaluate the ones asked for.
 * `#ifdef CONFIG_X` alternatives are resolved with `configDefined`.
 */
export class HeaderConstants {
  private readonly exprs = new Map<string, string>();
  private readonly cache = new Map<string, bigint | null>();

  constructor(headerTexts: readonly string[], private readonly configDefined: (sym: string) => boolean) {
    for (const text of headerTexts) this.scan(text);
  }

  /** Value of `name`, or undefined if not defined or not a constant integer expression. */
  get(name: string): bigint | undefined {
    return this.evalName(name, 0) ?? undefined;
  }

  /** Every name this collection knows (defined or enumerated). */
  names(): IterableIterator<string> {
    return this.exprs.keys();
  }

  private scan(text: string): void {
    const lines = text.replace(/\\\r?\n/g, ' ').split('\n');
    const active: boolean[] = [];
    const isActive = () => active.every(Boolean);
    let inEnum = false;
    let enumText = '';
    for (const raw of lines) {
      const line = raw.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '');
      const pp = /^\s*#\s*(\w+)\s*(.*)$/.exec(line);
      if (pp) {
        const [, dir, rest] = pp;
        if (dir === 'ifdef') active.push(this.configDefined(rest.trim()) || !rest.trim().startsWith('CONFIG_'));
        else if (dir === 'ifndef') active.push(rest.trim().startsWith('CONFIG_') ? !this.configDefined(rest.trim()) : true);
        else if (dir === 'if') active.push(evalIf(rest, this.configDefined));
        else if (dir === 'elif') active[active.length - 1] = !active[active.length - 1] && evalIf(rest, this.configDefined);
        else if (dir === 'else') active[active.length - 1] = !active[active.length - 1];
        else if (dir === 'endif') active.pop();
        else if (dir === 'define' && isActive()) {
          const m = /^([A-Za-z_]\w*)(\s+(.*))?$/.exec(rest.trim());
          // First active definition wins: later ones are usually `#undef`-guarded duplicates.
          if (m && !this.exprs.has(m[1])) this.exprs.set(m[1], (m[3] ?? '').trim());
        }
        continue;
      }
      if (!isActive()) continue;
      if (!inEnum && /\benum\b[^;()]*\{/.test(line)) {
        inEnum = true;
        enumText = line.slice(line.indexOf('{') + 1);
      } else if (inEnum) enumText += ` ${line}`;
      if (inEnum && enumText.includes('}')) {
        this.addEnum(enumText.slice(0, enumText.indexOf('}')));
        inEnum = false;
        enumText = '';
      }
    }
  }

  private addEnum(body: string): void {
    let prev: string | undefined;
    for (const part of body.split(',')) {
      const m = /^\s*([A-Za-z_]\w*)\s*(?:=\s*(.+?))?\s*$/.exec(part);
      if (!m) continue;
      const expr = m[2] ?? (prev ? `(${prev}) + 1` : '0');
      if (!this.exprs.has(m[1])) this.exprs.set(m[1], expr);
      prev = m[1];
    }
  }

  private evalName(name: string, depth: number): bigint | null {
    if (this.cache.has(name)) return this.cache.get(name)!;
    if (name in KCONFIG_NUMBERS) return KCONFIG_NUMBERS[name];
    const e = this.exprs.get(name);
    if (e === undefined || depth > 24) return null;
    this.cache.set(name, null); // cycle guard
    const v = evalExpr(e, (n) => this.evalName(n, depth + 1));
    this.cache.set(name, v);
    return v;
  }
}

function evalIf(text: string, defined: (s: string) => boolean): boolean {
  const t = text.replace(/\bdefined\s*\(?\s*(\w+)\s*\)?/g, (_, s) => (defined(s) ? '1' : '0'))
    .replace(/\bIS_ENABLED\s*\(\s*(\w+)\s*\)/g, (_, s) => (defined(s) ? '1' : '0'));
  const v = evalExpr(t, (n) => (n in KCONFIG_NUMBERS ? KCONFIG_NUMBERS[n] : n === 'BITS_PER_LONG' ? 64n : 0n));
  return v !== null && v !== 0n;
}

/**
 * Evaluate a constant integer expression as the preprocessor/compiler would, in 64-bit
 * arithmetic. Casts (`(__force int)`, `(u64)`) and integer suffixes are dropped; `BIT(n)`
 * is `1UL << n`. Returns null for anything that is not a constant expression.
 */
export function evalExpr(text: string, lookup: (name: string) => bigint | null): bigint | null {
  const src = text
    .replace(/\(\s*(?:__force\s+)?(?:const\s+)?(?:unsigned\s+|signed\s+)?(?:int|long|long long|short|char|u8|u16|u32|u64|s32|s64|__u32|__u64|[a-z_][a-z0-9_]*_t)\s*\)/g, ' ')
    .replace(/\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b/g, '$1');
  const toks = src.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|>>|&&|\|\||==|!=|<=|>=|[-+*/%&|^~!()<>?:,]/g);
  if (!toks) return null;
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const fail = (): never => {
    throw new Error('not constant');
  };
  const primary = (): bigint => {
    const t = next();
    if (t === undefined) return fail();
    if (t === '(') {
      const v = ternary();
      if (next() !== ')') fail();
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '~') return ~primary();
    if (t === '!') return primary() === 0n ? 1n : 0n;
    if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return t.length > 1 && t.startsWith('0') && !/^0[xX]/.test(t) ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
    if (t === 'BIT' || t === 'BIT_ULL' || t === '_BITUL' || t === '_BITULL') {
      if (next() !== '(') fail();
      const v = ternary();
      if (next() !== ')') fail();
      return 1n << v;
    }
    if (/^[A-Za-z_]\w*$/.test(t)) {
      if (peek() === '(') return fail(); // function-like macro we do not expand
      const v = lookup(t);
      return v === null ? fail() : v;
    }
    return fail();
  };
  const bin = (ops: string[], sub: () => bigint) => (): bigint => {
    let v = sub();
    while (ops.includes(peek())) {
      const op = next();
      const r = sub();
      switch (op) {
        case '*': v *= r; break;
        case '/': v = r === 0n ? fail() : v / r; break;
        case '%': v = r === 0n ? fail() : v % r; break;
        case '+': v += r; break;
        case '-': v -= r; break;
        case '<<': v <<= r; break;
        case '>>': v >>= r; break;
        case '<': v = v < r ? 1n : 0n; break;
        case '>': v = v > r ? 1n : 0n; break;
        case '<=': v = v <= r ? 1n : 0n; break;
        case '>=': v = v >= r ? 1n : 0n; break;
        case '==': v = v === r ? 1n : 0n; break;
        case '!=': v = v !== r ? 1n : 0n; break;
        case '&': v &= r; break;
        case '^': v ^= r; break;
        case '|': v |= r; break;
        case '&&': v = v && r ? 1n : 0n; break;
        case '||': v = v || r ? 1n : 0n; break;
      }
      v = BigInt.asIntN(64, v);
    }
    return v;
  };
  const mul = bin(['*', '/', '%'], primary);
  const add = bin(['+', '-'], mul);
  const shift = bin(['<<', '>>'], add);
  const rel = bin(['<', '>', '<=', '>='], shift);
  const eq = bin(['==', '!='], rel);
  const band = bin(['&'], eq);
  const bxor = bin(['^'], band);
  const bor = bin(['|'], bxor);
  const land = bin(['&&'], bor);
  const lor = bin(['||'], land);
  const ternary = (): bigint => {
    const c = lor();
    if (peek() !== '?') return c;
    next();
    const a = ternary();
    if (next() !== ':') fail();
    const b = ternary();
    return c ? a : b;
  };
  try {
    const v = ternary();
    return i === toks.length ? v : null;
  } catch {
    return null;
  }
}
