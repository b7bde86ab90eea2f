// Recovery of messages whose newlines were replaced by single spaces and whose runs of
// whitespace were collapsed (some archives store mail like that). A quoted patch then
// reads `... > > @@ -1,3 +1,4 @@ foo > > return 0; > > + bar ...`: the quote prefix in
// front of every diff line is the only trace of the old line boundaries, so we find that
// prefix next to the `@@` headers and split the text on it.

import { FLAT, OPAQUE, splitQuotePrefix, type LineTable } from './lines';
import type { Problem } from './types';

/** Lines longer than this that hold a hunk header are treated as flattened text. */
const LONG_LINE = 1000;
const HUNK_ANYWHERE = String.raw`@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@`;

/** A fresh global regex per use: a shared one would carry `lastIndex` between calls. */
function hunkHeaders(): RegExp {
  return new RegExp(HUNK_ANYWHERE, 'g');
}

/**
 * Returns the 0-based indexes of the physical lines that look like a flattened message:
 * very long, holding a `@@ -N,N +N,N @@` header, in a document made of few lines (or
 * where such lines carry most of the text, so a normal patch that merely contains one
 * long line is not mistaken for one).
 */
export function findFlattenedLines(lines: readonly string[], totalLength: number): number[] {
  const found: number[] = [];
  let longChars = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length <= LONG_LINE || looksLikeDiffBody(line)) continue;
    if (!hunkHeaders().test(line)) continue;
    found.push(i);
    longChars += line.length;
  }
  if (found.length === 0) return found;
  const fewLines = lines.length <= 20;
  return fewLines || longChars * 2 > totalLength ? found : [];
}

/**
 * A long `+`/`-`/context line of an ordinary patch (say, one that adds diff text to a
 * test file) must not be taken for a flattened message, which starts with mail text.
 */
function looksLikeDiffBody(line: string): boolean {
  const c = line[splitQuotePrefix(line).length];
  return c === '+' || c === '-' || c === ' ' || c === '@' || c === '\\';
}

/** How the quote prefix in front of the diff lines is written. */
interface QuoteStyle {
  /** Quote levels of the diff text (0: the diff itself was not quoted). */
  depth: number;
  /** `> > ` style (levels separated by spaces); otherwise the exact prefix string. */
  spaced: boolean;
  prefix: string;
}

/**
 * Finds the prefix most often written just before `@@` headers on this line. The most
 * frequent one wins because a blank quoted line right before a header doubles it.
 */
function detectQuoteStyle(line: string): QuoteStyle {
  const counts = new Map<string, number>();
  const re = hunkHeaders();
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const prefix = prefixBefore(line, m.index);
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  let best = '';
  let bestCount = -1;
  for (const [prefix, count] of counts) {
    // An unquoted header only counts when no quoted one exists: replies quote the diff.
    if (prefix === '' && counts.size > 1) continue;
    const better = count > bestCount || (count === bestCount && prefix.length < best.length);
    if (better) {
      best = prefix;
      bestCount = count;
    }
  }
  const depth = countQuoteMarks(best);
  return { depth, spaced: !best.includes('>>'), prefix: best };
}

/** The run of `>` / `> ` quote marks (with its trailing space) that ends at `end`. */
function prefixBefore(line: string, end: number): string {
  if (end === 0 || line[end - 1] !== ' ') return '';
  let pos = end - 1;
  let start = -1;
  while (pos > 0 && line[pos - 1] === '>') {
    pos--;
    start = pos;
    // step over the one space that separates quote marks in `> > `
    if (pos >= 2 && line[pos - 1] === ' ' && line[pos - 2] === '>') pos--;
  }
  return start === -1 ? '' : line.slice(start, end);
}

function countQuoteMarks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x3e) n++;
  return n;
}

/** Receives each place where a recovered line starts: its text begins at `textStart`. */
type Emit = (at: number, textStart: number, depth: number) => void;

/**
 * Splits one flattened physical line into logical lines and appends them to `out`.
 * Returns the detected quote depth of the diff text (0 when it was not quoted).
 */
export function segmentFlatLine(line: string, docLine: number, out: LineTable, problems: Problem[]): number {
  const style = detectQuoteStyle(line);
  if (style.depth === 0) {
    segmentUnquoted(line, docLine, out, problems);
    return 0;
  }
  let segStart = 0;
  let segDepth = 0;
  const emit: Emit = (at, textStart, depth) => {
    pushSegment(line, segStart, at, segDepth, docLine, out);
    segStart = textStart;
    segDepth = depth;
  };
  if (style.spaced) spacedBoundaries(line, style.depth, emit);
  else exactBoundaries(line, style.prefix, emit);
  pushSegment(line, segStart, line.length, segDepth, docLine, out);
  return style.depth;
}

