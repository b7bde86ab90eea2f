// Reads one hunk body. The `@@` counts decide where a hunk ends; a line at another
// quote depth (a reviewer's comment), a line that is no diff line, or the end of the
// document ends it early, and the hunk is then marked truncated. A reviewer who answers
// inline interrupts the quoted hunk and the quote resumes after the reply: such a
// resumption is read into the same hunk, its first line marked `gapBefore`.

import type { LineTable } from './lines';
import type { Hunk, HunkLine } from './types';

/** `@@ -a[,b] +c[,d] @@[ section]` — matched on the text after the quote prefix. */
export const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

const VERSION_LINE = /^\d+\.\d+/;

/** Hunk plus the index of the first logical line after it. */
export interface ReadHunk {
  hunk: Hunk;
  next: number;
}

/**
 * Reads the hunk whose header is `lines[at]` (already matched by `HUNK_HEADER` as `m`).
 * Pure with respect to its inputs; positions are copied from the logical lines.
 */
export function readHunk(lines: LineTable, at: number, m: RegExpExecArray): ReadHunk {
  const hunk: Hunk = {
    header: lines.text(at).trimEnd(),
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
    section: m[5].trim(),
    lines: [],
    docLine: lines.docLine(at),
    docColumn: lines.docColumn(at),
    docEndLine: lines.docLine(at),
    quoteDepth: lines.depth(at),
    truncated: false,
  };
  const reader = new BodyReader(lines, lines.depth(at), hunk, lines.flat(at));
  let next = reader.read(at + 1);
  for (let resumed = findResumption(lines, next, hunk); resumed !== undefined && hunk.truncated; resumed = findResumption(lines, next, hunk)) {
    const before = hunk.lines.length;
    next = reader.read(resumed);
    if (hunk.lines.length === before) break;
    hunk.lines[before].gapBefore = true;
  }
  return { hunk, next };
}

/** How far past an interruption we look for the quote to resume (logical lines). */
const RESUME_WINDOW = 400;

/**
 * Where a truncated quoted hunk resumes after an inline reply: the next line at the
 * hunk's quote depth, provided it is a `+`/`-` line and nothing between (at any depth)
 * starts another hunk, file or message (in flattened mail, where depths are recovered
 * approximately, prose at the quote's depth is skipped). Unquoted hunks never resume (a short diff there
 * is really short).
 */
function findResumption(lines: LineTable, from: number, hunk: Hunk): number | undefined {
  const depth = hunk.quoteDepth;
  if (depth === 0 || !hunk.truncated) return undefined;
  let sawOtherDepth = false;
  for (let i = from; i < lines.length && i < from + RESUME_WINDOW; i++) {
    const t = lines.text(i);
    if (HUNK_HEADER.test(t) || /^(diff |Index: |--- |\+\+\+ |From |Subject: )/.test(t)) return undefined;
    if (!lines.sameDepth(i, depth)) {
      sawOtherDepth = true;
      continue;
    }
    if (!sawOtherDepth) return undefined;
    if (t === '') continue;
    if (t[0] === '+' || t[0] === '-') return i;
    // A flattened message loses line breaks, so reply prose can land at the quote's depth.
    if (!lines.flat(i)) return undefined;
  }
  return undefined;
}

/** State of reading one hunk body; kept in an object so helpers stay small. */
class BodyReader {
  private oldLeft: number;
  private newLeft: number;
  /** End (exclusive) of the run of blank lines being looked at, to keep lookahead linear. */
  private blankRunEnd = -1;
  /** Lines that came with a ' ' marker, candidates for undoing format=flowed space-stuffing. */
  private readonly spaceMarked: HunkLine[] = [];

  constructor(
    private readonly lines: LineTable,
    private readonly depth: number,
    private readonly hunk: Hunk,
    private readonly flat: boolean,
  ) {
    this.oldLeft = hunk.oldLines;
    this.newLeft = hunk.newLines;
  }

  read(start: number): number {
    let i = start;
    while (i < this.lines.length && (this.oldLeft > 0 || this.newLeft > 0)) {
      if (!this.lines.sameDepth(i, this.depth)) break;
      const hl = this.lines.flat(i) ? this.classifyFlat(i) : this.classify(i);
      if (!hl || !this.fits(hl.kind)) break;
      this.take(hl);
      if (hl.kind === ' ' && !this.lines.flat(i) && this.lines.text(i)[0] === ' ') this.spaceMarked.push(hl);
      i++;
    }
    i = this.takeNoNewlineMarkers(i);
    this.hunk.truncated = this.oldLeft > 0 || this.newLeft > 0;
    if (!this.flat) this.undoSpaceStuffing();
    return i;
  }

  private fits(kind: HunkLine['kind']): boolean {
    if (kind === '-') return this.oldLeft > 0;
    if (kind === '+') return this.newLeft > 0;
    if (kind === ' ') return this.oldLeft > 0 && this.newLeft > 0;
    return true;
  }

