/**
 * The one adapter between plain review results and LSP types: diagnostics, hover
 * markdown, document symbols, code lenses, trace markdown, the scenario matrix and the
 * status text. Pure functions of their inputs — no connection, no I/O — so the review
 * layers stay free of LSP and this module can be tested on plain data.
 */
import { pathToFileURL } from 'node:url';
import {
  ClientCapabilities,
  CodeAction,
  CodeActionKind,
  CodeLens,
  Command,
  Diagnostic,
  DiagnosticRelatedInformation,
  DiagnosticSeverity,
  DocumentSymbol,
  MarkupContent,
  MarkupKind,
  Position,
  Range,
  SymbolKind,
} from 'vscode-languageserver';
import type { ScenarioResult } from '../engine/outcome';
import type { TraceStep } from '../interp/trace';
import type { Hunk, PatchDocument } from '../patch';
import {
  ClientExtras,
  CLIENT_COMMANDS,
  CLIENT_ID,
  compactLockSequence,
  compactTimelines,
  LOCK_SEQUENCE_LEGEND,
  MatrixHunk,
  OPTIONAL_CLIENT_COMMANDS,
  ScenarioMatrixResponse,
  SERVER_COMMANDS,
  SourceTarget,
  StatusParams,
  TextResponse,
  TraceResponse,
  TraceStepView,
} from '../protocol';
import { CHECKS, checkDocUrl } from '../review/checks';
import { formatHunkComment, hunkForKey } from '../review/email';
import { CHANGE_FIELDS, fieldText } from '../review/compare';
import { cannotTellText, changeText, groupChanges, incompleteText } from '../review/format';
import type { BaseTree } from '../review/review';
import type { ChangeField, HunkFinding, HunkReview, ReviewResult, ScenarioTrace } from '../review/types';
import type { Scenario } from '../scenario/types';
import type { CFileAnalysis } from './cfile';
import { treePath } from './kernels';
import { anchors, locateInTree } from './locate';

/** `source` of every diagnostic. */
export const SOURCE = 'ext4-write-path';
/** Rows of a hover table before "… N more". */
const MAX_ROWS = 10;
/** Steps of a trace shown before "… N more". */
const MAX_STEPS = 400;

/** What convert needs of an analysed patch document. */
export interface PatchView {
  uri: string;
  result: ReviewResult;
  document: PatchDocument;
  /** The document's lines (LSP lines: split at \n, \r\n, \r). */
  lines: readonly string[];
  /** The base tree, for links to the deciding C line (absent in hunk-only mode). */
  tree?: { root: string; base: Pick<BaseTree, 'texts' | 'files'> };
  /** The tree after the document's last patch (ReviewSession.postTexts), to map post-image lines to the patch. */
  postTexts?: ReadonlyMap<string, string>;
  budgetMs: number;
}