/**
 * Boundaries for `> > ` style quoting. A run of n quote marks preceded by a space is
 * n / depth line starts at the diff's depth (several when blank quoted lines collapsed
 * together) plus one at a lower depth for the remainder (a reviewer's comment). A
 * single `>` is left alone when the diff is quoted deeper: it is far more likely to be
 * a comparison in code than a depth-1 comment.
 */
function spacedBoundaries(line: string, depth: number, emit: Emit): void {
  let i = line.indexOf('>');
  while (i !== -1) {
    if (i > 0 && line[i - 1] !== ' ') {
      i = line.indexOf('>', i + 1);
      continue;
    }
    let j = i;
    let n = 0;
    while (line[j] === '>' && (j + 1 === line.length || line[j + 1] === ' ')) {
      n++;
      j += 2;
    }
    j = Math.min(j, line.length);
    if (n === 0 || (n === 1 && depth >= 2)) {
      i = line.indexOf('>', i + 1);
      continue;
    }
    runBoundaries(i, j, n, depth, emit);
    i = line.indexOf('>', j);
  }
}

/** Emits the line starts hidden in one run of `n` quote marks spanning [at, end). */
function runBoundaries(at: number, end: number, n: number, depth: number, emit: Emit): void {
  const full = Math.floor(n / depth);
  const rest = n % depth;
  const total = full + (rest > 0 ? 1 : 0);
  let pos = at;
  for (let k = 0; k < total; k++) {
    const d = k < full ? depth : rest;
    const textStart = k === total - 1 ? end : Math.min(pos + 2 * d, end);
    emit(pos, textStart, d);
    pos = textStart;
  }
}

/** Boundaries for other quote styles (`>> `): exact occurrences of the prefix. */
function exactBoundaries(line: string, prefix: string, emit: Emit): void {
  const depth = countQuoteMarks(prefix);
  let i = line.indexOf(prefix);
  while (i !== -1) {
    if (i === 0 || line[i - 1] === ' ') {
      emit(i, i + prefix.length, depth);
      i = line.indexOf(prefix, i + prefix.length);
    } else {
      i = line.indexOf(prefix, i + 1);
    }
  }
}

function pushSegment(line: string, start: number, end: number, depth: number, docLine: number, out: LineTable): void {
  let s = start;
  let e = end;
  while (s < e && line.charCodeAt(s) === 0x20) s++;
  while (e > s && line.charCodeAt(e - 1) === 0x20) e--;
  out.push(line.slice(s, e), depth, docLine, s, FLAT);
}

const HUNK_HEADER_PREFIX = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

/**
 * A flattened diff that was not quoted has no separator left between its lines. File
 * and hunk headers can still be found; hunk bodies cannot, so they become opaque text.
 */
function segmentUnquoted(line: string, docLine: number, out: LineTable, problems: Problem[]): void {
  problems.push({
    message: 'Flattened diff without a quote prefix: file and hunk headers were found, but the hunk lines cannot be separated.',
    line: docLine,
    column: 0,
    severity: 'warning',
  });
  const starts = [0];
  const markers = / (?=diff --git |--- |\+\+\+ |Index: |@@ -\d)/g;
  for (let m = markers.exec(line); m; m = markers.exec(line)) starts.push(m.index + 1);
  starts.push(line.length);
  for (let k = 0; k + 1 < starts.length; k++) {
    const seg = line.slice(starts[k], starts[k + 1]).trimEnd();
    const header = HUNK_HEADER_PREFIX.exec(seg);
    if (header) {
      out.push(header[0], 0, docLine, starts[k], FLAT);
      const body = starts[k] + header[0].length;
      out.push(line.slice(body, starts[k + 1]).trim(), 0, docLine, body, FLAT | OPAQUE);
    } else if (/^(diff --git |--- |\+\+\+ |Index: )/.test(seg)) {
      const end = seg.startsWith('diff --git ') ? seg.length : headerLineEnd(seg);
      out.push(seg.slice(0, end), 0, docLine, starts[k], FLAT);
      if (end < seg.length) out.push(seg.slice(end).trim(), 0, docLine, starts[k] + end + 1, FLAT | OPAQUE);
    } else {
      out.push(seg, 0, docLine, starts[k], k > 0 ? FLAT | OPAQUE : FLAT);
    }
  }
}

/** `--- a/x` / `+++ b/x` / `Index: x` take one path token (plus a date for quilt). */
function headerLineEnd(seg: string): number {
  const firstSpace = seg.indexOf(' ');
  const second = seg.indexOf(' ', firstSpace + 1);
  return second === -1 ? seg.length : second;
}
