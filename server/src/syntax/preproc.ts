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
}

/**
 * The default: the options Debian's amd64 kernels (6.1, 6.12) build with that the ext4
 * write path consults. DAX, fscrypt (with inline crypt) and fs-verity are built in;
 * lockdep and branch profiling are off. This is the config of the kernels the
 * conformance suite boots, so the interpreted C is the C those kernels run.
 */
export const DEFAULT_PREPROC_CONFIG: PreprocConfig = {
  defined: new Set([
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
};

/** Result of evaluating a `#if` expression: a decision or "cannot tell". */
export type PreprocTruth = boolean | 'unknown';

/**
 * Evaluate the text of a `#if` / `#elif` condition against `config`.
 * Understands `defined(X)`, `defined X`, `IS_ENABLED(X)`, `IS_BUILTIN(X)`, `!`, `&&`,
 * `||`, parentheses and integer literals; anything else is `'unknown'` (the caller
 * records that it could not decide and takes the first branch).
 */
export function evalPreprocCondition(text: string, config: PreprocConfig): PreprocTruth {
  const tokens = text
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\/.*$/, '')
    .match(/\s*(defined|IS_ENABLED|IS_BUILTIN|IS_REACHABLE|&&|\|\||!|\(|\)|[A-Za-z_]\w*|\d+|\S)/g);
  if (!tokens) return 'unknown';
  const toks = tokens.map((t) => t.trim());
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const fail = (): never => {
    throw new Error('unknown');
  };
  const primary = (): boolean => {
    const t = next();
    if (t === '!') return !primary();
    if (t === '(') {
      const v = or();
      if (next() !== ')') fail();
      return v;
    }
    if (t === 'defined' || t === 'IS_ENABLED' || t === 'IS_BUILTIN' || t === 'IS_REACHABLE') {
      const paren = peek() === '(';
      if (paren) next();
      const name = next();
      if (!name || !/^[A-Za-z_]\w*$/.test(name)) fail();
      if (paren && next() !== ')') fail();
      return config.defined.has(name);
    }
    if (t !== undefined && /^\d+$/.test(t)) return Number(t) !== 0;
    if (t !== undefined && /^CONFIG_\w+$/.test(t)) return config.defined.has(t);
    return fail();
  };
  const and = (): boolean => {
    let v = primary();
    while (peek() === '&&') {
      next();
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === '||') {
      next();
      const r = and();
      v = v || r;
    }
    return v;
  };
  try {
    const v = or();
    return i === toks.length ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}