  private take(hl: HunkLine): void {
    if (hl.kind === '-' || hl.kind === ' ') this.oldLeft--;
    if (hl.kind === '+' || hl.kind === ' ') this.newLeft--;
    this.hunk.lines.push(hl);
    this.hunk.docEndLine = hl.docLine;
  }

  /** A "\ No newline at end of file" right after the last counted line still belongs here. */
  private takeNoNewlineMarkers(start: number): number {
    let i = start;
    while (this.lines.sameDepth(i, this.depth) && this.lines.text(i).startsWith('\\')) {
      this.take(this.marked(i, '\\', 1));
      i++;
    }
    return i;
  }

  /** Classifies an ordinary line; null means "not part of this hunk". */
  private classify(i: number): HunkLine | null {
    const t = this.lines.text(i);
    if (t === '') return this.blankContext(i);
    switch (t[0]) {
      case ' ':
        return this.marked(i, ' ', 1);
      case '+':
        return this.marked(i, '+', 1);
      case '-':
        return this.isSignature(t, i) ? null : this.marked(i, '-', 1);
      case '\\':
        return this.marked(i, '\\', 1);
      case '\t':
        // A context line whose leading space a mailer ate: the tab shows it is code.
        return this.marked(i, ' ', 0);
      default:
        return null;
    }
  }

  /**
   * In a flattened message only `+`, `-` and `\` survive as markers; everything else
   * is context (its leading space collapsed into the separator).
   */
  private classifyFlat(i: number): HunkLine {
    const t = this.lines.text(i);
    const c = t[0];
    if (c !== '+' && c !== '-' && c !== '\\') return { kind: ' ', text: t, docLine: this.lines.docLine(i), docColumn: this.lines.docColumn(i) };
    let s = 1;
    while (s < t.length && t.charCodeAt(s) === 0x20) s++;
    return { kind: c, text: t.slice(s), docLine: this.lines.docLine(i), docColumn: this.lines.docColumn(i) + s };
  }

  private marked(i: number, kind: HunkLine['kind'], markerLength: number): HunkLine {
    const t = this.lines.text(i);
    return { kind, text: markerLength ? t.slice(markerLength) : t, docLine: this.lines.docLine(i), docColumn: this.lines.docColumn(i) + markerLength };
  }

  /** `-- ` followed by a git version is the format-patch signature, not a removed line. */
  private isSignature(t: string, i: number): boolean {
    if (t !== '-- ' && t !== '--') return false;
    if (!this.lines.sameDepth(i + 1, this.depth)) return true;
    const next = this.lines.text(i + 1);
    return next === '' || VERSION_LINE.test(next);
  }

  /**
   * An empty line inside a hunk is a blank context line whose marker was stripped with the
   * trailing whitespace, as long as the hunk demonstrably goes on after the blank run (or
   * the blank run is exactly what the counts still need). Otherwise it ends the hunk.
   */
  private blankContext(i: number): HunkLine | null {
    const room = Math.min(this.oldLeft, this.newLeft);
    if (room === 0) return null;
    if (i >= this.blankRunEnd) this.blankRunEnd = this.findBlankRunEnd(i, room);
    const run = this.blankRunEnd - i;
    if (run > room) return null;
    const end = this.blankRunEnd;
    const continues = this.lines.sameDepth(end, this.depth) && isBodyStart(this.lines.text(end));
    const fillsExactly = this.oldLeft === this.newLeft && run === this.oldLeft;
    if (!continues && !fillsExactly) return null;
    return { kind: ' ', text: '', docLine: this.lines.docLine(i), docColumn: this.lines.docColumn(i) };
  }

  private findBlankRunEnd(i: number, room: number): number {
    let j = i;
    while (j - i <= room && this.lines.sameDepth(j, this.depth) && this.lines.text(j) === '') j++;
    return j;
  }

  /**
   * Mail clients using format=flowed put an extra space in front of lines that start with
   * a space, so a quoted context line reads `>   \tcode`. When every context line of a
   * quoted hunk carries that extra space, and the text shows it (a space before a tab, or
   * a context line that is a lone space), the extra space is removed.
   */
  private undoSpaceStuffing(): void {
    if (this.depth === 0 || this.spaceMarked.length === 0) return;
    let evidence = false;
    for (const hl of this.spaceMarked) {
      if (hl.text[0] !== ' ') return;
      if (hl.text === ' ' || hl.text[1] === '\t') evidence = true;
    }
    if (!evidence) return;
    for (const hl of this.spaceMarked) {
      hl.text = hl.text.slice(1);
      hl.docColumn++;
    }
  }
}

function isBodyStart(t: string): boolean {
  const c = t[0];
  return c === ' ' || c === '+' || c === '-' || c === '\\' || c === '\t';
}
