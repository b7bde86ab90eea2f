// Logical lines: the parser never looks at the raw document directly. Every physical
// line is turned into its text after the `>` quote prefix plus the quote depth and the
// place where that text starts, so one state machine can read plain patches, quoted
// replies at any depth and (via flatten.ts) lines recovered from flattened messages.
//
// Stored column-wise (one array per field) rather than as one object per line: a 50 MB
// patch has millions of lines and per-line objects would mostly feed the garbage
// collector.

/** Recovered from a flattened message: markers may be lost, read hunks leniently. */
export const FLAT = 1;
/** Text whose line structure could not be recovered: it ends any hunk. */
export const OPAQUE = 2;

/**
 * The document as logical lines. For line `i`: `text(i)` is the content after the quote
 * prefix (trailing `\r` removed), `depth(i)` the number of `>` levels, and
 * `docLine(i)`/`docColumn(i)` (0-based) locate `text(i)[0]` in the document.
 */
export class LineTable {
  private readonly texts: string[] = [];
  private readonly depths: number[] = [];
  private readonly lines: number[] = [];
  private readonly columns: number[] = [];
  private readonly flags: number[] = [];

  get length(): number {
    return this.texts.length;
  }

  push(text: string, depth: number, docLine: number, docColumn: number, flags = 0): void {
    this.texts.push(text);
    this.depths.push(depth);
    this.lines.push(docLine);
    this.columns.push(docColumn);
    this.flags.push(flags);
  }

  /** Adds one ordinary (not flattened) physical line, splitting off its quote prefix. */
  pushPhysical(raw: string, docLine: number): void {
    const line = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (line.charCodeAt(0) !== 0x3e /* > */) {
      this.push(line, 0, docLine, 0);
      return;
    }
    const { depth, length } = splitQuotePrefix(line);
    this.push(line.slice(length), depth, docLine, length);
  }

  text(i: number): string {
    return this.texts[i];
  }
  depth(i: number): number {
    return this.depths[i];
  }
  docLine(i: number): number {
    return this.lines[i];
  }
  docColumn(i: number): number {
    return this.columns[i];
  }
  flat(i: number): boolean {
    return (this.flags[i] & FLAT) !== 0;
  }
  opaque(i: number): boolean {
    return (this.flags[i] & OPAQUE) !== 0;
  }
  /** Line `i` exists, is readable text and sits at quote depth `depth`. */
  sameDepth(i: number, depth: number): boolean {
    return i < this.texts.length && this.depths[i] === depth && (this.flags[i] & OPAQUE) === 0;
  }
}

/**
 * Splits a quote prefix such as `> `, `>> `, `> > ` or `> >> ` off a physical line.
 * Each `>` is one level; a single space after a `>` belongs to the prefix, so the
 * context marker of a quoted context line (`>  foo` → ` foo`) survives.
 */
export function splitQuotePrefix(line: string): { depth: number; length: number } {
  let i = 0;
  let depth = 0;
  while (i < line.length && line.charCodeAt(i) === 0x3e /* > */) {
    depth++;
    i++;
    if (line.charCodeAt(i) === 0x20 /* space */) i++;
  }
  return { depth, length: i };
}
