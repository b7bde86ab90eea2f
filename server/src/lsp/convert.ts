/**
 * The one adapter between plain review results and LSP types: diagnostics, hover
 * markdown, document symbols, code lenses, trace markdown, the scenario matrix and the
 * status text. Pure functions of their inputs — no connection, no I/O — so the review
 * layers stay free of LSP and this module can be tested on plain data.
 */
import { pathToFileURL } from 'node:url';
import {
  CodeLens,
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
import { CLIENT_COMMANDS, ScenarioMatrixResponse, StatusParams } from '../protocol';
import { CHECKS, checkDocUrl } from '../review/checks';
import { CHANGE_FIELDS, fieldText } from '../review/compare';
import { groupChanges } from '../review/format';
import type { BaseTree } from '../review/review';
import type { ChangeField, HunkFinding, HunkReview, ReviewResult, ScenarioTrace } from '../review/types';
import type { Scenario } from '../scenario/types';
import type { CFileAnalysis } from './cfile';
import { treePath } from './kernels';
import { locateInTree } from './locate';

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
  budgetMs: number;
}

/** Field-change warnings: which outcome fields each diagnostic code covers, and how a field is named. */
const CATEGORIES: ReadonlyArray<{ code: string; label: string; fields: readonly ChangeField[] }> = [
  { code: 'fallback-change', label: 'fallback', fields: ['fallback', 'path'] },
  { code: 'lock-change', label: 'lock', fields: ['lockAcrossIo', 'lockSequence'] },
  { code: 'unwritten-change', label: 'unwritten', fields: ['dioUnwritten', 'unwrittenConverted', 'unwrittenLeft'] },
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
  ret: 'ret',
};
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
  return `${label}: ${g.before} → ${g.after} in ${plural(g.scenarios.length, 'scenario')} (${someOf(g.scenarios)})${withWhy && g.why ? ` because ${g.why}` : ''}`;
}

/**
 * Diagnostics of a patch document: Error per newly broken invariant, Warning per changed
 * fallback / lock / unwritten behaviour, Information per hunk summary and fixed invariant,
 * plus the document's problems. "No write-path change" is not a diagnostic.
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
  for (const { path, h } of allHunks(v.result)) {
    if (!h.scenariosChanged && !h.findings.length) continue;
    const range = hunkRange(v, h);
    const related = decidingInfo(v, h);
    for (const { f, scenarios } of findingGroups(h.findings)) {
      const sev = f.status === 'new' ? SEVERITY[f.severity] : DiagnosticSeverity.Information;
      const verb = f.status === 'new' ? 'breaks' : 'fixes';
      out.push(mk(range, sev, f.code, `${verb} ${f.code}: ${f.message.replace(/^fixed: /, '')} (${plural(scenarios.length, 'scenario')}: ${someOf(scenarios, 3)})`, related));
    }
    const groups = groupChanges(h);
    for (const c of CATEGORIES) {
      const gs = groups.filter((g) => c.fields.includes(g.field as ChangeField));
      if (!gs.length) continue;
      // The primary field first (lock mode across the IO before the lock sequence), then the widest change.
      gs.sort((a, b) => c.fields.indexOf(a.field as ChangeField) - c.fields.indexOf(b.field as ChangeField) || b.scenarios.length - a.scenarios.length);
      const lines = [changeLine(gs[0], true), ...gs.slice(1, 4).map((g) => changeLine(g, false))];
      if (gs.length > 4) lines.push(`+${gs.length - 4} more ${c.label} changes`);
      out.push(mk(range, DiagnosticSeverity.Warning, c.code, lines.join('\n'), related));
    }
    if (h.scenariosChanged) out.push(mk(range, DiagnosticSeverity.Information, 'write-path-change', `${path} ${h.functions.length ? `${h.functions.join(', ')}: ` : ''}${h.summary}`, related));
  }
  for (const p of v.result.problems) {
    // The budget is reported once, as information (below), not as a warning per document.
    if (v.result.partial && /^time budget/.test(p.message)) continue;
    const line = Math.max(0, Math.min(p.line ?? 0, v.lines.length - 1));
    out.push(mk(Range.create(line, 0, line, v.lines[line]?.length ?? 0), SEVERITY[p.severity], 'patch-problem', p.message));
  }
  if (v.result.partial) {
    const all = allHunks(v.result).length;
    const done = allHunks(v.result).filter((x) => !/time budget exhausted/.test(x.h.summary)).length;
    out.push(mk(Range.create(0, 0, 0, v.lines[0]?.length ?? 0), DiagnosticSeverity.Information, 'time-budget', `partial analysis: the time budget (ext4WritePath.timeBudget = ${v.budgetMs} ms) ran out; ${done} of ${all} hunks annotated`));
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
 * The hover of a hunk: the changed scenarios grouped by what changed, the unchanged count,
 * findings, a few assumptions, and the profile with why it was chosen.
 */
