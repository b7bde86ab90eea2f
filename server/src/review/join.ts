import type { Hunk } from '../patch';

/** The most unseen lines between two hunks that one function may be rebuilt across. */
export const MAX_JOIN_GAP = 3;

/** One side of two consecutive hunks laid out as the file has them, with the gap left blank. */
export interface JoinedSide {
  /** The text: the first hunk's side, `gap` empty lines, the second hunk's side. */
  text: string;
  /** File line of the text's first line. */
  lineBase: number;
  /** Lines of the file between the hunks that the diff does not show. */
  gap: number;
  /** `#endif` lines whose `#if` lies in the gap, blanked so the text parses. */
  droppedEndifs: number;
}

/**
 * Lay one side (`-`: old file, `+`: new file) of two consecutive hunks of the same file
 * diff out as one text, so a function split over both (diff context stops between
 * them) can be rebuilt. The unseen lines become empty lines, which keeps both hunks'
 * file line numbers; a conditional-compilation `#endif` whose `#if` is unseen is blanked
 * (the code it closes stays in: the model builds with the config that has it). A
 * return type diff shows as the hunk's section (the line above it) is put back in front
 * of a definition whose name opens the first hunk.
 * Undefined when the hunks overlap, are trimmed quotes, or the gap exceeds MAX_JOIN_GAP.
 */
export function joinSides(a: Hunk, b: Hunk, side: '-' | '+'): JoinedSide | undefined {
  if (a.truncated || b.truncated || b.lines.some((l) => l.gapBefore)) return undefined;
  const start = side === '-' ? a.oldStart : a.newStart;
  const end = start + (side === '-' ? a.oldLines : a.newLines);
  const gap = (side === '-' ? b.oldStart : b.newStart) - end;
  if (gap < 0 || gap > MAX_JOIN_GAP) return undefined;
  const keep = (h: Hunk) => h.lines.filter((l) => l.kind === ' ' || l.kind === side).map((l) => l.text);
  const lines = [...keep(a), ...Array<string>(gap).fill(''), ...keep(b)];
  // `static ssize_t` on the line above the hunk (diff shows it as the section): a
  // definition whose first hunk line is `name(args)` needs it to parse as one.
  if (/^[A-Za-z_][\w\s*]*$/.test(a.section.trim()) && /^[A-Za-z_]\w*\s*\(/.test(lines[0] ?? '')) lines[0] = `${a.section.trim()} ${lines[0]}`;
  let depth = 0;
  let droppedEndifs = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*#\s*if/.test(lines[i])) depth++;
    else if (/^\s*#\s*endif\b/.test(lines[i])) {
      if (depth === 0) {
        lines[i] = '';
        droppedEndifs++;
      } else depth--;
    }
  }
  return { text: lines.join('\n'), lineBase: start, gap, droppedEndifs };
}
