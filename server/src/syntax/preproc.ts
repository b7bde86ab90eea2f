/**
 * Preprocessor configuration: which `CONFIG_*` symbols count as defined when a
 * `#ifdef` / `#if` guards code inside the interpreted C.
 *
 * The C is parsed raw (no cpp). `#ifdef CONFIG_FS_DAX` appears both around whole
 * functions (`ext4_dax_write_iter`) and inside `ext4_file_write_iter` (C-SURFACE.md §2),
 * so the interpreter evaluates the guards against this set.
 */
export interface PreprocConfig {
  /** Symbols treated as defined (value 1), e.g. `CONFIG_FS_DAX`. */
  readonly defined: ReadonlySet<string>;
  /**
   * Integer values of symbols `#if` expressions compare (`BITS_PER_LONG`, `CONFIG_PAGE_SHIFT`).
   * A symbol in neither set is unknown: the condition is then "cannot tell".
   */
  readonly values?: ReadonlyMap<string, bigint>;
}

/**
 * The default: the options Debian's amd64 kernels (6.1, 6.12, 7.2) build with that the ext4
 * write path consults. DAX, fscrypt (with inline crypt) and fs-verity are built in;
 * lockdep and branch profiling are off. This is the config of the kernels the
 * conformance suite boots, so the interpreted C is the C those kernels run. `__KERNEL__`
 * is defined (kernel builds pass -D__KERNEL__; the headers' `#ifdef __KERNEL__` parts are
 * what the interpreted files see); x86-64 has 64-bit longs and 4 KiB pages.
 */
export const DEFAULT_PREPROC_CONFIG: PreprocConfig = {
  defined: new Set([
    '__KERNEL__',
    'CONFIG_FS_DAX',
    'CONFIG_FS_ENCRYPTION',
    'CONFIG_FS_ENCRYPTION_INLINE_CRYPT',
    'CONFIG_FS_VERITY',
    'CONFIG_BLOCK',
    'CONFIG_QUOTA',
    'CONFIG_SMP',
    'CONFIG_64BIT',
    'CONFIG_EXT4_FS_POSIX_ACL',
    'CONFIG_EXT4_FS_SECURITY',
    'CONFIG_MMU',
    'CONFIG_BUG',
  ]),
  values: new Map([
    ['BITS_PER_LONG', 64n],
    ['CONFIG_PAGE_SHIFT', 12n],
  ]),
};

/** Result of evaluating a `#if` expression: a decision or "cannot tell". */
export type PreprocTruth = boolean | 'unknown';

/**
 * Evaluate the text of a `#if` / `#elif` condition against `config`.
 * Understands `defined(X)`, `defined X`, `IS_ENABLED(X)`, `IS_BUILTIN(X)`, integer
 * literals, symbols with a value in `config.values`, `CONFIG_*` symbols (1 when defined,
 * else 0, as cpp reads an undefined macro), and C's integer operators (`!`, `~`, unary
 * `-`, `* / %`, `+ -`, shifts, comparisons, `& ^ |`, `&&`, `||`, `?:`). Any other symbol
 * is unknown; an unknown that the result depends on makes the condition `'unknown'` (the
 * caller records that it could not decide), while `0 && X` and `1 || X` still decide.
 */
