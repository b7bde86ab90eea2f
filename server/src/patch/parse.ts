// The document reader: turns a patch file, an mbox series, a patchwork/lkml page or an
// email reply quoting a patch (at any depth, or flattened onto one line) into patches,
// files and hunks that keep their place in the document.
//
// One pass over logical lines (lines.ts), each step linear in the line it looks at, so
// large inputs stay fast. Nothing here throws to the caller.

import { findFlattenedLines, segmentFlatLine } from './flatten';
import { HUNK_HEADER, readHunk } from './hunkReader';
import { LineTable } from './lines';
import {
  extractFlatHeaders,
  isCoverLetterSubject,
  isMboxFromLine,
  isSeriesSubject,
  isSubjectLike,
  looksLikeHeaderStart,
  type MailMeta,
  parsePatchworkByline,
  parsePatchworkMessageId,
  parsePostedBy,
  readHeaderBlock,
} from './mail';
import { nameFromMinusPlus, splitGitHeaderNames, stripPrefixes } from './paths';
import { resolveOrphans } from './resolve';
import type { FileDiff, Hunk, Patch, PatchDocument, Problem } from './types';

/**
 * Reads every patch in `text` (see the module comment for the formats understood).
 *
 * Never throws: unexpected failures become an `error` problem next to whatever was read
 * up to that point. Every problem carries a 0-based document line.
 */
export function parsePatchDocument(text: string): PatchDocument {
  const problems: Problem[] = [];
  if (typeof text !== 'string') {
    problems.push({ message: 'Not a text document.', line: 0, severity: 'error' });
    return { patches: [], problems, flattened: false };
  }
  const parser = new DocumentParser(text, problems);
  try {
    parser.run();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    problems.push({ message: `Internal error while reading the patch (partial result): ${why}`, line: 0, severity: 'error' });
  }
  return parser.result();
}

/** A message of the document: an mbox message, a web-archive comment, or the whole text. */
interface Message {
  docLine: number;
  meta: MailMeta;
  baseCommit?: string;
  isMbox: boolean;
  /** Patchwork's trailing "diff mbox series" part: the page's patch, described at the top. */
  inheritPage: boolean;
  coverLetter: boolean;
  patches: Patch[];
}

/** The patch being filled and what it belongs to. */
interface OpenPatch {
  patch: Patch;
  depth: number;
  msg: Message;
  paths: Set<string>;
  detached: boolean;
}

/** The file diff new hunks go to. */
interface OpenFile {
  file: FileDiff;
  depth: number;
  msg: Message;
  fromGit: boolean;
  sawMinusPlus: boolean;
  orphan: boolean;
}

const MAX_SUBJECT_SCAN = 8;

class DocumentParser {
  private readonly patches: Patch[] = [];
  private lines = new LineTable();
  private flattened = false;
  private readonly messages: Message[] = [];
  private msg: Message = newMessage(0, false, false);
  private open: OpenPatch | null = null;
  private file: OpenFile | null = null;
  private readonly orphans = new Set<FileDiff>();
  private readonly order = new Map<FileDiff, number>();
  private hunkCount = 0;
  private fileCount = 0;

  constructor(
    private readonly text: string,
    private readonly problems: Problem[],
  ) {
    this.messages.push(this.msg);
  }

  run(): void {
    if (!/\S/.test(this.text)) {
      this.problem('Empty document: there is no patch to read.', 0, 'warning');
      return;
    }
    this.checkNul();
    this.buildLines();
    for (let i = 0; i < this.lines.length; ) i = this.step(i);
    this.finishMessage(this.msg);
    resolveOrphans(this.patches, { orphans: this.orphans, order: this.order }, this.problems);
    this.inheritBaseCommits();
    if (this.fileCount === 0) {
      this.problem('No diff found: the document has no `diff --git`, `---`/`+++` or `@@ -a,b +c,d @@` hunk header.', 0, 'warning');
    }
  }

  result(): PatchDocument {
    const problems = this.problems.slice().sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    return { patches: this.patches, problems, flattened: this.flattened };
  }

  // ---- input ----------------------------------------------------------------------

  private checkNul(): void {
    const at = this.text.indexOf('\0');
    if (at < 0) return;
    const { line, column } = positionOf(this.text, at);
    this.problems.push({
      message: `Binary data: NUL byte at offset ${at}; this is not a text patch, only text around it was read.`,
      line,
      column,
      severity: 'error',
    });
  }

