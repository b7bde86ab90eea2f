// File names in diff headers: `diff --git a/x b/x`, `--- a/x`, quilt's
// `--- linux.orig/fs/x.c<TAB>2009-08-09 ...`, `/dev/null`, git's C-quoted names.

/** Undoes git's C-style quoting of a path (`"a/with space"`). */
function unquote(s: string): string {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return s;
  return s.slice(1, -1).replace(/\\([\\"tn])/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}

/** Splits `a/X b/Y` from a `diff --git` line into its two raw names. */
export function splitGitHeaderNames(rest: string): [string, string] {
  const r = rest.trim();
  if (r.startsWith('"')) {
    const close = r.indexOf('" ', 1);
    if (close > 0) return [unquote(r.slice(0, close + 1)), unquote(r.slice(close + 2).trim())];
  }
  // The usual case names the same file twice: split where both halves agree.
  if ((r.length - 1) % 2 === 0) {
    const half = (r.length - 1) / 2;
    const a = r.slice(0, half);
    const b = r.slice(half + 1);
    if (r[half] === ' ' && (a === b || (a.slice(2) === b.slice(2) && a[1] === '/' && b[1] === '/'))) return [a, b];
  }
  const bAt = r.lastIndexOf(' b/');
  if (bAt > 0) return [r.slice(0, bAt), unquote(r.slice(bAt + 1))];
  const sp = r.indexOf(' ');
  return sp > 0 ? [r.slice(0, sp), r.slice(sp + 1)] : [r, r];
}

const DATE_AFTER_NAME = / +(?:\d{4}-\d\d-\d\d[ T]\d|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? )/;

/**
 * The raw name from a `--- ` / `+++ ` line (text after the marker): drops the
 * tab-separated timestamp (or a space-separated one when tabs were collapsed) and
 * git's quoting. Returns null for `/dev/null`.
 */
export function nameFromMinusPlus(rest: string): string | null {
  let s = rest;
  const tab = s.indexOf('\t');
  if (tab >= 0) s = s.slice(0, tab);
  s = s.trim();
  if (!s.startsWith('"') && s.length < 4096) {
    const d = DATE_AFTER_NAME.exec(s);
    if (d) s = s.slice(0, d.index);
  }
  s = unquote(s.trim());
  return s === '/dev/null' || s === '' ? null : s;
}

function firstComponent(p: string): string | null {
  const slash = p.indexOf('/');
  return slash > 0 ? p.slice(0, slash) : null;
}

function dropFirst(p: string): string {
  return p.slice(p.indexOf('/') + 1);
}

/**
 * Removes the `a/` `b/` prefixes (git) or the first directory of `-p1` style names
 * (quilt's `linux.orig/` vs `linux/`). Names are kept when both sides start with the same
 * directory: that is a `-p0` diff such as `fs/ext4/file.c`.
 */
export function stripPrefixes(oldName: string | null, newName: string | null): [string | null, string | null] {
  const oldFirst = oldName === null ? null : firstComponent(oldName);
  const newFirst = newName === null ? null : firstComponent(newName);
  const gitStyle = (c: string | null): boolean => c !== null && c.length === 1 && /[a-z]/.test(c);
  if ((oldName === null || gitStyle(oldFirst)) && (newName === null || gitStyle(newFirst)) && (oldFirst !== null || newFirst !== null)) {
    return [oldName === null ? null : dropFirst(oldName), newName === null ? null : dropFirst(newName)];
  }
  if (oldFirst !== null && newFirst !== null && oldFirst !== newFirst) {
    return [dropFirst(oldName as string), dropFirst(newName as string)];
  }
  return [oldName, newName];
}
