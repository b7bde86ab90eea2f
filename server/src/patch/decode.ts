// Bytes → text for patch documents. Mail archives hold the odd latin1 message, so invalid
// UTF-8 is not fatal: the text is read as latin1 and the user is told where it broke.

import type { Problem } from './types';

/**
 * Decodes a document: UTF-8 (fatal decoding, a leading BOM dropped); on invalid UTF-8 the
 * bytes are read as ISO-8859-1 and a warning names the first bad byte offset. NUL bytes
 * add an `error` problem ("binary data"). Problem positions are 0-based lines/columns of
 * the returned text. Pure: no I/O.
 */
export function decodeDocument(bytes: Uint8Array): { text: string; problems: Problem[] } {
  const problems: Problem[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    text = latin1(bytes);
    const { line, column } = lineColumnOfByte(bytes, bad);
    problems.push({
      message: `Invalid UTF-8 at byte offset ${bad} (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')}): the document was read as latin1.`,
      line,
      column,
      severity: 'warning',
    });
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // Position in the decoded text, so the column is in characters like every other one.
    const { line, column } = lineColumnOfChar(text, text.indexOf('\0'));
    problems.push({
      message: `Binary data: NUL byte at byte offset ${nul}; this does not look like a text patch.`,
      line,
      column,
      severity: 'error',
    });
  }
  return { text, problems };
}

/** Offset of the first byte that breaks UTF-8 well-formedness (bytes.length if none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return bytes.length;
}

/** Length of the well-formed UTF-8 sequence at `i`, or 0 (Unicode table 3-7). */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let len: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) len = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + len > b.length) return 0;
  if (b[i + 1] < lo || b[i + 1] > hi) return 0;
  for (let k = 2; k < len; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
  return len;
}

/** ISO-8859-1: every byte is the code point of the same value (WHATWG "latin1" is cp1252). */
function latin1(bytes: Uint8Array): string {
  const CHUNK = 8192;
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    parts.push(String.fromCharCode(...bytes.subarray(i, Math.min(i + CHUNK, bytes.length))));
  }
  return parts.join('');
}

function lineColumnOfChar(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}

/**
 * Line and column of a byte offset, used for the latin1 fallback where one byte is one
 * character.
 */
function lineColumnOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(offset, bytes.length);
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < end; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}