  private buildLines(): void {
    const physical = this.text.split('\n');
    const flat = new Set(findFlattenedLines(physical, this.text.length));
    const out = new LineTable(physical.length);
    for (let i = 0; i < physical.length; i++) {
      if (flat.size > 0 && flat.has(i)) this.addFlatLine(physical[i], i, out);
      else out.pushPhysical(physical[i], i);
    }
    this.lines = out;
  }

  private addFlatLine(raw: string, docLine: number, out: LineTable): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.flattened) {
      this.flattened = true;
      this.problem(
        'Flattened message: its line breaks were lost, so positions are character offsets on the line (columns), and indentation was lost. Lines were recovered from the quote prefix and the @@ counts.',
        docLine,
        'information',
        0,
      );
      const meta = extractFlatHeaders(line);
      this.msg.meta = { ...meta, ...this.msg.meta };
    }
    segmentFlatLine(line, docLine, out, this.problems);
  }

  // ---- main loop --------------------------------------------------------------------

  private step(i: number): number {
    const lines = this.lines;
    if (lines.opaque(i)) return i + 1;
    const depth = lines.depth(i);
    if (depth === 0 && !lines.flat(i)) {
      const next = this.messageBoundary(i);
      if (next !== null) return next;
      this.noteMessageDetails(i);
    }
    const t = lines.text(i);
    if (t.startsWith('@@ -')) {
      const m = HUNK_HEADER.exec(t);
      if (m) return this.takeHunk(i, m);
    }
    if (t.startsWith('diff --git ')) {
      this.startGitFile(i);
      return i + 1;
    }
    if (t.startsWith('--- ') && lines.sameDepth(i + 1, depth) && lines.text(i + 1).startsWith('+++ ')) {
      this.minusPlus(i);
      return i + 2;
    }
    if ((t.startsWith('Binary files ') && t.endsWith(' differ')) || t === 'GIT binary patch') {
      this.binary(i);
      return i + 1;
    }
    this.fileMetadata(i);
    if (depth === 0 && t.startsWith('base-commit: ')) this.msg.baseCommit = t.slice(13).trim();
    return i + 1;
  }

  // ---- messages ---------------------------------------------------------------------

  /** Starts a message when line `i` opens one; returns the next line to read, or null. */
  private messageBoundary(i: number): number | null {
    const t = this.lines.text(i);
    if (isMboxFromLine(t)) {
      const msg = this.startMessage(i, true, false);
      const { meta, end } = readHeaderBlock(this.lines, i + 1);
      msg.meta = meta;
      this.afterHeaders(msg);
      return end;
    }
    if (i === 0 && looksLikeHeaderStart(t)) {
      const { meta, end } = readHeaderBlock(this.lines, 0);
      this.msg.meta = meta;
      this.afterHeaders(this.msg);
      return Math.max(end, 1);
    }
    if (t === 'diff mbox series') {
      if (i > 0) this.startMessage(i, false, true);
      return i + 1;
    }
    return this.archiveBoundary(i, t);
  }

  /** lkml-style "subject / Posted by X" pairs and patchwork comment bylines. */
  private archiveBoundary(i: number, t: string): number | null {
    const nextOk = this.lines.sameDepth(i + 1, 0) && !this.lines.flat(i + 1);
    const by = nextOk ? parsePostedBy(this.lines.text(i + 1)) : undefined;
    if (by !== undefined && isSubjectLike(t)) {
      const msg = this.startMessage(i, false, false);
      msg.meta = { subject: t, from: by };
      return i + 2;
    }
    const pw = parsePatchworkByline(t);
    if (!pw) return null;
    if (pw.comment) {
      this.startMessage(i, false, false).meta = { from: pw.from, date: pw.date };
    } else {
      this.msg.meta.from ??= pw.from;
      this.msg.meta.date ??= pw.date;
    }
    return i + 1;
  }

  /** Subject / Message-ID given as page text near the top of a header-less message. */
  private noteMessageDetails(i: number): void {
    if (this.lines.docLine(i) - this.msg.docLine >= MAX_SUBJECT_SCAN) return;
    const t = this.lines.text(i);
    if (this.msg.meta.subject === undefined && isSubjectLike(t)) this.msg.meta.subject = t.trim();
    if (this.msg.meta.messageId === undefined) {
      const id = parsePatchworkMessageId(t);
      if (id) this.msg.meta.messageId = id;
    }
  }

  private startMessage(docLine: number, isMbox: boolean, inheritPage: boolean): Message {
    this.finishMessage(this.msg);
    this.msg = newMessage(docLine, isMbox, inheritPage);
    this.messages.push(this.msg);
    this.open = null;
    this.file = null;
    return this.msg;
  }

  private afterHeaders(msg: Message): void {
    if (msg.meta.subject && isCoverLetterSubject(msg.meta.subject)) {
      msg.coverLetter = true;
      this.pushCoverLetter(msg);
    }
  }

  private pushCoverLetter(msg: Message): void {
    const p: Patch = { index: this.patches.length, isCoverLetter: true, quoted: false, files: [], docLine: msg.docLine };
    this.patches.push(p);
    msg.patches.push(p);
  }

  private finishMessage(msg: Message): void {
    if (msg.isMbox && msg.patches.length === 0 && msg.meta.subject && isSeriesSubject(msg.meta.subject)) {
      msg.coverLetter = true;
      this.pushCoverLetter(msg);
    }
    if (msg === this.messages[0] && msg.meta.subject === undefined) msg.meta.subject = this.titleLine();
    const page = msg.inheritPage ? this.messages[0].meta : {};
    for (const p of msg.patches) {
      setIfDefined(p, 'subject', msg.meta.subject ?? page.subject);
      setIfDefined(p, 'from', msg.meta.from ?? page.from);
      setIfDefined(p, 'date', msg.meta.date ?? page.date);
      setIfDefined(p, 'messageId', msg.meta.messageId ?? page.messageId);
      setIfDefined(p, 'baseCommit', msg.baseCommit);
    }
  }

  /** A commit-message style document starts with its title line and a blank line. */
  private titleLine(): string | undefined {
    const lines = this.lines;
    if (!lines.sameDepth(0, 0) || lines.flat(0) || !lines.sameDepth(1, 0) || lines.text(1) !== '') return undefined;
    const t = lines.text(0).trim();
    if (t === '' || t.length > 200 || t === 'diff mbox series' || /^(diff |--- |\+\+\+ |@@ |From )/.test(t)) return undefined;
    return t;
  }

  /** Patches of a series without their own base-commit trailer take the cover letter's. */
  private inheritBaseCommits(): void {
    let base: string | undefined;
    for (const p of this.patches) {
      if (p.isCoverLetter) base = p.baseCommit;
      else if (p.baseCommit === undefined && base !== undefined && !p.quoted) p.baseCommit = base;
    }
  }

  // ---- patches and files ------------------------------------------------------------

  /** The patch for diff text at `depth` in the current message, created on first use. */
  private ensurePatch(depth: number, docLine: number): OpenPatch {
    const cur = this.open;
    if (cur && cur.msg === this.msg && cur.depth === depth) return cur;
    const own = depth === 0 && this.msg.patches.length === 0;
    const patch: Patch = { index: -1, isCoverLetter: false, quoted: depth > 0, files: [], docLine: own ? this.msg.docLine : docLine };
    const detached = this.msg.coverLetter;
    if (!detached) {
      patch.index = this.patches.length;
      this.patches.push(patch);
      this.msg.patches.push(patch);
    }
    this.open = { patch, depth, msg: this.msg, paths: new Set(), detached };
    return this.open;
  }

  private addFile(i: number, oldPath: string | null, newPath: string | null, fromGit: boolean, orphan: boolean): OpenFile {
    const depth = this.lines.depth(i);
    const docLine = this.lines.docLine(i);
    let open = this.ensurePatch(depth, docLine);
    const key = newPath ?? oldPath;
    // The same file again at the same depth: a second copy of the patch begins.
    if (key !== null && open.paths.has(key)) {
      this.open = null;
      open = this.ensurePatch(depth, docLine);
    }
    const file: FileDiff = { oldPath, newPath, hunks: [], docLine };
    open.patch.files.push(file);
    if (key !== null) open.paths.add(key);
    this.order.set(file, this.fileCount++);
    if (orphan && !open.detached) this.orphans.add(file);
    this.file = { file, depth, msg: this.msg, fromGit, sawMinusPlus: false, orphan };
    return this.file;
  }

  /** The open file diff when the following header lines still describe it. */
  private headerTarget(i: number): OpenFile | null {
    const f = this.file;
    if (!f || f.depth !== this.lines.depth(i) || f.msg !== this.msg || f.orphan || f.file.hunks.length > 0) return null;
    return f;
  }

  private startGitFile(i: number): void {
    const [a, b] = splitGitHeaderNames(this.lines.text(i).slice('diff --git '.length));
    const [oldPath, newPath] = stripPrefixes(a, b);
    this.addFile(i, oldPath, newPath, true, false);
  }

  /** `--- old` at line i, `+++ new` at line i + 1. */
  private minusPlus(i: number): void {
    const minus = this.lines.text(i);
    const plus = this.lines.text(i + 1);
    const [oldPath, newPath] = stripPrefixes(nameFromMinusPlus(minus.slice(4)), nameFromMinusPlus(plus.slice(4)));
    const target = this.headerTarget(i);
    if (target && target.fromGit && !target.sawMinusPlus) {
      target.file.oldPath = oldPath;
      target.file.newPath = newPath;
      target.sawMinusPlus = true;
      return;
    }
    this.addFile(i, oldPath, newPath, false, false).sawMinusPlus = true;
  }

  private binary(i: number): void {
    let target = this.headerTarget(i);
    if (!target || target.file.binary) {
      const names = binaryNames(this.lines.text(i));
      const [oldPath, newPath] = stripPrefixes(names[0], names[1]);
      target = this.addFile(i, oldPath, newPath, false, false);
    }
    target.file.binary = true;
    const path = target.file.newPath ?? target.file.oldPath ?? '(unknown file)';
    this.problem(`Binary diff for ${path}: there are no hunks to review.`, this.lines.docLine(i), 'information', this.lines.docColumn(i));
  }

  /** git extended header lines: they adjust the file diff opened by `diff --git`. */
  private fileMetadata(i: number): void {
    const target = this.headerTarget(i);
    if (!target || !target.fromGit) return;
    const t = this.lines.text(i);
    if (t.startsWith('new file mode ')) target.file.oldPath = null;
    else if (t.startsWith('deleted file mode ')) target.file.newPath = null;
    else if (t.startsWith('rename from ') || t.startsWith('copy from ')) target.file.oldPath = t.slice(t.indexOf(' from ') + 6).trim();
    else if (t.startsWith('rename to ') || t.startsWith('copy to ')) target.file.newPath = t.slice(t.indexOf(' to ') + 4).trim();
  }

  // ---- hunks ------------------------------------------------------------------------

  private takeHunk(i: number, m: RegExpExecArray): number {
    const { hunk, next } = readHunk(this.lines, i, m);
    this.fileForHunk(i, hunk).file.hunks.push(hunk);
    this.hunkCount++;
    if (hunk.truncated) this.reportTruncated(hunk);
    return Math.max(next, i + 1);
  }

  /**
   * The open file diff when the hunk continues it (same message, same depth, below the
   * previous hunk); otherwise a new header-less file diff whose path is resolved later.
   */
  private fileForHunk(i: number, hunk: Hunk): OpenFile {
    const f = this.file;
    if (f && !f.orphan && !f.file.binary && f.depth === hunk.quoteDepth && f.msg === this.msg) {
      const last = f.file.hunks[f.file.hunks.length - 1];
      if (!last || hunk.oldStart >= last.oldStart + last.oldLines) return f;
    }
    return this.addFile(i, null, null, false, true);
  }

  private reportTruncated(h: Hunk): void {
    let oldSeen = 0;
    let newSeen = 0;
    for (const hl of h.lines) {
      if (hl.kind === ' ' || hl.kind === '-') oldSeen++;
      if (hl.kind === ' ' || hl.kind === '+') newSeen++;
    }
    const why = h.quoteDepth > 0 ? ' (the reviewer probably trimmed the quote)' : '';
    this.problem(
      `Hunk ${h.header} is incomplete: ${oldSeen} of ${h.oldLines} old and ${newSeen} of ${h.newLines} new lines are present${why}.`,
      h.docLine,
      'warning',
      h.docColumn,
    );
  }

  private problem(message: string, line: number, severity: Problem['severity'], column?: number): void {
    const p: Problem = { message, line, severity };
    if (column !== undefined) p.column = column;
    this.problems.push(p);
  }
}

function newMessage(docLine: number, isMbox: boolean, inheritPage: boolean): Message {
  return { docLine, meta: {}, isMbox, inheritPage, coverLetter: false, patches: [] };
}

function setIfDefined<K extends 'subject' | 'from' | 'date' | 'messageId' | 'baseCommit'>(p: Patch, key: K, value: string | undefined): void {
  if (value !== undefined && p[key] === undefined) p[key] = value;
}

/** `Binary files a/x and b/y differ` → raw names (null for /dev/null). */
function binaryNames(t: string): [string | null, string | null] {
  const body = t.startsWith('Binary files ') ? t.slice('Binary files '.length, t.length - ' differ'.length) : '';
  const and = body.indexOf(' and ');
  if (and < 0) return [null, null];
  const a = body.slice(0, and).trim();
  const b = body.slice(and + 5).trim();
  return [a === '/dev/null' ? null : a, b === '/dev/null' ? null : b];
}

/** 0-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}
