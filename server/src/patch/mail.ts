// Mail-level structure: where messages start (mbox `From ` lines, web-archive page
// markers) and what their headers say. Every regex here is anchored and applied only to
// short lines so that hostile input cannot make matching super-linear.

import { LineTable } from './lines';

/** Header values of one message (unfolded, trimmed). */
export interface MailMeta {
  subject?: string;
  from?: string;
  date?: string;
  messageId?: string;
  /** `In-Reply-To:`: the parent's Message-ID, without angle brackets. */
  inReplyTo?: string;
  /** `References:`: the thread's Message-IDs, oldest first, without angle brackets (at most `MAX_REFERENCES`). */
  references?: string[];
}

/** Most Message-IDs kept from one `References:` header (a thread's ancestors; longer lists are cut from the front). */
export const MAX_REFERENCES = 64;

const SHORT = 300;

const MBOX_FROM = /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d:\d\d \d{4}(?:\s|$)/;

/** `From <sha> Mon Sep 17 00:00:00 2001` / `From mboxrd@z Thu Jan  1 00:00:00 1970`. */
export function isMboxFromLine(text: string): boolean {
  return text.length < SHORT && text.startsWith('From ') && MBOX_FROM.test(text);
}

const HEADER_FIELD = /^[!-9;-~]+:(?: |\t|$)/;
const FIRST_HEADER = /^(?:From|Subject|Date|Message-I[Dd]|To|Cc|Received|Return-[Pp]ath|Delivered-To|MIME-Version|In-Reply-To|References|X-[A-Za-z-]+):(?: |$)/;

/** True when `text` can open an RFC 822 header block (used at document start). */
export function looksLikeHeaderStart(text: string): boolean {
  return text.length < 4096 && FIRST_HEADER.test(text);
}

/**
 * Reads the header block starting at `start` (unquoted lines until the first blank or
 * non-header line; folded continuation lines are joined). Returns the values found and
 * the index of the first line after the block.
 */
export function readHeaderBlock(lines: LineTable, start: number): { meta: MailMeta; end: number } {
  const meta: MailMeta = {};
  let name = '';
  let value = '';
  let i = start;
  const flush = (): void => {
    if (name) assignHeader(meta, name, value);
  };
  for (; i < lines.length; i++) {
    if (!lines.sameDepth(i, 0) || lines.flat(i)) break;
    const t = lines.text(i);
    if (t === '') break;
    if ((t[0] === ' ' || t[0] === '\t') && name) {
      value += ' ' + t.trim();
      continue;
    }
    if (t.length > 8192 || !HEADER_FIELD.test(t)) break;
    flush();
    const colon = t.indexOf(':');
    name = t.slice(0, colon).toLowerCase();
    value = t.slice(colon + 1).trim();
  }
  flush();
  return { meta, end: i };
}

function assignHeader(meta: MailMeta, name: string, value: string): void {
  switch (name) {
    case 'subject':
      meta.subject ??= value;
      break;
    case 'from':
      meta.from ??= value;
      break;
    case 'date':
      meta.date ??= value;
      break;
    case 'message-id':
      meta.messageId ??= stripAngles(firstToken(value));
      break;
    case 'in-reply-to': {
      const ids = messageIds(value);
      if (ids.length) meta.inReplyTo ??= ids[0];
      break;
    }
    case 'references': {
      const ids = messageIds(value);
      if (ids.length) meta.references ??= ids.slice(-MAX_REFERENCES);
      break;
    }
  }
}

const MSG_ID_TOKEN = /^<[^<>\s]{1,995}>$/;

/**
 * The `<id>` tokens of an `In-Reply-To:` / `References:` value, brackets removed, in
 * order. Tokens are split on whitespace and each is tested with an anchored pattern, so
 * the cost is linear in the value; text between ids (comments, a flattened body) is
 * skipped. Only the first 64 KiB of a value are looked at.
 */
export function messageIds(value: string): string[] {
  const out: string[] = [];
  for (const tok of value.slice(0, 65536).split(/\s+/)) {
    if (tok.length < 3 || tok[0] !== '<') continue;
    if (MSG_ID_TOKEN.test(tok)) out.push(tok.slice(1, -1));
  }
  return out;
}

/**
 * The mail headers of the message starting at 0-based document line `line` (a `Patch`'s
 * `docLine`): the header block after an mbox `From ` line there, or one that opens on that
 * line. Reads at most `MAX_HEADER_LINES` lines; undefined when no header block starts
 * there (a plain diff, a patchwork page, a quoted copy). For a flattened one-line
 * message, the headers found on that line (`extractFlatHeaders`).
 */
export function messageHeadersAt(text: string, line: number, flattened = false): MailMeta | undefined {
  let at = 0;
  for (let k = 0; k < line && at >= 0; k++) {
    const nl = text.indexOf('\n', at);
    at = nl < 0 ? -1 : nl + 1;
  }
  if (at < 0) return undefined;
  const table = new LineTable(MAX_HEADER_LINES);
  for (let k = 0; k < MAX_HEADER_LINES && at < text.length; k++) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    // A flattened message is one very long line; header blocks are short lines.
    table.pushPhysical(flattened || end - at > 65536 ? text.slice(at, Math.min(end, at + FLAT_HEADER_SCAN)) : text.slice(at, end), line + k);
    if (nl < 0) break;
    at = nl + 1;
  }
  if (!table.length) return undefined;
  const first = table.text(0);
  if (flattened) return extractFlatHeaders(first);
  const start = isMboxFromLine(first) ? 1 : 0;
  if (start >= table.length || !looksLikeHeaderStart(table.text(start))) return undefined;
  return readHeaderBlock(table, start).meta;
}

