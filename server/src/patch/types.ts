// Shapes produced by the patch-ingestion layer. Every position refers to the document the
// user has open (the patch, mbox or email reply), so editors can put hovers and
// diagnostics exactly where the reviewer is looking.

/**
 * A problem found while reading a patch document. Never fatal: the parser always returns
 * whatever it could recover alongside its problems.
 *
 * `line` is the 0-based document line; `column` (0-based, UTF-16 code units) is given
 * when the problem points inside a line (always for flattened one-line documents).
 */
export interface Problem {
  message: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning' | 'information';
}

/**
 * One line of a hunk body.
 *
 * `kind` is the diff marker: `' '` context, `'-'` removed, `'+'` added, `'\\'` for
 * "\ No newline at end of file". `text` is the code without the marker and without any
 * `> ` quote prefix. `docLine`/`docColumn` (both 0-based) locate where `text` starts in
 * the original document; for a flattened one-line document `docLine` is 0 and
 * `docColumn` is the character offset.
 */
export interface HunkLine {
  kind: ' ' | '-' | '+' | '\\';
  text: string;
  docLine: number;
  docColumn: number;
  /**
   * The quote resumed here after a reviewer's inline reply: lines between the previous
   * hunk line and this one were trimmed from the quote, so file line numbers from here on
   * are not known (the ones counted are a lower bound).
   */
  gapBefore?: boolean;
}

/**
 * One `@@ -oldStart,oldLines +newStart,newLines @@ section` hunk.
 *
 * `oldStart`/`newStart` are the 1-based file lines from the header (0 for an empty side,
 * as in unified diff). `docLine`/`docColumn` locate the `@@` in the document (0-based);
 * `docEndLine` is the document line of the hunk's last body line (the header line for a
 * hunk without body). `quoteDepth` counts the `>` levels in front of the hunk (0 for an
 * unquoted patch). `truncated` is set when the body has fewer lines than the header
 * promises, e.g. because a reviewer trimmed a quoted hunk.
 */
export interface Hunk {
  /** The header line as written, without quote prefix, e.g. `@@ -1,3 +1,4 @@ foo()`. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@`, trimmed (usually the enclosing function signature). */
  section: string;
  lines: HunkLine[];
  docLine: number;
  docColumn: number;
  docEndLine: number;
  quoteDepth: number;
  truncated: boolean;
}

/**
 * The changes to one file. Paths have the `a/` `b/` prefixes (or the first directory of
 * a `-p1` quilt path) removed; `null` stands for `/dev/null` (new or deleted file) and for
 * a quoted hunk whose file could not be determined. `docLine` is the 0-based document
 * line of the file header (`diff --git`, `---`, or the first hunk when no header exists).
 */
export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  hunks: Hunk[];
  docLine: number;
  /** Set for `Binary files ... differ` / `GIT binary patch`: there are no hunks. */
  binary?: boolean;
}

/**
 * One patch: a message of a series, or one quoted copy of a patch inside a reply.
 *
 * `index` is the 0-based position in `PatchDocument.patches`. `docLine` (0-based) is where
 * the message starts for a message's own patch, or the first diff line for a quoted copy
 * or a later diff inside the same message. Cover letters (`[PATCH 0/N]`, or a series
 * message without a diff) are listed with `isCoverLetter: true` and no files.
 */
export interface Patch {
  index: number;
  subject?: string;
  from?: string;
  date?: string;
  messageId?: string;
  baseCommit?: string;
  isCoverLetter: boolean;
  /** True when the diff came from a `> `-quoted reply (any depth). */
  quoted: boolean;
  files: FileDiff[];
  docLine: number;
}

/**
 * Everything read from one document. `flattened` is true when the document was a message
 * whose newlines had been collapsed onto one (or a few) very long lines; positions then
 * are character offsets on those lines.
 */
export interface PatchDocument {
  patches: Patch[];
  problems: Problem[];
  flattened: boolean;
}