/** Field-change warnings: which outcome fields each diagnostic code covers, and how a field is named. */
const CATEGORIES: ReadonlyArray<{ code: string; label: string; fields: readonly ChangeField[] }> = [
  { code: 'fallback-change', label: 'fallback', fields: ['fallback', 'path'] },
  { code: 'lock-change', label: 'lock', fields: ['lockAcrossIo', 'lockSequence'] },
  { code: 'unwritten-change', label: 'unwritten', fields: ['dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'convertContext', 'ioEndAllocs'] },
];
const FIELD_LABEL: Record<ChangeField, string> = {
  path: 'path',
  fallback: 'fallback',
  lockAcrossIo: 'lock',
  lockSequence: 'lock sequence',
  waits: 'waits',
  dioUnwritten: 'IOMAP_DIO_UNWRITTEN',
  unwrittenConverted: 'unwritten converted',
  unwrittenLeft: 'unwritten left',
  orphan: 'orphan',
  bufferedWrite: 'buffered write',
  ret: 'ret',
  convertContext: 'unwritten conversion runs in',
  ioEndAllocs: 'io_end structures allocated',
  finalSize: 'final size',
  timeline: 'order of events',
  warns: 'WARN/BUG reached',
};

/**
 * Text the review produced, as a reviewer should read it: the internal `~graft` suffix of
 * a grafted function's file (`file.c~graft:592`) is dropped.
 */
export function userText(s: string): string {
  return s.replace(/(\.[ch])~[\w-]+/g, '$1');
}
const CHECK_IDS = new Set<string>(CHECKS.map((c) => c.code));

// ---------------------------------------------------------------------------------------
// Positions

/** Split text into LSP lines. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The parsed hunk behind a review key (`patch:file:hunk`). */
export function hunkOf(doc: PatchDocument, key: string): Hunk | undefined {
  const [p, f, h] = key.split(':').map(Number);
  return doc.patches[p]?.files[f]?.hunks[h];
}

/** Every reviewed hunk with its file path, in document order. */
export function allHunks(r: ReviewResult): Array<{ path: string; h: HunkReview }> {
  return r.files.flatMap((f) => f.hunks.map((h) => ({ path: f.path, h })));
}

/**
 * The range of a hunk: from the `@@` to the end of its last body line. In a flattened
 * one-line document the hunk is a stretch of columns of that line: it ends where its last
 * body line's text ends.
 */
export function hunkRange(v: PatchView, h: HunkReview): Range {
  const start = Position.create(h.docLine, h.docColumn);
  const hunk = hunkOf(v.document, h.key);
  const last = hunk?.lines[hunk.lines.length - 1];
  const lineLen = (l: number) => v.lines[l]?.length ?? 0;
  let end: Position;
  if (v.document.flattened || h.docEndLine === h.docLine) {
    const endCol = last && last.docLine === h.docEndLine ? last.docColumn + last.text.length : h.docColumn + h.header.length;
    end = Position.create(h.docEndLine, Math.min(Math.max(endCol, h.docColumn), lineLen(h.docEndLine) || endCol));
  } else end = Position.create(h.docEndLine, lineLen(h.docEndLine));
  return Range.create(start, end);
}

/** The range of the `@@` header itself (code lenses, symbols' selection). */
function headerRange(h: HunkReview): Range {
  return Range.create(h.docLine, h.docColumn, h.docLine, h.docColumn + h.header.length);
}

/**
 * The range a hunk's diagnostics sit on: the header's leading `@@` only. Editors show
 * the diagnostics under the mouse before the hover (VS Code always does), so a squiggle
 * over the whole header would push the hunk's table below the fold; off the `@@` marker
 * the header line shows the table first, with the findings after it.
 */
export function diagnosticRange(h: HunkReview): Range {
  return Range.create(h.docLine, h.docColumn, h.docLine, h.docColumn + Math.min(2, h.header.length));
}

const contains = (r: Range, p: Position) =>
  (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) && (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));

/** The hunk under a position: the innermost (last starting) hunk whose range holds it; whole lines unless the document is flattened. */
export function hunkAt(v: PatchView, pos: Position): { path: string; h: HunkReview } | undefined {
  let found: { path: string; h: HunkReview } | undefined;
  for (const x of allHunks(v.result)) {
    const r = hunkRange(v, x.h);
    const hit = v.document.flattened ? contains(r, pos) : pos.line >= r.start.line && pos.line <= r.end.line;
    if (hit) found = x;
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// Diagnostics

const SEVERITY: Record<'error' | 'warning' | 'information', DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** `a, b, …` — the first `n` names of a list, with an ellipsis when there are more. */
function someOf(xs: readonly string[], n = 2): string {
  return xs.length > n ? `${xs.slice(0, n).join(', ')}, …` : xs.join(', ');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `file:///root/fs/ext4/file.c` */
export function treeUri(root: string, rel: string): string {
  return pathToFileURL(treePath(root, rel)).href;
}

/** Where the hunk's deciding C line is in the base tree (verified, see locate.ts), as a related location. */
function decidingInfo(v: PatchView, h: HunkReview): DiagnosticRelatedInformation[] {
  const loc = decidingLocation(v, h);
  if (!loc) return [];
  const what = loc.how === 'function' ? `${loc.fn}() in the kernel tree (the deciding line ${h.deciding!.file}:${h.deciding!.line} is not in the tree's text)` : `deciding line: ${h.deciding!.text}`;
  return [{ location: { uri: loc.uri, range: Range.create(loc.line - 1, 0, loc.line - 1, 0) }, message: what }];
}

function decidingLocation(v: PatchView, h: HunkReview): { uri: string; line: number; how: string; fn?: string } | undefined {
  if (!h.deciding || !v.tree) return undefined;
  const t = locateInTree(v.tree.base, h.deciding, h.functions);
  return t ? { uri: treeUri(v.tree.root, t.file), line: t.line, how: t.how, fn: t.fn } : undefined;
}

/** Findings of a hunk grouped by status and check: one diagnostic each, naming the scenarios. */
function findingGroups(fs: readonly HunkFinding[]): Array<{ f: HunkFinding; scenarios: string[] }> {
  const m = new Map<string, { f: HunkFinding; scenarios: string[] }>();
  for (const f of fs) {
    const k = `${f.status}\u0000${f.code}`;
    let g = m.get(k);
    if (!g) m.set(k, (g = { f, scenarios: [] }));
    if (!g.scenarios.includes(f.scenario)) g.scenarios.push(f.scenario);
  }
  return [...m.values()];
}

function changeLine(g: { field: string; before: string; after: string; scenarios: string[]; why?: string }, withWhy: boolean): string {
  const label = FIELD_LABEL[g.field as ChangeField] ?? g.field;
  return `${label}: ${changeText(g.before, g.after)} in ${plural(g.scenarios.length, 'scenario')} (${someOf(g.scenarios)})${withWhy && g.why ? ` because ${userText(g.why)}` : ''}`;
}

/**
 * Diagnostics of a patch document: Error per newly broken invariant, Warning per changed
 * fallback / lock / unwritten behaviour, Information per fixed invariant and, for a hunk
 * with nothing more severe, its summary; plus the document's problems. "No write-path
 * change" is not a diagnostic.
 *
 * Each is one line on the hunk's `@@` header: the hover over the hunk's body then shows
 * the scenario table alone, and squiggles do not underline every line of the code under
 * review. The deciding C line is attached once per hunk (to its first diagnostic), so the
 * Problems panel does not repeat it under every row.
 */
export function patchDiagnostics(v: PatchView, docsBase: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const mk = (range: Range, severity: DiagnosticSeverity, code: string, message: string, related: DiagnosticRelatedInformation[] = []): Diagnostic => ({
    range,
    severity,
    code,
    ...(CHECK_IDS.has(code) ? { codeDescription: { href: checkDocUrl(code, docsBase) } } : {}),
    source: SOURCE,
    message,
    ...(related.length ? { relatedInformation: related } : {}),
  });
  const byKey = new Map(allHunks(v.result).map(({ h }) => [h.key, h]));
  for (const { path, h } of allHunks(v.result)) {
    if (!h.scenariosChanged && !h.findings.length && !h.unknown?.length) continue;
    const range = diagnosticRange(h);
    const hunk: Diagnostic[] = [];
    // An unknown is never a result, but it is never hidden either (issue 13).
    if (h.unknown?.length) hunk.push(mk(range, DiagnosticSeverity.Information, 'cannot-tell', `${path}: ${userText(cannotTellText(h.unknown))}; no change or finding is drawn from ${h.unknown.length === 1 ? 'it' : 'them'}`));
    for (const { f, scenarios } of findingGroups(h.findings)) {
      const sev = f.status === 'new' ? SEVERITY[f.severity] : DiagnosticSeverity.Information;
      const verb = f.status === 'new' ? 'breaks' : f.status === 'fixed' ? 'fixes' : 'still breaks';
      // Found by ablation to be caused here: the other hunks it showed on are related
      // information of this one report, not reports of their own.
      const also = (f.alsoIn ?? []).flatMap((k) => byKey.get(k) ?? []);
      const related = also.map((o) => ({ location: { uri: v.uri, range: diagnosticRange(o) }, message: f.joint ? `also takes part in ${f.code} (reported once, at the hunk at line ${h.line})` : `also affected by ${f.code} (caused by the hunk at line ${h.line})` }));
      const where = !also.length ? '' : f.joint ? `; these ${also.length + 1} hunks act together (no one of them alone computably makes the difference): reported once, here` : `; caused by this hunk (without it the finding goes away), also seen on ${plural(also.length, 'other hunk')}`;
      hunk.push(mk(range, sev, f.code, `${verb} ${f.code}: ${f.message.replace(/^fixed: /, '')} (${plural(scenarios.length, 'scenario')}: ${someOf(scenarios, 3)})${where}`, related));
    }
    const groups = groupChanges(h);
    for (const c of CATEGORIES) {
      const gs = groups.filter((g) => c.fields.includes(g.field as ChangeField));
      if (!gs.length) continue;
      // The primary field first (lock mode across the IO before the lock sequence), then the widest change.
      gs.sort((a, b) => c.fields.indexOf(a.field as ChangeField) - c.fields.indexOf(b.field as ChangeField) || b.scenarios.length - a.scenarios.length);
      const rest = gs.slice(1);
      const more = rest.length ? `; +${rest.length} more ${c.label} change${rest.length === 1 ? '' : 's'} (${plural(new Set(rest.flatMap((g) => g.scenarios)).size, 'scenario')})` : '';
      hunk.push(mk(range, DiagnosticSeverity.Warning, c.code, `${changeLine(gs[0], true)}${more}`));
    }
    if (h.scenariosChanged && !hunk.some((d) => d.severity !== DiagnosticSeverity.Information)) {
      hunk.push(mk(range, DiagnosticSeverity.Information, 'write-path-change', `${path} ${h.functions.length ? `${h.functions.join(', ')}: ` : ''}${userText(h.summary)}`));
    }
    // Most severe first; it carries the deciding line.
    hunk.sort((a, b) => (a.severity ?? 4) - (b.severity ?? 4));
    const related = decidingInfo(v, h);
    if (hunk.length && related.length) hunk[0].relatedInformation = [...related, ...(hunk[0].relatedInformation ?? [])];
    out.push(...hunk);
  }
  for (const p of v.result.problems) {
    // The budget is reported once, as information (below), not as a warning per document.
    if (v.result.partial && p.kind === 'time-budget') continue;
    const line = Math.max(0, Math.min(p.line ?? 0, v.lines.length - 1));
    out.push(mk(Range.create(line, 0, line, v.lines[line]?.length ?? 0), SEVERITY[p.severity], 'patch-problem', p.message));
  }
  if (v.result.partial) {
    const all = allHunks(v.result).length;
    const done = allHunks(v.result).filter((x) => !/time budget exhausted/.test(x.h.summary)).length;
    out.push(mk(Range.create(0, 0, 0, v.lines[0]?.length ?? 0), DiagnosticSeverity.Information, 'time-budget', `incomplete: ${incompleteText(v.result.simulated)}, ${done} of ${all} hunks annotated, before the time budget (ext4WritePath.timeBudget = ${v.budgetMs} ms) ran out`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Hover

/** Escape a table cell: pipes split cells, newlines end rows. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives a table cell. */
function code(s: string): string {
  const t = s.replace(/`/g, "'");
  return `\`${cell(t)}\``;
}

/** A `command:` link (the client runs it; VS Code needs the hover trusted for that). */
export function commandLink(title: string, command: string, args: unknown[]): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}

/**
 * What the client can render beyond plain markdown. Hovers and lenses are shared with
 * every LSP client (Neovim shows raw text), so extras are used only when the client says
 * it has them: HTML through LSP's `general.markdown.allowedTags`, codicons through our
 * experimental capability (protocol.ts `ClientExtras`).
 */
export interface RenderOptions {
  /** `<span style="color:…">` is kept: before/after values are coloured. */
  html?: boolean;
  /** `$(icon)` in code lens titles is drawn as an icon. */
  codicons?: boolean;
  /**
   * The client implements CLIENT_COMMANDS (the VS Code extension): hovers carry
   * `command:` links, lenses and code actions run client commands. Else hovers are plain
   * markdown and lenses and code actions run SERVER_COMMANDS text commands.
   */
  clientCommands?: boolean;
  /** OPTIONAL_CLIENT_COMMANDS the client said it implements. */
  optionalCommands?: readonly string[];
}

/**
 * What a client renders and runs, from its `initialize` capabilities: the VS Code extras
 * only when the client announces them (`experimental.ext4WritePath`, protocol.ts
 * ClientExtras); HTML only for such a client whose markdown allows `<span>` (the colours
 * are VS Code theme variables).
 */
export function renderOptions(caps: ClientCapabilities): RenderOptions {
  const extras = (caps.experimental as Record<string, ClientExtras | undefined> | undefined)?.[CLIENT_ID];
  if (!extras || typeof extras !== 'object') return {};
  const commands = Array.isArray(extras.commands) ? extras.commands.filter((c): c is string => typeof c === 'string') : [];
  return { html: !!caps.general?.markdown?.allowedTags?.includes('span'), codicons: !!extras.codicons, clientCommands: true, optionalCommands: commands };
}

/** What each outcome field means, for the hover's legend (only the fields a table shows). */
const FIELD_LEGEND: Record<ChangeField, string> = {
  path: 'where the data went (`dio`, `buffered`, `dio+buffered`, `dax`, `error`)',
  fallback: 'direct IO fell back to buffered IO (`whole` / `remainder`)',
  lockAcrossIo: '`i_rwsem` mode held while the IO is issued',
  lockSequence: `every \`i_rwsem\` acquire and release, in order: ${LOCK_SEQUENCE_LEGEND}`,
  waits: 'waits for in-flight direct IO (`inode_dio_wait`, `IOMAP_DIO_FORCE_WAIT`)',
  dioUnwritten: 'the IO asks `->end_io` to convert unwritten extents',
  unwrittenConverted: 'unwritten extents were converted after the IO',
  unwrittenLeft: 'blocks written but left unwritten (stale zeroes on read)',
  orphan: 'orphan-list add/del around an extending write',
  bufferedWrite: 'the page-cache path (`buffer_head` or `iomap`), how new blocks were made, the journal-handle / folio-lock order, delalloc reserved and released',
  ret: 'what `write()` returns (`-EIOCBQUEUED`: queued AIO)',
  convertContext: 'where unwritten extents were converted (`process`: before write() returned; `workqueue`: a worker)',
  ioEndAllocs: 'legacy DIO: `ext4_io_end_t` structures allocated for the write',
  finalSize: '`i_size` and `i_disksize` (bytes) once the request is over, queued completion included',
  timeline: 'allocation, journal handles, conversion, `->end_io`, `i_size`/`i_disksize` raises, `generic_write_sync()`, WARNs, in the order they happened; `return` is the syscall returning, `[workqueue]` where it ran, `[i_rwsem …]` the lock held',
  warns: '`WARN_ON`/`BUG_ON` conditions that held, with their function',
};

/**
 * Order of the fields in a hover row and the scenarios view's columns: what a reviewer
 * reads first (where the data went, the lock held across the IO and how it was taken),
 * then waits, unwritten handling, the return value.
 */
const ROW_ORDER: readonly ChangeField[] = ['path', 'fallback', 'lockAcrossIo', 'lockSequence', 'waits', 'dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'orphan', 'bufferedWrite', 'ret', 'convertContext', 'ioEndAllocs', 'finalSize', 'warns', 'timeline'];

/** A `why` of a change (`[before: ]cond → result @ file:line[; reason]`), split into its parts. */
export function parseWhy(why: string | undefined): { side: 'before' | 'after'; text: string; file: string; line: number } | undefined {
  if (!why) return undefined;
  const head = why.split('; ')[0];
  const m = /^(before: )?([\s\S]*) @ (\S+):(\d+)$/.exec(head);
  if (!m) return undefined;
  return { side: m[1] ? 'before' : 'after', text: m[2].replace(/ → [^→]*$/, '').replace(/^calls (\w+)\(\)$/, '$1'), file: m[3], line: Number(m[4]) };
}

/** Scenarios that changed the same way, with what changed and the most frequent deciding condition. */
interface ChangeRow {
  scenarios: string[];
  changes: Array<{ field: ChangeField; before: string; after: string }>;
  why?: string;
}

/**
 * The hunk's changed scenarios grouped by *what* changed: scenarios whose outcome changed
 * in exactly the same fields, from the same values to the same values, share a row. This
 * is what a reviewer asks ("which kinds of write behave differently?"); a row per field
 * would repeat each scenario once per field it changed in.
 */
export function changeRows(h: HunkReview): ChangeRow[] {
  const byScenario = new Map<string, { changes: ChangeRow['changes']; why?: string }>();
  for (const c of h.changes) {
    let e = byScenario.get(c.scenario);
    if (!e) byScenario.set(c.scenario, (e = { changes: [], why: c.why }));
    if (!e.changes.some((x) => x.field === c.field)) e.changes.push({ field: c.field, before: c.before, after: c.after });
  }
  const rows = new Map<string, ChangeRow & { whys: Map<string, number> }>();
  for (const [scenario, e] of byScenario) {
    e.changes.sort((a, b) => ROW_ORDER.indexOf(a.field) - ROW_ORDER.indexOf(b.field));
    const key = e.changes.map((c) => `${c.field}\u0000${c.before}\u0000${c.after}`).join('\u0001');
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { scenarios: [], changes: e.changes, whys: new Map() }));
    r.scenarios.push(scenario);
    if (e.why) r.whys.set(e.why, (r.whys.get(e.why) ?? 0) + 1);
  }
  return [...rows.values()]
    .map(({ scenarios, changes, whys }) => ({ scenarios, changes, why: [...whys].sort((a, b) => b[1] - a[1])[0]?.[0] }))
    .sort((a, b) => b.scenarios.length - a.scenarios.length || a.changes.length - b.changes.length);
}

/** `before → after`, coloured like a diff when the client renders HTML, else with the after value in bold. */
function beforeAfter(before: string, after: string, o: RenderOptions): string {
  const b = cell(before);
  const a = cell(after);
  if (o.html) return `<span style="color:var(--vscode-gitDecoration-deletedResourceForeground);">${b}</span> → <span style="color:var(--vscode-gitDecoration-addedResourceForeground);">**${a}**</span>`;
  return `${b} → **${a}**`;
}

/** Short display of a deciding condition for a table cell. */
function shortCode(s: string, max = 48): string {
  return code(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}

/**
 * The hover of a hunk: a table of at most MAX_ROWS rows (changed scenarios grouped by what
 * changed, then how many are unchanged), findings, a legend of the fields shown, and
 * command links to the trace, the scenarios view and the deciding C line.
 */
export function patchHover(v: PatchView, path: string, h: HunkReview, o: RenderOptions = {}): MarkupContent {
  const md: string[] = [];
  md.push(`**ext4 write path** · ${code(path)} ${code(h.header)}${h.functions.length ? ` · ${h.functions.map((f) => code(`${f}()`)).join(', ')}` : ''}`);
  md.push('');
  // VS Code's hover wraps a cell at hyphens: non-breaking hyphens (U+2011) in the shown
  // name keep each example on one line (the command gets the real id).
  const trace = (scenario: string, side: 'before' | 'after' = 'after') => (o.clientCommands ? commandLink(scenario.replace(/-/g, '\u2011'), CLIENT_COMMANDS.showTrace, [v.uri, h.docLine, scenario, side]) : code(scenario));
  const rows = changeRows(h);
  const unchanged = Math.max(0, h.scenariosRun - h.scenariosChanged);
  if (rows.length) {
    // One deciding line for every row: say it once, above the table; else each row names its own.
    const oneWhy = new Set(rows.map((r) => r.why ?? '')).size === 1;
    const shared = oneWhy ? rows[0].why : undefined;
    md.push(`**${h.scenariosChanged} of ${h.scenariosRun}** scenarios that run this code change, ${unchanged} unchanged${shared ? ` · decided at ${decidingCell(v, h, shared, o)}` : ''}`);
    md.push('');
    // Counts first and example scenarios last, so the changes get the width.
    md.push('| # | what changed: before → after | example |');
    md.push('|--:|---|---|');
    // Room for the "unchanged" row and, when rows were cut, the "more" row.
    const room = rows.length > MAX_ROWS - 1 ? MAX_ROWS - 2 : MAX_ROWS - 1;
    for (const r of rows.slice(0, room)) {
      const shown = (f: ChangeField, x: string) => (f === 'lockSequence' ? compactLockSequence(x) : x);
      const what = r.changes
        .map((c) => {
          // The hover is narrow: a timeline shows where it changed (the trace view has it all).
          const [b, a] = c.field === 'timeline' ? compactTimelines(c.before, c.after) : [shown(c.field, c.before), shown(c.field, c.after)];
          return `${FIELD_LABEL[c.field] ?? c.field} ${beforeAfter(b, a, o)}`;
        })
        .join(' · ');
      const at = oneWhy ? '' : ` · at ${decidingCell(v, h, r.why, o, false)}`;
      md.push(`| **${r.scenarios.length}** | ${what}${at} | ${trace(r.scenarios[0])}${r.scenarios.length > 1 ? ` +${r.scenarios.length - 1}` : ''} |`);
    }
    if (rows.length > room) {
      const rest = rows.slice(room);
      md.push(`| ${rest.reduce((n, r) => n + r.scenarios.length, 0)} | … ${plural(rest.length, 'other kind')} of change: see the scenarios view | |`);
    }
    md.push(`| ${unchanged} | *unchanged* | |`);
  } else {
    md.push(userText(h.summary));
    if (h.scenariosRun) {
      md.push('');
      md.push(`${plural(h.scenariosRun, 'scenario')} run this code; ${unchanged === h.scenariosRun ? 'none changes' : `${unchanged} unchanged`}.`);
    }
  }
  for (const { f, scenarios } of findingGroups(h.findings)) {
    md.push('');
    const icon = (name: string) => (o.html ? `<span class="codicon codicon-${name}"></span> ` : '');
    const mark = f.status === 'new' ? `${icon('error')}**Breaks**` : f.status === 'fixed' ? `${icon('pass')}**Fixes**` : `${icon('warning')}**Still breaks**`;
    md.push(`${mark} ${code(f.code)} in ${scenarios.slice(0, 2).map((s) => trace(s, f.status === 'fixed' ? 'before' : 'after')).join(', ')}${scenarios.length > 2 ? ` +${scenarios.length - 2}` : ''}: ${f.message.replace(/^fixed: /, '')}`);
  }
  const links: string[] = [];
  const first = h.changes[0]?.scenario;
  if (h.scenariosRun && o.clientCommands) links.push(commandLink('Show trace', CLIENT_COMMANDS.showTrace, first ? [v.uri, h.docLine, first, 'after'] : [v.uri, h.docLine]));
  if (h.scenariosRun && o.clientCommands) links.push(commandLink('Scenarios view', CLIENT_COMMANDS.showScenarios, [v.uri, h.docLine]));
  // The same target as the rows' links: the patch's own line when the patch adds it.
  if (h.deciding) links.push(`Deciding line ${decidingLink(v, h, h.deciding, displayFile(h.deciding.file), o)}`);
  // Other clients run the trace and the scenario list from the lenses and code actions.
  if (h.scenariosRun && !o.clientCommands) links.push('trace and scenario list: the code lenses or code actions of the `@@` line');
  if (links.length) {
    md.push('');
    md.push(links.join(' · '));
  }
  if (rows.length) {
    const shown = new Set(rows.slice(0, MAX_ROWS).flatMap((r) => r.changes.map((c) => c.field)));
    md.push('');
    md.push(`*Legend:* ${beforeAfter('before', 'after', o)} per scenario · ${ROW_ORDER.filter((f) => shown.has(f)).map((f) => `**${FIELD_LABEL[f]}**: ${FIELD_LEGEND[f]}`).join(' · ')}${o.clientCommands ? ' · a scenario name opens its trace' : ''}`);
  }
  if (h.assumptions.length) {
    md.push('');
    md.push(`*Assumptions:* ${h.assumptions.slice(0, 3).join('; ')}${h.assumptions.length > 3 ? ` (+${h.assumptions.length - 3} more)` : ''}`);
  }
  if (h.note) {
    md.push('');
    md.push(`*Note:* ${h.note}`);
  }
  md.push('');
  const k = v.result.kernel;
  md.push(`Profile **${k.profile}** (${k.profileWhy}) · ${v.result.scenarios.count} scenarios (${v.result.scenarios.source})`);
  if (v.result.partial) md.push('', `**Incomplete:** ${incompleteText(v.result.simulated)} before the time budget (\`ext4WritePath.timeBudget\`) ran out.`);
  return { kind: MarkupKind.Markdown, value: md.join('\n') };
}

/**
 * A link to a deciding C line — the tree's line, or the patch line that adds it (`new`) —
 * labelled `file.c:N`, with its condition unless `withText` is false.
 */
function decidingCell(v: PatchView, h: HunkReview, why: string | undefined, o: RenderOptions, withText = true): string {
  const w = parseWhy(why);
  if (!w) return why ? shortCode(userText(why)) : '';
  // Plain clients: a table cell or the line above it holds the label only (a file URL would widen it).
  const label = decidingLink(v, h, w, displayFile(w.file).split('/').pop() ?? w.file, o.clientCommands ? o : { ...o, fileLinks: false });
  return withText ? `${label} ${shortCode(w.text)}` : label;
}

/** A file name as the reviewer knows it (without the `~graft` of a grafted function's rebuilt file). */
function displayFile(file: string): string {
  return file.replace(/~[\w-]+$/, '');
}

/**
 * `[file.c:N](command:openLocation …)`: a deciding step's line in the tree (`(before)`
 * when it is a line of the pre-image), or in the patch when the patch adds it (`(new)`:
 * the line is not on disk). Clients without our commands get a `file://…#LN` link (what
 * editors other than VS Code open), or, with `fileLinks: false`, the label alone. Plain
 * text when it cannot be found.
 */
function decidingLink(v: PatchView, h: HunkReview, w: { side: 'before' | 'after'; text: string; file: string; line: number }, name: string, o: RenderOptions & { fileLinks?: boolean }): string {
  const t = sourceTarget(v, h.key, w, w.side, h.functions);
  const label = `${name}:${t && t.how !== 'patch' ? t.line + 1 : w.line}${t?.how === 'patch' ? ' (new)' : w.side === 'before' ? ' (before)' : ''}`;
  if (!t) return label;
  if (o.clientCommands) return commandLink(label, CLIENT_COMMANDS.openLocation, [t.uri, t.line]);
  return o.fileLinks !== false && t.uri.startsWith('file:') ? `[${label}](${lineUrl(t)})` : label;
}

/** `file:///…/fs/ext4/file.c#L427`: a target as a URL other editors open (1-based line fragment). */
export function lineUrl(t: { uri: string; line: number }): string {
  return `${t.uri}#L${t.line + 1}`;
}

/**
 * Where a step of one side of hunk `key`'s images can be opened: a line the patch adds
 * (after side) or removes (before side) is shown in the patch document itself, since it
 * is not in the tree on disk; any other line is looked up in the base tree (verified,
 * see locate.ts). Undefined for model steps and when nothing fits.
 */
export function sourceTarget(
  v: PatchView,
  key: string,
  step: { file: string; line: number; text: string },
  side: 'before' | 'after',
  functions: readonly string[],
  cache: Map<string, string[]> = new Map(),
): SourceTarget | undefined {
  if (!step.line || step.file === 'model') return undefined;
  // Before-side lines are in the base tree when there is one; only without it does the
  // patch's removed text stand in.
  if (side === 'after' || !v.tree) {
    const inPatch = patchLineOf(v, key, step, side, cache);
    if (inPatch !== undefined) return { uri: v.uri, line: inPatch, how: 'patch' };
  }
  if (!v.tree) return undefined;
  const t = locateInTree(v.tree.base, step, functions, cache);
  return t ? { uri: treeUri(v.tree.root, t.file), line: t.line - 1, how: t.how } : undefined;
}

/** Index of the last patch the review applied in order (its post-image is `PatchView.postTexts`). */
function lastApplied(doc: PatchDocument): number {
  for (let i = doc.patches.length - 1; i >= 0; i--) if (!doc.patches[i].quoted && !doc.patches[i].isCoverLetter) return i;
  return -1;
}

/**
 * The document line of the patch's added (after) or removed (before) line that a step's
 * line is, in the same file and patch as hunk `key`. When the step's image is known (the
 * last patch of the series: its post-image is `postTexts`) the line's own text must match
 * exactly; else the step's identifiers must, on the nearest such line.
 */
function patchLineOf(v: PatchView, key: string, step: { file: string; line: number; text: string }, side: 'before' | 'after', cache: Map<string, string[]>): number | undefined {
  const [p] = key.split(':').map(Number);
  const patch = v.document.patches[p];
  if (!patch) return undefined;
  let exact: string | undefined;
  if (side === 'after' && v.postTexts && p === lastApplied(v.document)) {
    const k = `post:${step.file}`;
    let lines = cache.get(k);
    if (!lines) cache.set(k, (lines = v.postTexts.get(step.file)?.split('\n') ?? []));
    exact = lines[step.line - 1]?.trimEnd();
  }
  const ids = anchors(step.text).slice(0, 2);
  if (exact === undefined && !ids.length) return undefined;
  const matches = (text: string) => (exact !== undefined ? text.trimEnd() === exact : ids.every((w) => text.includes(w)));
  const kind = side === 'after' ? '+' : '-';
  let best: { doc: number; dist: number } | undefined;
  for (const fd of patch.files) {
    if ((side === 'after' ? fd.newPath : fd.oldPath) !== step.file) continue;
    for (const hk of fd.hunks) {
      let n = side === 'after' ? hk.newStart : hk.oldStart;
      for (const l of hk.lines) {
        if (l.kind === '\\') continue;
        if (l.kind === kind && matches(l.text)) {
          const dist = Math.abs(n - step.line);
          if (!best || dist < best.dist) best = { doc: l.docLine, dist };
        }
        if (l.kind === ' ' || l.kind === kind) n++;
      }
    }
  }
  // A hunk applied with an offset moves by tens of lines; further away is some other line.
  return best && best.dist <= 80 ? best.doc : undefined;
}

// ---------------------------------------------------------------------------------------
// Symbols and code lenses

/** Patch → file → hunk outline. */
export function patchSymbols(v: PatchView): DocumentSymbol[] {
  const byKey = new Map(allHunks(v.result).map((x) => [x.h.key, x.h]));
  const out: DocumentSymbol[] = [];
  const span = (rs: Range[], start: Position): Range => {
    let s = start;
    let e = start;
    for (const r of rs) {
      if (r.start.line < s.line || (r.start.line === s.line && r.start.character < s.character)) s = r.start;
      if (r.end.line > e.line || (r.end.line === e.line && r.end.character > e.character)) e = r.end;
    }
    return Range.create(s, e);
  };
  for (const p of v.document.patches) {
    const files: DocumentSymbol[] = [];
    p.files.forEach((fd, fi) => {
      const hunks: DocumentSymbol[] = [];
      fd.hunks.forEach((_, hi) => {
        const h = byKey.get(`${p.index}:${fi}:${hi}`);
        if (!h) return;
        hunks.push({ name: h.header, detail: userText(h.summary), kind: SymbolKind.Function, range: hunkRange(v, h), selectionRange: headerRange(h) });
      });
      // In a flattened document everything is on line 0: a file starts at its first hunk.
      const start = v.document.flattened && hunks.length ? hunks[0].range.start : Position.create(fd.docLine, 0);
      const range = span(hunks.map((x) => x.range), start);
      files.push({ name: fd.newPath ?? fd.oldPath ?? '(unknown file)', kind: SymbolKind.File, range, selectionRange: Range.create(range.start, range.start), children: hunks });
    });
    const start = v.document.flattened && files.length ? files[0].range.start : Position.create(p.docLine, 0);
    const range = span(files.map((x) => x.range), start);
    const name = `${p.subject ?? `patch ${p.index + 1}`}${p.quoted ? ' (quoted)' : ''}`;
    out.push({ name, detail: p.isCoverLetter ? 'cover letter' : p.from, kind: SymbolKind.Module, range, selectionRange: Range.create(range.start, range.start), children: files });
  }
  return out;
}

/**
 * A lens on every `@@` line with the hunk's one-line summary (it opens the hunk's trace),
 * and, on hunks that change something, a second one that opens the scenarios view there.
 * For a client without our commands the lenses run the server's text commands instead
 * (SERVER_COMMANDS.traceText / matrixText), which answer and show the trace and the
 * changed scenarios as text.
 */
export function patchCodeLenses(v: PatchView, o: RenderOptions = {}, mode: 'changes' | 'all' | 'off' = 'all'): CodeLens[] {
  const out: CodeLens[] = [];
  if (mode === 'off') return out;
  const traceCmd = o.clientCommands ? CLIENT_COMMANDS.showTrace : SERVER_COMMANDS.traceText;
  const matrixCmd = o.clientCommands ? CLIENT_COMMANDS.showScenarios : SERVER_COMMANDS.matrixText;
  for (const { h } of allHunks(v.result)) {
    // Quiet by default (issue 13 §6): a lens where there is something to read.
    if (mode === 'changes' && !h.scenariosChanged && !h.findings.length && !h.unknown?.length && !/time budget|not simulated|did not apply/.test(h.summary)) continue;
    const text = userText(h.summary);
    const summary = text.length > 200 ? `${text.slice(0, 199)}…` : text;
    const broken = h.findings.some((f) => f.status === 'new' && f.severity === 'error');
    // A hunk with scenarios it cannot tell about never gets the check mark of a clean hunk.
    const icon = !o.codicons ? '' : broken ? '$(error) ' : h.scenariosChanged ? '$(warning) ' : h.unknown?.length ? '$(question) ' : h.scenariosRun ? '$(check) ' : '$(circle-slash) ';
    out.push({ range: headerRange(h), command: { title: `${icon}${summary}`, command: traceCmd, arguments: [v.uri, h.docLine] } });
    if (h.scenariosChanged) {
      out.push({ range: headerRange(h), command: { title: `${o.codicons ? '$(table) ' : ''}scenarios`, command: matrixCmd, arguments: [v.uri, h.docLine] } });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Code actions

/** The scenario and side "Show the trace" opens for a hunk: its first change, else its first finding. */
function traceTarget(h: HunkReview): { scenario: string; side: 'before' | 'after' } | undefined {
  const c = h.changes[0];
  if (c) return { scenario: c.scenario, side: 'after' };
  const f = h.findings[0];
  return f ? { scenario: f.scenario, side: f.status === 'fixed' ? 'before' : 'after' } : undefined;
}

/** Where a hunk's deciding C line opens: the tree's line, or the patch's own line when the patch adds it. */
export function decidingTarget(v: PatchView, h: HunkReview): SourceTarget | undefined {
  return h.deciding ? sourceTarget(v, h.key, h.deciding, h.deciding.side, h.functions) : undefined;
}

/**
 * The review comment of a hunk: its email text (review/email.ts `formatHunkComment`: the
 * file's header and the trimmed hunk `> `-quoted, then the findings and changed outcomes
 * in sentences), everything included whatever its severity. Undefined when the hunk's key
 * does not resolve in the document.
 */
export function reviewComment(v: PatchView, h: HunkReview, scenarios: readonly Scenario[] = []): TextResponse | undefined {
  const at = hunkForKey(v.document, h.key);
  if (!at) return undefined;
  const text = formatHunkComment(h, at.hunk, { file: at.file, fileHeader: true, scenarios: new Map(scenarios.map((s) => [s.id, s])) });
  const path = at.file.newPath ?? at.file.oldPath ?? '';
  return { title: `review comment on ${path} ${h.header}`, text };
}

/**
 * Quick fixes on the hunks with diagnostics (changed outcomes or findings) whose `@@`
 * line `range` touches: "Show the trace", "Go to the deciding line" and "Copy as review comment".
 * Each carries the client's own command when it has ours (VS Code; copying only when it
 * lists OPTIONAL_CLIENT_COMMANDS.copyText, the comment then in the arguments), else a
 * SERVER_COMMANDS text command; `diagnostics` are the request's diagnostics of ours on
 * that hunk's `@@` line. `scenarios` describe the scenarios in the comment's words.
 */
export function patchCodeActions(v: PatchView, range: Range, diagnostics: readonly Diagnostic[], o: RenderOptions = {}, scenarios: readonly Scenario[] = []): CodeAction[] {
  const out: CodeAction[] = [];
  for (const { h } of allHunks(v.result)) {
    if (!h.scenariosChanged && !h.findings.length) continue;
    // On the `@@` line (where the diagnostics are), not on every line of the hunk: a
    // lightbulb on each line of the code under review would only be noise.
    const ours = diagnostics.filter((d) => d.source === SOURCE && d.range.start.line === h.docLine);
    if (!ours.length && (range.end.line < h.docLine || range.start.line > h.docLine)) continue;
    const act = (title: string, command: Command): CodeAction => ({ title, kind: CodeActionKind.QuickFix, ...(ours.length ? { diagnostics: [...ours] } : {}), command });
    const tr = traceTarget(h);
    if (tr) {
      const cmd = o.clientCommands ? CLIENT_COMMANDS.showTrace : SERVER_COMMANDS.traceText;
      out.push(act(`Show the trace (${tr.scenario}, ${tr.side === 'after' ? 'after' : 'before'} the patch)`, { title: 'Show the trace', command: cmd, arguments: [v.uri, h.docLine, tr.scenario, tr.side] }));
    }
    const t = decidingTarget(v, h);
    if (t) {
      const where = `${displayFile(h.deciding!.file)}:${t.how === 'patch' ? `${h.deciding!.line}, in the patch` : t.line + 1}`;
      const cmd = o.clientCommands ? CLIENT_COMMANDS.openLocation : SERVER_COMMANDS.openLocation;
      out.push(act(`Go to the deciding line (${where})`, { title: 'Go to the deciding line', command: cmd, arguments: o.clientCommands ? [t.uri, t.line] : [t.uri, t.line, 'deciding line'] }));
    }
    if (o.clientCommands && o.optionalCommands?.includes(OPTIONAL_CLIENT_COMMANDS.copyText)) {
      const c = reviewComment(v, h, scenarios);
      if (c) out.push(act('Copy as review comment', { title: 'Copy as review comment', command: OPTIONAL_CLIENT_COMMANDS.copyText, arguments: [c.text, c.title] }));
    } else if (hunkForKey(v.document, h.key)) {
      out.push(act('Copy as review comment', { title: 'Copy as review comment', command: SERVER_COMMANDS.reviewComment, arguments: [v.uri, h.docLine] }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Status

/** The status-bar summary of a patch document, with a markdown tooltip listing the hunks that change something. */
export function patchStatus(v: PatchView, noKernel: boolean): StatusParams {
  const all = allHunks(v.result);
  const hs = all.map((x) => x.h);
  const changed = hs.filter((h) => h.scenariosChanged > 0).length;
  const broken = new Set(hs.flatMap((h) => h.findings.filter((f) => f.status === 'new' && f.severity === 'error').map((f) => f.code)));
  const fixed = new Set(hs.flatMap((h) => h.findings.filter((f) => f.status === 'fixed').map((f) => f.code)));
  // An incomplete review never says "no write-path change" (issue 13): it says how far it got.
  const sim = v.result.simulated;
  const incomplete = v.result.partial ? `incomplete: ${sim.done} of ${sim.total} scenarios (time budget)` : '';
  // "No change" only where every scenario could be told; else "no change where it could tell".
  const quiet = v.result.unknownScenarios ? 'ext4: no write-path change where it could tell' : 'ext4: no write-path change';
  let text = changed ? `ext4: ${plural(changed, 'hunk')} changed` : incomplete ? 'ext4:' : hs.length ? quiet : 'ext4: no hunks';
  if (broken.size) text += `, ${plural(broken.size, 'invariant')} broken`;
  if (incomplete) text += changed || broken.size ? `; ${incomplete}` : ` ${incomplete}`;
  // Degraded results look degraded: what did not apply and what cannot be told are in the
  // status too, not only in the Problems panel.
  const failed = v.result.problems.filter((p) => p.kind === 'hunk-failed').length;
  if (failed) text += `; ${plural(failed, 'hunk')} did not apply`;
  const refused = v.result.problems.some((p) => p.kind === 'profile-refused');
  if (refused) text += '; kernelVersion setting not used';
  if (v.result.unknownScenarios) text += `; cannot tell for ${plural(v.result.unknownScenarios, 'scenario')}`;
  if (noKernel) text += ' (no kernel tree: hunk-only)';
  const state = noKernel ? 'no-kernel' : broken.size ? 'error' : changed || v.result.partial || failed || refused || v.result.unknownScenarios ? 'warning' : 'ok';
  const k = v.result.kernel;
  const md: string[] = [`**ext4 write path** — ${plural(hs.length, 'hunk')}, ${changed} with write-path changes`, ''];
  if (broken.size) md.push(`$(error) breaks ${[...broken].map((c) => code(c)).join(', ')}`, '');
  if (fixed.size) md.push(`$(pass) fixes ${[...fixed].map((c) => code(c)).join(', ')}`, '');
  for (const { path, h } of all.filter((x) => x.h.scenariosChanged).slice(0, 8)) md.push(`* ${code(`${path.split('/').pop()} ${h.header}`)} ${userText(h.summary)}`);
  if (changed > 8) md.push(`* … ${changed - 8} more`);
  md.push('', noKernel ? '*No kernel tree: each hunk was analysed on its own. Click to pick a tree.*' : `Tree ${code(k.tree ?? '?')} · profile **${k.profile}** · ${v.result.scenarios.count} scenarios · click for the scenarios view`);
  return { uri: v.uri, text, state, kind: 'patch', detail: md.join('\n') };
}

/** The status of a document being analysed, with the fraction of scenario runs done when known. */
export function busyStatus(uri: string, kind?: 'patch' | 'c', progress?: number): StatusParams {
  const pct = progress !== undefined ? ` ${Math.round(progress * 100)}%` : '';
  return { uri, text: `ext4: analysing…${pct}`, state: 'busy', ...(kind ? { kind } : {}), ...(progress !== undefined ? { progress } : {}) };
}

// ---------------------------------------------------------------------------------------
// Traces and the matrix

/** One trace step as a text line: `file:line  text → result  [values]`, indented by depth. */
function stepLine(st: Omit<TraceStep, 'guards'>, depth0: number): string {
  const indent = '  '.repeat(Math.max(0, st.depth - depth0));
  const where = st.file === 'model' || !st.line ? `model ${st.fn}` : `${displayFile(st.file)}:${st.line}`;
  const what = st.kind === 'call' ? `${st.fn}()` : st.text;
  const result = st.result !== undefined ? ` → ${st.result}` : '';
  const values = st.values && Object.keys(st.values).length ? `  [${Object.entries(st.values).map(([k, x]) => `${k}=${x}`).join(', ')}]` : '';
  const cite = st.cite ? `  (${st.cite})` : '';
  return `${indent}${where}  ${st.kind === 'call' ? 'call ' : ''}${what}${result}${values}${cite}`.replace(/```/g, "'''");
}

/** The outcome fields of one result, for trace headers and the matrix. */
export function outcomeFields(r: ScenarioResult | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!r) return out;
  for (const f of CHANGE_FIELDS) out[f] = fieldText(r.outcome, f);
  return out;
}

/** A scenario trace as markdown: a header with the outcome, then one line per step (capped). */
export function traceMarkdown(t: ScenarioTrace, where: string, result?: ScenarioResult): string {
  const md: string[] = [];
  md.push(`### ${t.scenario} — ${t.side === 'after' ? 'after the change' : 'before the change'}`);
  md.push('');
  md.push(where);
  const o = outcomeFields(result);
  if (Object.keys(o).length) {
    md.push('');
    md.push(Object.entries(o).map(([k, x]) => `**${FIELD_LABEL[k as ChangeField] ?? k}** ${x}`).join(' · '));
  }
  md.push('');
  md.push('```text');
  const depth0 = Math.min(...t.steps.map((s) => s.depth), 0);
  for (const st of t.steps.slice(0, MAX_STEPS)) md.push(stepLine(st, depth0));
  if (t.steps.length > MAX_STEPS) md.push(`… ${t.steps.length - MAX_STEPS} more steps`);
  md.push('```');
  return md.join('\n');
}

/**
 * A trace as plain text, for clients without the trace view (SERVER_COMMANDS.traceText):
 * what was traced, the request, the outcome (before → after where the other side
 * differs), then one line per step.
 */
export function traceText(t: TraceResponse): TextResponse {
  const sideText = t.hasOtherSide ? (t.side === 'after' ? 'after the patch' : 'before the patch') : 'current text';
  const title = `trace of ${t.scenario}, ${sideText}${t.where ? ` — ${userText(t.where)}` : ''}`;
  const out: string[] = [title];
  if (t.dimensions) out.push(`request: ${Object.entries(t.dimensions).map(([k, x]) => `${k} ${x}`).join(', ')}`);
  const labels = t.fieldLabels ?? fieldLabels();
  if (t.outcome) {
    const parts = Object.entries(t.outcome).map(([k, x]) => {
      const other = t.otherOutcome?.[k];
      const shown = (y: string) => (k === 'lockSequence' ? compactLockSequence(y) : y);
      const val = other !== undefined && other !== x ? (t.side === 'after' ? `${shown(other)} → ${shown(x)}` : `${shown(x)} → ${shown(other)}`) : shown(x);
      return `${labels[k] ?? k}: ${val}`;
    });
    out.push(`outcome${t.otherOutcome ? ' (before → after where they differ)' : ''}: ${parts.join('; ')}`);
  }
  const steps = t.steps ?? [];
  const parting = steps.filter((x) => x.diverges);
  if (parting.length) {
    // What a reviewer looks for first, before the whole run (a message may show only the start).
    out.push('', `where the run ${t.side === 'after' ? 'after the patch parts from the one before' : 'before the patch parts from the one after'}:`);
    for (const st of parting.slice(0, 12)) out.push(`  ${stepLine({ ...st, depth: 0 }, 0)}`);
    if (parting.length > 12) out.push(`  … ${parting.length - 12} more (marked * below)`);
  }
  if (steps.length) {
    out.push('', `${plural(steps.length, 'step')}${parting.length ? ' (* where before and after part)' : ''}:`);
    const depth0 = Math.min(...steps.map((x) => x.depth), 0);
    for (const st of steps.slice(0, MAX_STEPS)) out.push(`${st.diverges ? '* ' : '  '}${stepLine(st, depth0)}`);
    if (steps.length > MAX_STEPS) out.push(`… ${steps.length - MAX_STEPS} more steps`);
  } else out.push('', t.markdown);
  if (t.scenarios.length > 1) out.push('', `other scenarios of this code: ${someOf(t.scenarios.filter((x) => x !== t.scenario), 8)}`);
  return { title, text: out.join('\n') };
}

/** Lines of a text command's answer shown in a message; the rest is in the log and the command's result. */
const MAX_MESSAGE_LINES = 60;

/** A text command's answer as one message: the title, then the text cut at MAX_MESSAGE_LINES lines. */
export function messageText(r: TextResponse): string {
  const lines = r.text.split('\n');
  const shown = lines[0] === r.title ? lines.slice(1) : lines;
  const cut = shown.length > MAX_MESSAGE_LINES ? [...shown.slice(0, MAX_MESSAGE_LINES), `… ${shown.length - MAX_MESSAGE_LINES} more lines in the server log`] : shown;
  return [`ext4 write path: ${r.title}`, ...cut].join('\n');
}

/** `a, b, c` wrapped to lines of at most `width` columns, each indented by `indent`. */
function wrapList(xs: readonly string[], width = 100, indent = '  '): string[] {
  const lines: string[] = [];
  let cur = indent;
  for (const x of xs) {
    const piece = cur.trim() ? `, ${x}` : x;
    if (cur.length + piece.length > width && cur.trim()) {
      lines.push(`${cur},`);
      cur = indent + x;
    } else cur += piece;
  }
  if (cur.trim()) lines.push(cur);
  return lines;
}

/**
 * The scenarios of a hunk as plain text, for clients without the scenarios view
 * (SERVER_COMMANDS.matrixText): each scenario the review attributes to the hunk with its
 * changed fields (before → after), then the unchanged ones by name.
 */
export function matrixText(m: ScenarioMatrixResponse): TextResponse {
  const h = m.hunk;
  const title = h ? `scenarios of ${h.path} ${h.header}${h.functions.length ? ` (${h.functions.map((f) => `${f}()`).join(', ')})` : ''}` : 'scenarios: no simulated hunk here';
  const out: string[] = [title];
  if (!h) return { title, text: out.join('\n') };
  const labels = m.fieldLabels ?? fieldLabels();
  const mine = new Set(m.hunkScenarios ?? []);
  const changed = m.rows.filter((r) => mine.has(r.scenario));
  const unchanged = m.rows.filter((r) => !mine.has(r.scenario));
  out.push(`${userText(h.summary)}${m.profile ? ` · profile ${m.profile}` : ''}${m.scenarioSource ? ` · ${m.scenarioSource}` : ''}`);
  if (changed.length) {
    out.push('', `${changed.length} of ${m.rows.length} scenarios that run this code change (before → after):`);
    const width = Math.min(48, Math.max(...changed.map((r) => r.scenario.length)));
    for (const r of changed) {
      const shown = (f: string, y: string) => (f === 'lockSequence' ? compactLockSequence(y) : y);
      const what = r.changed.map((f) => `${labels[f] ?? f} ${shown(f, r.before[f])} → ${shown(f, r.after[f])}`).join('; ');
      out.push(`  ${r.scenario.padEnd(width)}  ${what || '(changed only with the rest of the patch)'}`);
    }
  }
  if (unchanged.length) out.push('', `${unchanged.length} unchanged:`, ...wrapList(unchanged.map((r) => r.scenario)));
  return { title, text: out.join('\n') };
}

/** Steps a trace view receives at most (a run keeps at most TRACE_LIMIT = 2000; no reader wants those all). */
const MAX_VIEW_STEPS = 3000;

/**
 * Trace steps for the trace view: the interpreter's steps plus where each can be opened
 * and whether it is where this side's run parts from the other side's.
 */
export function traceStepViews(steps: readonly TraceStep[], target: (st: TraceStep) => SourceTarget | undefined, diverging?: ReadonlySet<TraceStep>): TraceStepView[] {
  return steps.slice(0, MAX_VIEW_STEPS).map((st) => {
    const t = target(st);
    return {
      kind: st.kind,
      fn: st.fn,
      file: displayFile(st.file),
      line: st.line,
      text: st.text,
      ...(st.result !== undefined ? { result: st.result } : {}),
      ...(st.values && Object.keys(st.values).length ? { values: st.values } : {}),
      ...(st.cite ? { cite: st.cite } : {}),
      depth: st.depth,
      ...(t ? { target: t } : {}),
      ...(diverging?.has(st) ? { diverges: true } : {}),
    };
  });
}

/** Display names of the outcome fields, in the matrix view's column order. */
export function fieldLabels(): Record<string, string> {
  return Object.fromEntries(ROW_ORDER.map((f) => [f, FIELD_LABEL[f]]));
}

/** A hunk as the scenarios view lists it. */
export function matrixHunk(path: string, h: HunkReview): MatrixHunk {
  return { line: h.docLine, path, header: h.header, functions: h.functions, summary: userText(h.summary), scenariosRun: h.scenariosRun, scenariosChanged: h.scenariosChanged };
}

/** The request dimensions of a scenario, for the matrix view. */
export function scenarioDimensions(s: Scenario): Record<string, string> {
  const bs = s.mount.blockSize;
  const { pos, len } = s.request;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  let target: string;
  if (pos >= s.inode.size) target = 'beyond EOF';
  else if (pos + len > s.inode.size) target = 'straddles EOF';
  else {
    const names: Record<string, string> = { W: 'written', U: 'unwritten', _: 'hole', D: 'delalloc' };
    const kinds = new Set<string>();
    for (let b = Math.floor(pos / bs); b <= Math.floor((pos + len - 1) / bs); b++) kinds.add(names[s.inode.blocks[b] ?? '_'] ?? 'hole');
    target = kinds.size === 1 ? [...kinds][0] : `mixed (${[...kinds].join(', ')})`;
  }
  const env = Object.entries(s.env).filter(([, x]) => x === true).map(([k]) => k);
  return {
    direct: yes(s.request.direct),
    aio: yes(s.request.aio),
    nowait: yes(s.request.nowait),
    atomic: yes(s.request.atomic),
    dsync: yes(s.request.dsync),
    aligned: yes(pos % bs === 0 && len % bs === 0),
    target,
    nosec: s.inode.nosec ? 'warm' : 'cold',
    mapping: s.inode.mapping,
    flags: s.inode.flags.join(',') || '-',
    mount: [s.mount.dataJournal ? 'data=journal' : '', s.mount.dioreadNolock ? '' : 'nodioread_nolock', s.mount.delalloc ? '' : 'nodelalloc'].filter(Boolean).join(',') || 'default',
    env: env.join(',') || '-',
  };
}

/** Matrix rows: dimensions plus before/after outcome fields and the names of the fields that changed. */
export function matrixRows(scenarios: readonly Scenario[], results: (id: string) => { before?: ScenarioResult; after?: ScenarioResult }): ScenarioMatrixResponse['rows'] {
  return scenarios.map((s) => {
    const r = results(s.id);
    const before = outcomeFields(r.before);
    const after = outcomeFields(r.after);
    const changed = CHANGE_FIELDS.filter((f) => before[f] !== undefined && after[f] !== undefined && before[f] !== after[f]);
    return { scenario: s.id, dimensions: scenarioDimensions(s), before, after, changed };
  });
}

// ---------------------------------------------------------------------------------------
// fs/ext4 C documents

/** Diagnostics of a C document: invariants the current code breaks, at the first line of the function they are placed on. */
export function cFileDiagnostics(uri: string, a: CFileAnalysis, lines: readonly string[], docsBase: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of a.findings) {
    const fn = a.functions.find((x) => x.name === f.function);
    if (!fn) continue;
    const related: DiagnosticRelatedInformation[] = f.decisions.map((st) => ({
      location: { uri, range: Range.create(st.line - 1, 0, st.line - 1, 0) },
      message: `${f.scenarios[0]}, a last decision in this file: ${st.text}${st.result !== undefined ? ` → ${st.result}` : ''}`,
    }));
    out.push({
      range: Range.create(fn.startRow, 0, fn.startRow, lines[fn.startRow]?.length ?? 0),
      severity: SEVERITY[f.severity],
      code: f.code,
      ...(CHECK_IDS.has(f.code) ? { codeDescription: { href: checkDocUrl(f.code, docsBase) } } : {}),
      source: SOURCE,
      message: `${f.code}: ${f.message} (${plural(f.scenarios.length, 'scenario')} through ${f.function}(): ${someOf(f.scenarios, 3)})`,
      ...(related.length ? { relatedInformation: related } : {}),
    });
  }
  if (a.partial) {
    out.push({ range: Range.create(0, 0, 0, 0), severity: DiagnosticSeverity.Information, code: 'time-budget', source: SOURCE, message: `partial analysis: ${a.results.size} of ${a.scenarios.length} scenarios simulated within the time budget` });
  }
  return out;
}

/**
 * Quick fixes on the findings of a C document whose function's first line `range`
 * touches: "Show the trace" of the finding's first scenario and "Go to the deciding line"
 * (the last decision that scenario took in this file), with the client's commands or the
 * server's text commands as in patchCodeActions.
 */
export function cFileCodeActions(uri: string, a: CFileAnalysis, range: Range, diagnostics: readonly Diagnostic[], o: RenderOptions = {}): CodeAction[] {
  const out: CodeAction[] = [];
  for (const f of a.findings) {
    const fn = a.functions.find((x) => x.name === f.function);
    if (!fn || range.end.line < fn.startRow || range.start.line > fn.startRow) continue;
    const ours = diagnostics.filter((d) => d.source === SOURCE && d.code === f.code && d.range.start.line === fn.startRow);
    const act = (title: string, command: Command): CodeAction => ({ title, kind: CodeActionKind.QuickFix, ...(ours.length ? { diagnostics: [...ours] } : {}), command });
    const sc = f.scenarios[0];
    if (sc) out.push(act(`Show the trace (${sc}, ${f.code})`, { title: 'Show the trace', command: o.clientCommands ? CLIENT_COMMANDS.showTrace : SERVER_COMMANDS.traceText, arguments: [uri, fn.startRow, sc, 'after'] }));
    const last = f.decisions[f.decisions.length - 1];
    if (last?.line) out.push(act(`Go to the deciding line (${a.rel}:${last.line}, ${f.code})`, { title: 'Go to the deciding line', command: o.clientCommands ? CLIENT_COMMANDS.openLocation : SERVER_COMMANDS.openLocation, arguments: o.clientCommands ? [uri, last.line - 1] : [uri, last.line - 1, 'deciding line'] }));
  }
  return out;
}

/** The short unwritten-handling text of an outcome (the C-function hover's legend explains the words). */
function unwrittenText(r: ScenarioResult): string {
  const o = r.outcome;
  const parts = [o.dioUnwritten ? 'flagged' : '', o.unwrittenConverted ? 'converted' : '', o.unwrittenLeft ? 'LEFT' : ''].filter(Boolean);
  return parts.join(', ') || '—';
}

/** `inode_dio_wait` / `IOMAP_DIO_FORCE_WAIT` / `wait-after-EIOCBQUEUED`, short enough for a table cell. */
const WAIT_SHORT: Record<string, string> = { inode_dio_wait: 'inode_dio_wait', IOMAP_DIO_FORCE_WAIT: 'FORCE_WAIT', 'wait-after-EIOCBQUEUED': 'after queued' };

/** Row labels of the C-function hover's outcome groups: A, B, … Z, then A2, B2, … */
const groupLabel = (i: number) => `${String.fromCharCode(65 + (i % 26))}${i >= 26 ? Math.floor(i / 26) + 1 : ''}`;

/**
 * The hover of a C function the matrix runs: scenarios grouped by outcome. The table is
 * narrow enough for a default-size hover (about 500 px): each group is a letter with its
 * count, and the scenario names (long, hyphenated: they would wrap a word per line in a
 * table cell) are listed under the table by letter. Scenario names open their trace in a
 * client with our commands.
 */
export function cFunctionHover(uri: string, a: CFileAnalysis, name: string, o: RenderOptions = {}): MarkupContent | undefined {
  const ids = a.runs.get(name);
  const fn = a.functions.find((f) => f.name === name);
  if (!ids?.length || !fn) return undefined;
  const groups = new Map<string, { row: string[]; scenarios: string[] }>();
  for (const id of ids) {
    const r = a.results.get(id)!;
    const out = r.outcome;
    const path = out.path === 'error' ? `error ${out.ret}` : out.fallback && out.fallback !== 'none' ? `${out.path} (fallback: ${out.fallback})` : out.path;
    const row = out.inconclusive ? ['inconclusive', '', '', ''] : out.unknowns?.length ? ['cannot tell', '', '', ''] : [path, out.lockAcrossIo, out.waits.map((w) => WAIT_SHORT[w] ?? w).join(', ') || '—', unwrittenText(r)];
    const k = row.join('\u0000');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { row, scenarios: [] }));
    g.scenarios.push(id);
  }
  const sorted = [...groups.values()].sort((x, y) => y.scenarios.length - x.scenarios.length);
  const trace = (id: string) => (o.clientCommands ? commandLink(id, CLIENT_COMMANDS.showTrace, [uri, fn.startRow, id, 'after']) : code(id));
  const md: string[] = [];
  md.push(`**${name}()** · run by ${ids.length} of ${a.scenarios.length} scenarios (${a.scenarioSource})${a.partial ? ' — partial: time budget' : ''}`);
  md.push('');
  md.push('| | # | path | lock across IO | waits | unwritten |');
  md.push('|---|--:|---|---|---|---|');
  const shownGroups = sorted.slice(0, MAX_ROWS);
  shownGroups.forEach((g, i) => md.push(`| **${groupLabel(i)}** | ${g.scenarios.length} | ${g.row.map(cell).join(' | ')} |`));
  if (sorted.length > MAX_ROWS) md.push(`| | ${sorted.slice(MAX_ROWS).reduce((n, g) => n + g.scenarios.length, 0)} | … ${sorted.length - MAX_ROWS} more outcome groups | | | |`);
  md.push('');
  // One line per group, outside the table: the names get the hover's whole width.
  for (const [i, g] of shownGroups.entries()) md.push(`* **${groupLabel(i)}**: ${g.scenarios.slice(0, 2).map(trace).join(', ')}${g.scenarios.length > 2 ? ` +${g.scenarios.length - 2}` : ''}`);
  const broken = a.findings.filter((f) => f.function === name);
  for (const f of broken) {
    md.push('');
    md.push(`**Breaks** ${code(f.code)} in ${someOf(f.scenarios, 3)}: ${f.message}`);
  }
  md.push('');
  md.push(`*Legend:* **lock across IO**: ${FIELD_LEGEND.lockAcrossIo} · **waits**: \`inode_dio_wait\`, FORCE_WAIT = \`IOMAP_DIO_FORCE_WAIT\`, after queued = waited after \`-EIOCBQUEUED\` · **unwritten**: flagged = the IO asks \`->end_io\` to convert (\`IOMAP_DIO_UNWRITTEN\`), converted = converted after the IO, LEFT = written blocks left unwritten${o.clientCommands ? ' · a scenario name opens its trace' : ''}`);
  const assumptions = [...new Set(ids.flatMap((id) => a.results.get(id)!.outcome.assumptions))];
  if (assumptions.length) {
    md.push('');
    md.push(`*Assumptions:* ${assumptions.slice(0, 3).join('; ')}${assumptions.length > 3 ? ` (+${assumptions.length - 3} more)` : ''}`);
  }
  md.push('');
  md.push(`Profile **${a.profile}** (${a.profileWhy})`);
  return { kind: MarkupKind.Markdown, value: md.join('\n') };
}

/** The status-bar summary of an fs/ext4 C document: how many of its functions the matrix runs, invariants broken. */
export function cStatus(uri: string, a: CFileAnalysis): StatusParams {
  if (!a.interpreted) return { uri, text: `ext4: ${a.rel} is not simulated`, state: 'ok', kind: 'c' };
  const run = [...a.runs.keys()].length;
  const broken = new Set(a.findings.filter((f) => f.severity === 'error').map((f) => f.code));
  let text = `ext4: ${plural(run, 'function')} of ${a.rel} run by the matrix`;
  if (broken.size) text += `, ${plural(broken.size, 'invariant')} broken`;
  if (a.partial) text += ' (partial: time budget)';
  return { uri, text, state: broken.size ? 'error' : a.partial ? 'warning' : 'ok', kind: 'c' };
}

/** Trace of a C document's function: the whole scenario run, as markdown. */
export function cTraceMarkdown(a: CFileAnalysis, name: string, scenario: string): string | undefined {
  const r = a.results.get(scenario);
  if (!r) return undefined;
  return traceMarkdown({ scenario, side: 'after', steps: r.trace }, `${code(a.rel)} · ${code(`${name}()`)} · current text`, r);
}