export function patchHover(v: PatchView, path: string, h: HunkReview): MarkupContent {
  const md: string[] = [];
  md.push(`**ext4 write path** · ${code(path)} ${code(h.header)}${h.functions.length ? ` · ${h.functions.map((f) => code(`${f}()`)).join(', ')}` : ''}`);
  md.push('');
  md.push(h.summary);
  const trace = (scenario: string) => commandLink(scenario, CLIENT_COMMANDS.showTrace, [v.uri, h.docLine, scenario, 'after']);
  const groups = groupChanges(h);
  if (groups.length) {
    md.push('');
    md.push('| field | before → after | scenarios | because |');
    md.push('|---|---|---|---|');
    for (const g of groups.slice(0, MAX_ROWS)) {
      const sc = `${g.scenarios.length}: ${g.scenarios.slice(0, 2).map(trace).join(', ')}${g.scenarios.length > 2 ? ', …' : ''}`;
      md.push(`| ${FIELD_LABEL[g.field as ChangeField] ?? g.field} | ${cell(`${g.before} → ${g.after}`)} | ${sc} | ${g.why ? code(g.why) : ''} |`);
    }
    if (groups.length > MAX_ROWS) md.push(`| … | ${groups.length - MAX_ROWS} more changes | | |`);
  }
  md.push('');
  if (h.scenariosRun) md.push(`${plural(h.scenariosRun - h.scenariosChanged, 'scenario')} unchanged (of ${h.scenariosRun} that run this code).`);
  for (const { f, scenarios } of findingGroups(h.findings)) {
    md.push('');
    md.push(`**${f.status === 'new' ? 'Breaks' : 'Fixes'}** ${code(f.code)} in ${someOf(scenarios, 3)}: ${f.message.replace(/^fixed: /, '')}`);
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
  const links: string[] = [];
  const first = h.changes[0]?.scenario;
  if (h.scenariosRun) links.push(commandLink('Show trace', CLIENT_COMMANDS.showTrace, first ? [v.uri, h.docLine, first, 'after'] : [v.uri, h.docLine]));
  const loc = decidingLocation(v, h);
  if (loc) links.push(`[deciding line ${h.deciding!.file}:${loc.line}](${loc.uri}#L${loc.line})`);
  md.push(`Profile **${k.profile}** (${k.profileWhy}) · ${v.result.scenarios.count} scenarios (${v.result.scenarios.source})${links.length ? ` · ${links.join(' · ')}` : ''}`);
  return { kind: MarkupKind.Markdown, value: md.join('\n') };
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
        hunks.push({ name: h.header, detail: h.summary, kind: SymbolKind.Function, range: hunkRange(v, h), selectionRange: headerRange(h) });
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

/** A lens on every `@@` line with the hunk's one-line summary; it opens the hunk's trace. */
export function patchCodeLenses(v: PatchView): CodeLens[] {
  return allHunks(v.result).map(({ h }) => ({
    range: headerRange(h),
    command: { title: h.summary.length > 200 ? `${h.summary.slice(0, 199)}…` : h.summary, command: CLIENT_COMMANDS.showTrace, arguments: [v.uri, h.docLine] },
  }));
}

// ---------------------------------------------------------------------------------------
// Status

export function patchStatus(v: PatchView, noKernel: boolean): StatusParams {
  const hs = allHunks(v.result).map((x) => x.h);
  const changed = hs.filter((h) => h.scenariosChanged > 0).length;
  const broken = new Set(hs.flatMap((h) => h.findings.filter((f) => f.status === 'new' && f.severity === 'error').map((f) => f.code)));
  let text = changed ? `ext4: ${plural(changed, 'hunk')} changed` : hs.length ? 'ext4: no write-path change' : 'ext4: no hunks';
  if (broken.size) text += `, ${plural(broken.size, 'invariant')} broken`;
  if (v.result.partial) text += ' (partial: time budget)';
  if (noKernel) text += ' (no kernel tree: hunk-only)';
  const state = noKernel ? 'no-kernel' : broken.size ? 'error' : changed || v.result.partial ? 'warning' : 'ok';
  return { uri: v.uri, text, state };
}

export function busyStatus(uri: string): StatusParams {
  return { uri, text: 'ext4: analysing…', state: 'busy' };
}

// ---------------------------------------------------------------------------------------
// Traces and the matrix

/** One trace step as a text line: `file:line  text → result  [values]`, indented by depth. */
function stepLine(st: TraceStep, depth0: number): string {
  const indent = '  '.repeat(Math.max(0, st.depth - depth0));
  const where = st.file === 'model' || !st.line ? `model ${st.fn}` : `${st.file}:${st.line}`;
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

/** The short unwritten-handling text of an outcome. */
function unwrittenText(r: ScenarioResult): string {
  const o = r.outcome;
  const parts = [o.dioUnwritten ? 'IOMAP_DIO_UNWRITTEN' : '', o.unwrittenConverted ? 'converted' : '', o.unwrittenLeft ? 'LEFT unwritten' : ''].filter(Boolean);
  return parts.join(', ') || '—';
}

/** The hover of a C function the matrix runs: scenarios grouped by outcome. */
export function cFunctionHover(uri: string, a: CFileAnalysis, name: string): MarkupContent | undefined {
  const ids = a.runs.get(name);
  const fn = a.functions.find((f) => f.name === name);
  if (!ids?.length || !fn) return undefined;
  const groups = new Map<string, { row: string[]; scenarios: string[] }>();
  for (const id of ids) {
    const r = a.results.get(id)!;
    const o = r.outcome;
    const row = o.inconclusive ? ['inconclusive', '', '', '', ''] : [o.path, o.fallback, o.lockAcrossIo, o.waits.join(', ') || '—', unwrittenText(r)];
    const k = row.join('\u0000');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { row, scenarios: [] }));
    g.scenarios.push(id);
  }
  const sorted = [...groups.values()].sort((x, y) => y.scenarios.length - x.scenarios.length);
  const trace = (id: string) => commandLink(id, CLIENT_COMMANDS.showTrace, [uri, fn.startRow, id, 'after']);
  const md: string[] = [];
  md.push(`**${name}()** · run by ${ids.length} of ${a.scenarios.length} scenarios (${a.scenarioSource})${a.partial ? ' — partial: time budget' : ''}`);
  md.push('');
  md.push('| scenarios | path | fallback | lock across IO | waits | unwritten |');
  md.push('|---|---|---|---|---|---|');
  for (const g of sorted.slice(0, MAX_ROWS)) {
    md.push(`| ${g.scenarios.length}: ${g.scenarios.slice(0, 2).map(trace).join(', ')}${g.scenarios.length > 2 ? ', …' : ''} | ${g.row.map(cell).join(' | ')} |`);
  }
  if (sorted.length > MAX_ROWS) md.push(`| … ${sorted.length - MAX_ROWS} more outcome groups | | | | | |`);
  const broken = a.findings.filter((f) => f.function === name);
  for (const f of broken) {
    md.push('');
    md.push(`**Breaks** ${code(f.code)} in ${someOf(f.scenarios, 3)}: ${f.message}`);
  }
  const assumptions = [...new Set(ids.flatMap((id) => a.results.get(id)!.outcome.assumptions))];
  if (assumptions.length) {
    md.push('');
    md.push(`*Assumptions:* ${assumptions.slice(0, 3).join('; ')}${assumptions.length > 3 ? ` (+${assumptions.length - 3} more)` : ''}`);
  }
  md.push('');
  md.push(`Profile **${a.profile}** (${a.profileWhy})`);
  return { kind: MarkupKind.Markdown, value: md.join('\n') };
}

export function cStatus(uri: string, a: CFileAnalysis): StatusParams {
  if (!a.interpreted) return { uri, text: `ext4: ${a.rel} is not simulated`, state: 'ok' };
  const run = [...a.runs.keys()].length;
  const broken = new Set(a.findings.filter((f) => f.severity === 'error').map((f) => f.code));
  let text = `ext4: ${plural(run, 'function')} of ${a.rel} run by the matrix`;
  if (broken.size) text += `, ${plural(broken.size, 'invariant')} broken`;
  if (a.partial) text += ' (partial: time budget)';
  return { uri, text, state: broken.size ? 'error' : a.partial ? 'warning' : 'ok' };
}

/** Trace of a C document's function: the whole scenario run, as markdown. */
export function cTraceMarkdown(a: CFileAnalysis, name: string, scenario: string): string | undefined {
  const r = a.results.get(scenario);
  if (!r) return undefined;
  return traceMarkdown({ scenario, side: 'after', steps: r.trace }, `${code(a.rel)} · ${code(`${name}()`)} · current text`, r);
}
