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
  private texts: string[];
  private depths: Int32Array;
  private lines: Int32Array;
  private columns: Int32Array;
  private flags: Uint8Array;
  private count = 0;

  /** `capacity` is a hint (the number of physical lines); the table grows as needed. */
  constructor(capacity = 16) {
    const n = Math.max(16, capacity);
    this.texts = new Array<string>(n);
    this.depths = new Int32Array(n);
    this.lines = new Int32Array(n);
    this.columns = new Int32Array(n);
    this.flags = new Uint8Array(n);
  }

  get length(): number {
    return this.count;
  }

  push(text: string, depth: number, docLine: number, docColumn: number, flags = 0): void {
    if (this.count === this.depths.length) this.grow();
    const i = this.count++;
    this.texts[i] = text;
    this.depths[i] = depth;
    this.lines[i] = docLine;
    this.columns[i] = docColumn;
    this.flags[i] = flags;
  }

  private grow(): void {
    const n = this.depths.length * 2;
    const widen = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.depths = widen(this.depths, (k) => new Int32Array(k));
    this.lines = widen(this.lines, (k) => new Int32Array(k));
    this.columns = widen(this.columns, (k) => new Int32Array(k));
    this.flags = widen(this.flags, (k) => new Uint8Array(k));
    this.texts.length = n;
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
    return i < this.count && this.depths[i] === depth && (this.flags[i] & OPAQUE) === 0;
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