/** Lines `messageHeadersAt` reads: a header block with long folded `References:` fits. */
export const MAX_HEADER_LINES = 400;

/** A Message-ID is one token; in flattened text the body may follow it directly. */
function firstToken(v: string): string {
  const t = v.trim();
  const sp = t.search(/\s/);
  return sp < 0 ? t : t.slice(0, sp);
}

function stripAngles(v: string): string {
  const t = v.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

const FLAT_HEADER_NAMES =
  'Subject|From|Date|Message-ID|Message-Id|To|Cc|References|In-Reply-To|Received|Return-path|Return-Path|Sender|List-ID|List-Id|' +
  'List-Subscribe|List-Unsubscribe|List-Post|List-Help|List-Archive|Precedence|MIME-Version|Mime-Version|Content-Type|' +
  'Content-Transfer-Encoding|Content-Disposition|Authentication-Results|ARC-Seal|ARC-Message-Signature|' +
  'ARC-Authentication-Results|DKIM-Signature|User-Agent|Organization|Delivered-To|X-[A-Za-z-]+';
const FLAT_HEADER = `(?:^| )(${FLAT_HEADER_NAMES}): `;
const FLAT_HEADER_SCAN = 65536;

/**
 * Header values from a flattened message (`From: a Subject: b Date: c ...` on one line):
 * each value runs up to the next known header name. Only the first `FLAT_HEADER_SCAN`
 * characters are looked at: headers come first.
 */
export function extractFlatHeaders(text: string): MailMeta {
  const head = text.length > FLAT_HEADER_SCAN ? text.slice(0, FLAT_HEADER_SCAN) : text;
  const found: { name: string; valueStart: number; at: number }[] = [];
  const re = new RegExp(FLAT_HEADER, 'g');
  for (let m = re.exec(head); m; m = re.exec(head)) {
    found.push({ name: m[1].toLowerCase(), valueStart: m.index + m[0].length, at: m.index });
  }
  const meta: MailMeta = {};
  for (let k = 0; k < found.length; k++) {
    const end = k + 1 < found.length ? found[k + 1].at : Math.min(head.length, found[k].valueStart + 500);
    assignHeader(meta, found[k].name, head.slice(found[k].valueStart, end).trim());
  }
  return meta;
}

const SUBJECT_LIKE = /^(?:(?:Re|RE|Fwd|FW|Aw|AW): ?)*\[[^\]\n]{1,100}\] ?\S/;

/** `[PATCH 4/6] ext4: ...`, `Re: [PATCH v4 08/23] ...`, patchwork's `[4/5] ext4: ...`. */
export function isSubjectLike(text: string): boolean {
  return text.length < SHORT && SUBJECT_LIKE.test(text);
}

/** `[PATCH 0/5]`, `[RFC PATCH v2 00/12]`: the cover letter of a series. */
export function isCoverLetterSubject(subject: string): boolean {
  return /\[[^\]]*?\b0+\/\d+\]/.test(subject.slice(0, SHORT));
}

/** A series subject that is not a reply (`[PATCH ...]` without `Re:`). */
export function isSeriesSubject(subject: string): boolean {
  return /^\s*\[[^\]]*(?:PATCH|RFC)[^\]]*\]/i.test(subject.slice(0, SHORT));
}

/** `Posted by Dave Chinner 4 weeks ago` (lkml-style archive pages; the age may use NBSPs). */
export function parsePostedBy(text: string): string | undefined {
  if (text.length >= SHORT || !text.startsWith('Posted by ')) return undefined;
  const who = text.slice('Posted by '.length).replace(/[ \u00a0](?:\d+|a|an)[ \u00a0](?:second|minute|hour|day|week|month|year)s?\b.*$/, '');
  return who.trim() || undefined;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)\\.?';
const PATCHWORK_BYLINE = new RegExp(`^(.{1,100}?) (${MONTH} \\d{1,2}, \\d{4}, [^|]{1,40}? UTC)(?: \\| #(\\d+))?\\s*$`);

/**
 * Patchwork page lines `Ritesh Harjani Aug. 12, 2019, 5:04 p.m. UTC | #1` (a comment) or
 * without `| #N` (the patch author). Returns undefined for other lines.
 */
export function parsePatchworkByline(text: string): { from: string; date: string; comment: boolean } | undefined {
  if (text.length >= 200 || !text.includes(' UTC')) return undefined;
  const m = PATCHWORK_BYLINE.exec(text);
  return m ? { from: m[1].trim(), date: m[2], comment: m[3] !== undefined } : undefined;
}

/** Patchwork's `Message ID <id> (mailing list archive)` line. */
export function parsePatchworkMessageId(text: string): string | undefined {
  if (text.length >= SHORT) return undefined;
  const m = /^Message[ -]I[Dd]:? +<?([^\s<>]+)>?/.exec(text);
  return m ? m[1] : undefined;
}