export function evalPreprocCondition(text: string, config: PreprocConfig): PreprocTruth {
  const tokens = text
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\/.*$/, '')
    .match(/\s*(0[xX][0-9a-fA-F]+|\d+[uUlL]*|[A-Za-z_]\w*|&&|\|\||<<|>>|<=|>=|==|!=|\S)/g);
  if (!tokens) return 'unknown';
  const toks = tokens.map((t) => t.trim());
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const fail = (): never => {
    throw new Error('unknown');
  };
  /** An integer, or null for "cannot tell". */
  type V = bigint | null;
  const primary = (): V => {
    const t = next();
    if (t === undefined) return fail();
    if (t === '!') {
      const v = primary();
      return v === null ? null : v === 0n ? 1n : 0n;
    }
    if (t === '~' || t === '-' || t === '+') {
      const v = primary();
      return v === null ? null : t === '~' ? ~v : t === '-' ? -v : v;
    }
    if (t === '(') {
      const v = ternary();
      if (next() !== ')') fail();
      return v;
    }
    if (t === 'defined' || t === 'IS_ENABLED' || t === 'IS_BUILTIN' || t === 'IS_REACHABLE') {
      const paren = peek() === '(';
      if (paren) next();
      const name = next();
      if (!name || !/^[A-Za-z_]\w*$/.test(name)) fail();
      if (paren && next() !== ')') fail();
      return config.defined.has(name) || !!config.values?.has(name) ? 1n : 0n;
    }
    if (/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(t)) {
      const digits = t.replace(/[uUlL]+$/, '');
      return digits.length > 1 && digits.startsWith('0') && !/^0[xX]/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
    }
    if (/^[A-Za-z_]\w*$/.test(t)) {
      if (peek() === '(') return fail(); // a function-like macro: not evaluated here
      const v = config.values?.get(t);
      if (v !== undefined) return v;
      if (config.defined.has(t)) return 1n;
      if (/^CONFIG_\w+$/.test(t)) return 0n;
      return null;
    }
    return fail();
  };
  const bin = (ops: readonly string[], sub: () => V, apply: (op: string, a: bigint, b: bigint) => bigint) => (): V => {
    let v = sub();
    while (ops.includes(peek())) {
      const op = next();
      const r = sub();
      v = v === null || r === null ? null : BigInt.asIntN(64, apply(op, v, r));
    }
    return v;
  };
  const b = (x: boolean) => (x ? 1n : 0n);
  const mul = bin(['*', '/', '%'], primary, (op, a, c) => (c === 0n ? fail() : op === '*' ? a * c : op === '/' ? a / c : a % c));
  const add = bin(['+', '-'], mul, (op, a, c) => (op === '+' ? a + c : a - c));
  const shift = bin(['<<', '>>'], add, (op, a, c) => (op === '<<' ? a << c : a >> c));
  const rel = bin(['<', '>', '<=', '>='], shift, (op, a, c) => b(op === '<' ? a < c : op === '>' ? a > c : op === '<=' ? a <= c : a >= c));
  const eq = bin(['==', '!='], rel, (op, a, c) => b(op === '==' ? a === c : a !== c));
  const band = bin(['&'], eq, (_op, a, c) => a & c);
  const bxor = bin(['^'], band, (_op, a, c) => a ^ c);
  const bor = bin(['|'], bxor, (_op, a, c) => a | c);
  const land = (): V => {
    let v = bor();
    while (peek() === '&&') {
      next();
      const r = bor();
      v = v === 0n || r === 0n ? 0n : v === null || r === null ? null : 1n;
    }
    return v;
  };
  const lor = (): V => {
    let v = land();
    while (peek() === '||') {
      next();
      const r = land();
      v = (v !== null && v !== 0n) || (r !== null && r !== 0n) ? 1n : v === null || r === null ? null : 0n;
    }
    return v;
  };
  const ternary = (): V => {
    const c = lor();
    if (peek() !== '?') return c;
    next();
    const x = ternary();
    if (next() !== ':') fail();
    const y = ternary();
    return c === null ? (x !== null && x === y ? x : null) : c !== 0n ? x : y;
  };
  try {
    const v = ternary();
    if (i !== toks.length || v === null) return 'unknown';
    return v !== 0n;
  } catch {
    return 'unknown';
  }
}

/** Split the text inside a macro call's parentheses at its top-level commas (C11 6.10.3: only nested parentheses, and string or character literals, protect a comma). */
export function splitMacroArguments(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      for (; j < inner.length && inner[j] !== c; j++) if (inner[j] === '\\') j++;
      cur += inner.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
