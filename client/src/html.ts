/**
 * HTML of the two webviews — the "Write-path scenarios" matrix and the scenario trace —
 * as pure functions of the server's answers (protocol.ts). No VS Code API here, so the
 * markup can be checked in plain Node; scenariosView.ts and traceView.ts host it.
 *
 * Webviews run with a strict Content-Security-Policy: no network, one inline script and
 * one inline style, both carrying the page's nonce. Colours are VS Code theme variables,
 * so both views follow the user's theme.
 */
import { compactLockSequence, LOCK_SEQUENCE_LEGEND } from '../../server/src/protocol';
import type { MatrixHunk, ScenarioMatrixResponse, TraceResponse, TraceStepView } from '../../server/src/protocol';
import { callPathSvg } from './svg';

/** Escape text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What a webview page is made of. */
export interface PageParts {
  title: string;
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per render: the only inline script and style allowed. */
  nonce: string;
  body: string;
  style: string;
  script: string;
}

/** A complete webview document with its Content-Security-Policy. */
export function webviewPage(p: PageParts): string {
  const csp = `default-src 'none'; img-src ${p.cspSource} data:; style-src 'nonce-${p.nonce}'; script-src 'nonce-${p.nonce}';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(p.title)}</title>
<style nonce="${p.nonce}">${COMMON_STYLE}${p.style}</style>
</head><body>${p.body}<script nonce="${p.nonce}">${p.script}</script></body></html>`;
}

/** Shared look: theme fonts and colours, before/after colouring, links. */
const COMMON_STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px 12px; }
a, .link { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; }
a:hover, .link:hover { text-decoration: underline; }
code, .mono { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
.muted { color: var(--vscode-descriptionForeground); }
.b { color: var(--vscode-gitDecoration-deletedResourceForeground); text-decoration: line-through; text-decoration-thickness: 1px; }
.a { color: var(--vscode-gitDecoration-addedResourceForeground); font-weight: 600; }
.arrow { color: var(--vscode-descriptionForeground); padding: 0 3px; }
.legend { margin: 6px 0; color: var(--vscode-descriptionForeground); }
.legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.sw-chg { background: var(--vscode-diffEditor-insertedTextBackground); outline: 1px solid var(--vscode-gitDecoration-addedResourceForeground); }
.sw-same { outline: 1px solid var(--vscode-panel-border); }
.sw-c { background: var(--vscode-editorInfo-foreground); }
.sw-model { background: var(--vscode-charts-purple); }
.sw-touched { outline: 2px solid var(--vscode-charts-orange); }
.sw-div { background: var(--vscode-gitDecoration-deletedResourceForeground); }
button, select, input { font-family: inherit; font-size: inherit; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border)); border-radius: 2px; padding: 2px 4px; }
button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); cursor: pointer; }
button.on { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
h1 { font-size: 1.25em; margin: 10px 0 4px; }
h2 { font-size: 1.05em; margin: 14px 0 6px; }
.empty { padding: 16px 0; }
`;

// ---------------------------------------------------------------------------------------
// The scenarios view

/** Request dimensions with the value most scenarios have: shown only when a scenario differs from it. */
const USUAL: Record<string, string> = { direct: 'yes', aio: 'no', nowait: 'no', atomic: 'no', dsync: 'no', aligned: 'yes', nosec: 'warm', mapping: 'extents', flags: '-', mount: 'default', env: '-' };

/**
 * The request of a scenario in a few words: `aio · unaligned · unwritten · cold`. With
 * `varying`, only the dimensions that differ between the rows shown (a word every row
 * has tells the reader nothing).
 */
export function requestWords(d: Record<string, string>, varying?: ReadonlySet<string>): string {
  const words: string[] = [];
  const want = (k: string) => !varying || varying.has(k);
  if (d.direct === 'no' && want('direct')) words.push('buffered');
  if (want('aio')) words.push(d.aio === 'yes' ? 'aio' : 'sync');
  for (const k of ['nowait', 'atomic', 'dsync']) if (d[k] === 'yes' && want(k)) words.push(k);
  if (d.aligned === 'no' && want('aligned')) words.push('unaligned');
  if (d.target && want('target')) words.push(d.target);
  if (d.nosec === 'cold' && want('nosec')) words.push('cold');
  for (const k of ['mapping', 'flags', 'mount', 'env']) if (d[k] !== undefined && d[k] !== USUAL[k] && want(k)) words.push(d[k]);
  return words.join(' · ');
}

/** Label of a dimension's filter. */
const DIMENSION_LABEL: Record<string, string> = {
  direct: 'O_DIRECT',
  aio: 'AIO',
  nowait: 'NOWAIT',
  atomic: 'atomic',
  dsync: 'DSYNC',
  aligned: 'aligned',
  target: 'target blocks',
  nosec: 'IS_NOSEC',
  mapping: 'mapping',
  flags: 'inode flags',
  mount: 'mount',
  env: 'environment',
};

/** An outcome value as tables show it (the lock sequence in its compact S/X form). */
function shownValue(field: string, value: string): string {
  return field === 'lockSequence' ? compactLockSequence(value) : value;
}

/**
 * The display name of an outcome field: the server's label, else the id in words
 * (`convertContext` → `convert context`), so no internal identifier reaches the reader.
 */
export function fieldLabel(labels: Record<string, string> | undefined, field: string): string {
  return labels?.[field] ?? field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * A source file as the reader knows it: its base name, without the suffixes the review
 * gives rebuilt code internally (`file.c~graft` → `file.c`).
 */
export function displayFile(file: string): string {
  return (file.split('/').pop() ?? file).replace(/~[\w-]+$/, '');
}

/** Outcome fields whose values run to a sentence: one line in the matrix, the rest in a tooltip. */
const LONG_FIELDS: ReadonlySet<string> = new Set(['timeline', 'bufferedWrite', 'warns', 'finalSize']);

/** One outcome cell: the value when unchanged, `before → after` coloured when changed. */
function outcomeCell(field: string, rawBefore: string | undefined, rawAfter: string | undefined): string {
  const before = rawBefore === undefined ? undefined : shownValue(field, rawBefore);
  const after = rawAfter === undefined ? undefined : shownValue(field, rawAfter);
  // Long values (the event timeline, the buffered-write summary) stay on one line, cut
  // with an ellipsis, the whole value in the tooltip: a wrapped timeline made one row
  // taller than the panel.
  const long = LONG_FIELDS.has(field);
  const cls = `f-${field}${long ? ' long' : ''}`;
  if (before === undefined && after === undefined) return `<td class="same muted ${cls}">—</td>`;
  const title = (text: string) => (long ? ` title="${escapeHtml(text)}"` : '');
  if (before === after || before === undefined || after === undefined) return `<td class="same ${cls}"${title(after ?? before ?? '')}>${escapeHtml(after ?? before ?? '')}</td>`;
  return `<td class="chg ${cls}"${title(`${before} → ${after}`)}><span class="b">${escapeHtml(before)}</span><span class="arrow">→</span><span class="a">${escapeHtml(after)}</span></td>`;
}

function hunkOption(h: MatrixHunk, selected: boolean): string {
  const name = `${displayFile(h.path)} ${h.header}${h.functions.length ? ` ${h.functions.join(', ')}` : ''} — ${h.scenariosChanged ? `${h.scenariosChanged}/${h.scenariosRun} change` : 'no change'}`;
  return `<option value="${h.line}"${selected ? ' selected' : ''}>${escapeHtml(name)}</option>`;
}

/**
 * The body of the scenarios view: the hunk picker, filters by dimension, and one row per
 * scenario that runs the hunk's code — changed rows first — with each outcome field as
 * `before → after` (coloured) when it changed. Rows whose change the review attributes to
 * this hunk are marked; the others changed because of another hunk of the same patch.
 */
export function matrixBody(m: ScenarioMatrixResponse): string {
  const labels = m.fieldLabels ?? { path: 'path', fallback: 'fallback', lockAcrossIo: 'lock', waits: 'waits', ret: 'ret', lockSequence: 'lock sequence' };
  const changedFields = new Set(m.rows.flatMap((r) => r.changed));
  // The server's column order; a changed field it has no label for still gets a column, last.
  const fieldOrder = [...Object.keys(labels), ...[...changedFields].filter((f) => !(f in labels))];
  // Always the two fields a reviewer reads first; then every field some scenario changes.
  const fields = fieldOrder.filter((f) => f === 'path' || f === 'lockAcrossIo' || changedFields.has(f));
  const dims = Object.keys(DIMENSION_LABEL).filter((k) => new Set(m.rows.map((r) => r.dimensions[k])).size > 1);
  const varying = new Set(dims);
  const mine = new Set(m.hunkScenarios ?? []);
  const rank = (r: ScenarioMatrixResponse['rows'][number]) => (mine.has(r.scenario) ? 2 : r.changed.length ? 1 : 0);
  const rows = [...m.rows].sort((a, b) => rank(b) - rank(a));
  const nChanged = m.rows.filter((r) => r.changed.length).length;
  const nMine = m.rows.filter((r) => mine.has(r.scenario)).length;
  const show = nMine ? 'hunk' : nChanged ? 'patch' : 'all';
  const out: string[] = [];
  // A compact header (two short lines), so the table keeps most of a default-height panel:
  // the hunk, what to show, a text filter and the count; the field and dimension filters
  // fold out behind "filters", the legend behind "?".
  const dimFilters = dims.length + (changedFields.size ? 1 : 0);
  const summary = `${nMine} changed by this hunk, ${nChanged} by the whole patch, of ${m.rows.length} scenarios that run its code · kernel ${m.profile ?? '?'}${m.scenarioSource ? ` · ${m.scenarioSource}` : ''}`;
  out.push('<header id="ext4wp-matrix-header">');
  out.push('<div class="line bar">');
  if (m.hunks?.length) out.push(`<label class="grow">Hunk <select id="hunk">${m.hunks.map((h) => hunkOption(h, h.line === m.hunk?.line)).join('')}</select></label>`);
  out.push(`<label>show <select id="show"><option value="hunk"${show === 'hunk' ? ' selected' : ''}>changed by this hunk</option><option value="patch"${show === 'patch' ? ' selected' : ''}>changed by the patch</option><option value="all"${show === 'all' ? ' selected' : ''}>all that run it</option></select></label>`);
  out.push('<input type="search" id="text" placeholder="scenario contains…" aria-label="Scenario name contains">');
  if (dimFilters) out.push(`<button id="more" title="Filter by changed field and by request: AIO, NOWAIT, alignment, target blocks, …" aria-expanded="false">filters <span id="active"></span>▾</button>`);
  out.push('<span id="count" class="muted"></span>');
  out.push('</div>');
  out.push('<div class="line filters" id="filters" hidden>');
  if (changedFields.size) out.push(`<label>field <select id="field"><option value="">any</option>${[...changedFields].sort((a, b) => fieldOrder.indexOf(a) - fieldOrder.indexOf(b)).map((f) => `<option value="${escapeHtml(f)}">${escapeHtml(fieldLabel(labels, f))}</option>`).join('')}</select></label>`);
  for (const d of dims) {
    const values = [...new Set(m.rows.map((r) => r.dimensions[d]))].sort();
    out.push(`<label>${escapeHtml(DIMENSION_LABEL[d])} <select class="dim" data-dim="${escapeHtml(d)}"><option value="">any</option>${values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('')}</select></label>`);
  }
  out.push('</div>');
  out.push(`<details class="legend"><summary><span class="summary" title="${escapeHtml(summary)}"><b>${nMine}</b> changed by this hunk, <b>${nChanged}</b> by the whole patch, of ${m.rows.length} that run its code · kernel <b>${escapeHtml(m.profile ?? '?')}</b>${m.scenarioSource ? ` · ${escapeHtml(m.scenarioSource)}` : ''}</span> <span class="link" title="How to read the table">?</span></summary>`);
  out.push(`<span><span class="b">before</span><span class="arrow">→</span><span class="a">after</span> on a tinted cell: changed by the patch</span><span><span class="mark">●</span> changed by this hunk</span><span>grey: unchanged</span>${fields.includes('lockSequence') ? `<span>lock sequence: ${escapeHtml(LOCK_SEQUENCE_LEGEND.replace(/`/g, ''))}</span>` : ''}<span>click a scenario for its trace; hover it for the request in words</span></details>`);
  out.push('</header>');
  if (!m.rows.length) {
    out.push('<p class="empty muted">No scenario runs the code of this hunk.</p>');
    return out.join('');
  }
  out.push('<table id="ext4wp-matrix"><thead><tr><th>scenario</th>');
  // Long flag names (IOMAP_DIO_UNWRITTEN) may break after an underscore rather than widen the table.
  for (const f of fields) out.push(`<th>${escapeHtml(fieldLabel(labels, f)).replace(/_/g, '_<wbr>')}</th>`);
  out.push('</tr></thead><tbody>');
  for (const r of rows) {
    const data = dims.map((d) => ` data-d-${d}="${escapeHtml(r.dimensions[d] ?? '')}"`).join('');
    const by = mine.has(r.scenario) ? 'hunk' : r.changed.length ? 'patch' : 'none';
    out.push(`<tr class="${r.changed.length ? 'changed' : 'same'}" data-id="${escapeHtml(r.scenario)}" data-by="${by}" data-fields="${escapeHtml(r.changed.join(' '))}"${data}>`);
    // The request in words is the link's tooltip: the ids of the built-in matrix already
    // spell it, and a column for it would push the outcome columns off screen.
    const request = requestWords(r.dimensions, varying);
    out.push(`<td class="sc">${by === 'hunk' ? '<span class="mark" title="changed by this hunk">●</span>' : '<span class="mark none"></span>'}<a data-scenario="${escapeHtml(r.scenario)}" title="${escapeHtml(request)} — click for the trace">${escapeHtml(r.scenario)}</a></td>`);
    for (const f of fields) out.push(outcomeCell(f, r.before[f], r.after[f]));
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  return out.join('');
}

/** Body of the scenarios view when there is nothing to show, with why and what to do. */
export function messageBody(title: string, message: string, actions: Array<{ label: string; command: string }> = []): string {
  const buttons = actions.map((a) => `<button data-command="${escapeHtml(a.command)}">${escapeHtml(a.label)}</button>`).join(' ');
  return `<h1>${escapeHtml(title)}</h1><p class="empty muted">${escapeHtml(message)}</p>${buttons}`;
}

/** Look of the scenarios view: sticky filter header and table header, tinted changed cells. */
export const MATRIX_STYLE = `
body { padding-top: 2px; }
header { position: sticky; top: 0; background: var(--vscode-panel-background, var(--vscode-editor-background)); padding-bottom: 2px; z-index: 2; }
.line { margin-bottom: 3px; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 3px 10px; }
.bar label { white-space: nowrap; }
.bar .grow { flex: 0 1 auto; min-width: 12em; overflow: hidden; text-overflow: ellipsis; }
#hunk { max-width: min(46em, 60vw); }
#text { width: 11em; }
#more[aria-expanded="true"] { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
.filters label { white-space: nowrap; display: inline-block; margin: 0 10px 3px 0; }
.filters select { max-width: 11em; }
details.legend { font-size: 0.92em; margin: 0 0 2px; }
details.legend > summary { cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; list-style: none; }
details.legend > summary::-webkit-details-marker { display: none; }
details.legend > span { display: inline-block; margin-right: 14px; }
table { border-collapse: collapse; width: 100%; }
thead th { text-align: left; position: sticky; top: var(--header-height, 0px); background: var(--vscode-editorGroupHeader-tabsBackground); font-weight: 600; z-index: 1; }
th, td { padding: 1px 8px; border-bottom: 1px solid var(--vscode-panel-border); vertical-align: top; }
td.sc, td.f-lockSequence, td.f-path, td.f-lockAcrossIo { white-space: nowrap; }
td.long { white-space: nowrap; max-width: 24em; overflow: hidden; text-overflow: ellipsis; }
.mark { color: var(--vscode-charts-orange); display: inline-block; width: 1.1em; }
td.chg { background: var(--vscode-diffEditor-insertedTextBackground); }
td.same { color: var(--vscode-descriptionForeground); }
tr.hidden { display: none; }
tr:hover td { background: var(--vscode-list-hoverBackground); }
`;

/** Filters (state kept across re-renders with the webview state), clicks → messages to the extension. */
export const MATRIX_SCRIPT = `
const vscode = acquireVsCodeApi();
const state = vscode.getState() || {};
const $ = (s) => document.querySelector(s);
function restore() {
  if ($('#show') && state.show && [...$('#show').options].some((o) => o.value === state.show)) $('#show').value = state.show;
  if ($('#text') && state.text) $('#text').value = state.text;
  if ($('#more') && state.more) toggleFilters(true);
  if ($('#field') && state.field && [...$('#field').options].some((o) => o.value === state.field)) $('#field').value = state.field;
  for (const s of document.querySelectorAll('select.dim')) {
    const v = (state.dims || {})[s.dataset.dim];
    if (v && [...s.options].some((o) => o.value === v)) s.value = v;
  }
}
function apply() {
  const show = $('#show') ? $('#show').value : 'all';
  const text = $('#text') ? $('#text').value.trim() : '';
  const field = $('#field') ? $('#field').value : '';
  const dims = {};
  for (const s of document.querySelectorAll('select.dim')) if (s.value) dims[s.dataset.dim] = s.value;
  let shown = 0, total = 0;
  for (const tr of document.querySelectorAll('#ext4wp-matrix tbody tr')) {
    total++;
    const by = tr.dataset.by;
    let ok = (show === 'all' || by === 'hunk' || (show === 'patch' && by === 'patch')) && (!text || tr.dataset.id.includes(text)) && (!field || tr.dataset.fields.split(' ').includes(field));
    for (const [d, v] of Object.entries(dims)) if (tr.getAttribute('data-d-' + d) !== v) ok = false;
    tr.classList.toggle('hidden', !ok);
    if (ok) shown++;
  }
  if ($('#count')) $('#count').textContent = 'showing ' + shown + ' of ' + total;
  const active = Object.keys(dims).length + (field ? 1 : 0);
  if ($('#active')) $('#active').textContent = active ? '(' + active + ') ' : '';
  Object.assign(state, { show, text, field, dims });
  vscode.setState(state);
}
document.addEventListener('change', (e) => {
  if (e.target.id === 'hunk') vscode.postMessage({ type: 'hunk', line: Number(e.target.value) });
  else apply();
});
document.addEventListener('input', apply);
function toggleFilters(open) {
  const more = $('#more');
  const panel = $('#filters');
  if (!more || !panel) return;
  panel.hidden = !open;
  more.setAttribute('aria-expanded', String(open));
  state.more = open;
  vscode.setState(state);
  placeHeader();
}
document.addEventListener('click', (e) => {
  if (e.target.closest('#more')) {
    toggleFilters($('#filters').hidden);
    return;
  }
  const t = e.target.closest('[data-scenario],[data-command],[data-uri]');
  if (!t) return;
  if (t.dataset.scenario) vscode.postMessage({ type: 'trace', scenario: t.dataset.scenario });
  else if (t.dataset.command) vscode.postMessage({ type: 'command', command: t.dataset.command });
  else vscode.postMessage({ type: 'open', uri: t.dataset.uri, line: Number(t.dataset.line) });
});
// The table header sticks below the (sticky) filter header, whatever height that wraps to.
function placeHeader() {
  const h = $('#ext4wp-matrix-header');
  if (h) document.body.style.setProperty('--header-height', h.offsetHeight + 'px');
}
window.addEventListener('resize', placeHeader);
document.addEventListener('toggle', placeHeader, true);
restore();
apply();
placeHeader();
`;

// ---------------------------------------------------------------------------------------
// The trace view

/** Badge text per step kind (text, not emoji: not every machine has an emoji font). */
const KIND_BADGE: Record<string, string> = {
  branch: 'if',
  call: 'call',
  return: 'return',
  errno: 'errno',
  model: 'model',
  assumption: 'assume',
  lock: 'i_rwsem',
  wait: 'wait',
  warn: 'WARN',
  goto: 'goto',
};

/** A link that opens a step's C line, or its plain location when it cannot be opened. */
function locationLink(st: TraceStepView): string {
  if (st.file === 'model' || !st.line) return '';
  const name = `${displayFile(st.file)}:${st.target && st.target.how !== 'patch' ? st.target.line + 1 : st.line}`;
  if (!st.target) return `<span class="loc muted">${escapeHtml(name)}</span>`;
  const how = st.target.how === 'patch' ? ' (in the patch)' : st.target.how === 'moved' ? ' (nearest matching line)' : st.target.how === 'function' ? ' (function start)' : '';
  return `<a class="loc" data-uri="${escapeHtml(st.target.uri)}" data-line="${st.target.line}" title="Open ${escapeHtml(st.file.replace(/~[\w-]+$/, ''))}:${st.line}${how}">${escapeHtml(name)}${st.target.how === 'patch' ? ' ⇢ patch' : ''}</a>`;
}

/** Result of a step, coloured for true/false. */
function resultHtml(result: string | undefined): string {
  if (result === undefined) return '';
  const cls = result === 'true' ? 'yes' : result === 'false' ? 'no' : 'val';
  return `<span class="arrow">→</span><span class="res ${cls}">${escapeHtml(result)}</span>`;
}

/** What each call returned: its body's `return` step. */
function callResults(steps: readonly TraceStepView[]): Map<number, string> {
  const out = new Map<number, string>();
  const open: number[] = [];
  steps.forEach((st, i) => {
    while (open.length && steps[open[open.length - 1]].depth >= st.depth) open.pop();
    if (st.kind === 'return' && open.length && steps[open[open.length - 1]].depth === st.depth - 1 && !out.has(open[open.length - 1]) && st.result !== undefined) out.set(open[open.length - 1], st.result);
    if (st.kind === 'call') open.push(i);
  });
  return out;
}

/**
 * The decision steps as a nested flow: each call a collapsible block headed by the
 * function, its C location and what it returned; inside, branches with their condition,
 * result and the values seen, model steps with the kernel source they stand for. Steps
 * where this side's run parts from the other side's are marked.
 */
export function flowHtml(steps: readonly TraceStepView[]): string {
  const returns = callResults(steps);
  const out: string[] = [];
  const open: number[] = [];
  const close = (depth: number) => {
    while (open.length && open[open.length - 1] >= depth) {
      open.pop();
      out.push('</ol></details>');
    }
  };
  out.push('<ol class="flow">');
  steps.forEach((st, i) => {
    // A step (or call) at depth d is in the body of the call at depth d - 1: close the
    // calls at depth d and deeper, which have returned by now.
    close(st.depth);
    const div = st.diverges ? ' diverges' : '';
    if (st.kind === 'call') {
      const ret = returns.get(i);
      out.push(`<details open class="call${div}" id="s${i}"><summary><span class="badge call">call</span> <span class="fn">${escapeHtml(st.fn)}()</span> ${locationLink(st)}${resultHtml(ret)}</summary><ol>`);
      open.push(st.depth);
      return;
    }
    const values = st.values ? `<span class="vals">${Object.entries(st.values).map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(v)}`).join(', ')}</span>` : '';
    const cite = st.cite ? `<span class="cite muted">${escapeHtml(st.cite)}</span>` : '';
    out.push(`<li class="step ${escapeHtml(st.kind)}${div}" id="s${i}"><span class="badge ${escapeHtml(st.kind)}">${escapeHtml(KIND_BADGE[st.kind] ?? st.kind)}</span> <code>${escapeHtml(st.text)}</code>${resultHtml(st.result)} ${locationLink(st)} ${values}${cite}</li>`);
  });
  close(-1);
  out.push('</ol>');
  return out.join('');
}

/** The body of the trace view: header, outcome before/after, the path picture, the flow. */
export function traceBody(t: TraceResponse): string {
  const steps = t.steps ?? [];
  const out: string[] = [];
  const other = t.side === 'after' ? 'before' : 'after';
  out.push('<header id="ext4wp-trace">');
  out.push(`<h1>${escapeHtml(t.scenario)} <span class="muted">— ${t.side === 'after' ? 'after the patch' : 'before the patch'}</span></h1>`);
  const nav: string[] = [];
  if (t.hasOtherSide) nav.push(`<button data-side="before" class="${t.side === 'before' ? 'on' : ''}">before</button><button data-side="after" class="${t.side === 'after' ? 'on' : ''}">after</button>`);
  if (t.scenarios.length > 1) nav.push(`<label>scenario <select id="scenario">${t.scenarios.map((s) => `<option${s === t.scenario ? ' selected' : ''}>${escapeHtml(s)}</option>`).join('')}</select></label>`);
  const firstDiff = steps.findIndex((s) => s.diverges);
  if (firstDiff >= 0) nav.push(`<a data-jump="s${firstDiff}">first step that differs from ${other}</a>`);
  out.push(`<nav>${nav.join(' ')}</nav>`);
  const where = [t.where ? `<code>${escapeHtml(t.where.replace(/~[A-Za-z][\w-]*/g, ''))}</code>` : '', t.dimensions ? `request: ${escapeHtml(requestWords(t.dimensions))}` : ''].filter(Boolean).join(' · ');
  if (where) out.push(`<p class="muted">${where}</p>`);
  out.push('</header>');
  if (t.outcome && Object.keys(t.outcome).length) {
    const before = t.side === 'before' ? t.outcome : t.otherOutcome;
    const after = t.side === 'after' ? t.outcome : t.otherOutcome;
    out.push('<h2>Outcome</h2><table class="outcome"><tbody>');
    for (const f of Object.keys(t.outcome)) {
      const b = before?.[f];
      const a = after?.[f];
      const changed = b !== undefined && a !== undefined && b !== a;
      const show = (x: string) => escapeHtml(shownValue(f, x));
      out.push(`<tr class="${changed ? 'chg' : ''}"><th>${escapeHtml(fieldLabel(t.fieldLabels, f))}</th><td>${changed ? `<span class="b">${show(b!)}</span><span class="arrow">→</span><span class="a">${show(a!)}</span>` : show(t.outcome[f])}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  if (steps.length) {
    out.push('<h2>Path through the write path</h2>');
    out.push('<div class="legend"><span><span class="swatch sw-c"></span>C function (interpreted from the tree)</span><span><span class="swatch sw-model"></span>kernel model</span><span><span class="swatch sw-touched"></span>touched by the hunk</span>');
    if (t.hasOtherSide) out.push(`<span><span class="swatch sw-div"></span>differs from ${other}</span>`);
    out.push('<span>click a box to open its C</span></div>');
    out.push(`<div class="svgbox">${callPathSvg(steps, { highlight: t.functions, title: `Call path of ${t.scenario} (${t.side})` })}</div>`);
    out.push(`<h2>Decision steps <span class="muted">(${steps.length})</span></h2>`);
    out.push('<div class="legend"><label><input type="checkbox" id="decisions"> decisions only (branches, locks, waits, model steps)</label>');
    if (t.hasOtherSide) out.push(`<label><input type="checkbox" id="diffOnly"> only steps that differ from ${other}</label>`);
    out.push('</div>');
    out.push(flowHtml(steps));
  } else {
    out.push(`<pre class="mono">${escapeHtml(t.markdown)}</pre>`);
  }
  return out.join('');
}

/** Look of the trace view: the path picture's boxes and edges, the flow's badges and divergence marks. */
export const TRACE_STYLE = `
header nav button { margin-right: 2px; }
header nav > * { margin-right: 10px; }
table.outcome { border-collapse: collapse; }
table.outcome th { text-align: left; padding: 1px 12px 1px 0; font-weight: normal; color: var(--vscode-descriptionForeground); }
table.outcome td { padding: 1px 8px; }
table.outcome tr.chg td { background: var(--vscode-diffEditor-insertedTextBackground); }
.svgbox { overflow-x: auto; border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 4px; }
svg.callpath text { font-family: var(--vscode-editor-font-family); font-size: 12px; fill: var(--vscode-foreground); }
svg.callpath .node rect { fill: var(--vscode-editor-background); stroke: var(--vscode-editorInfo-foreground); stroke-width: 1.2; }
svg.callpath .node.model rect { stroke: var(--vscode-charts-purple); stroke-dasharray: 4 2; }
svg.callpath .node.touched rect { stroke: var(--vscode-charts-orange); stroke-width: 2.5; }
svg.callpath .node.diverges rect { fill: var(--vscode-diffEditor-removedTextBackground); }
svg.callpath .node.link { cursor: pointer; }
svg.callpath .node.link:hover rect { stroke-width: 2.5; }
svg.callpath .ret { fill: var(--vscode-descriptionForeground); }
svg.callpath .edge { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1; }
svg.callpath .edge.diverges { stroke: var(--vscode-gitDecoration-deletedResourceForeground); stroke-width: 1.5; }
svg.callpath .more { fill: var(--vscode-descriptionForeground); }
ol.flow, ol.flow ol { list-style: none; padding-left: 18px; margin: 0; }
ol.flow { padding-left: 0; }
details.call > summary { cursor: pointer; padding: 1px 0; }
details.call > ol { border-left: 1px solid var(--vscode-tree-indentGuidesStroke, var(--vscode-panel-border)); margin-left: 6px; }
li.step { padding: 1px 0; }
.badge { display: inline-block; min-width: 44px; text-align: center; font-size: 0.85em; border-radius: 3px; padding: 0 4px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.badge.model, .badge.assumption { background: var(--vscode-charts-purple); color: var(--vscode-editor-background); }
.badge.lock, .badge.wait { background: var(--vscode-charts-orange); color: var(--vscode-editor-background); }
.badge.warn, .badge.errno { background: var(--vscode-charts-red); color: var(--vscode-editor-background); }
.fn { font-family: var(--vscode-editor-font-family); font-weight: 600; }
.res.yes { color: var(--vscode-gitDecoration-addedResourceForeground); font-weight: 600; }
.res.no { color: var(--vscode-gitDecoration-deletedResourceForeground); font-weight: 600; }
.res.val { font-family: var(--vscode-editor-font-family); }
.loc { margin-left: 8px; font-size: 0.9em; }
.vals { margin-left: 8px; font-size: 0.85em; color: var(--vscode-descriptionForeground); font-family: var(--vscode-editor-font-family); }
.cite { margin-left: 8px; font-size: 0.85em; }
.diverges > summary, li.diverges { background: var(--vscode-diffEditor-removedTextBackground); border-left: 3px solid var(--vscode-gitDecoration-deletedResourceForeground); padding-left: 4px; }
.flow .hidden { display: none; }
`;

/** Side/scenario switches, filters, clicks on C locations and path boxes → messages to the extension. */
export const TRACE_SCRIPT = `
const vscode = acquireVsCodeApi();
const DECISIONS = new Set(['branch', 'lock', 'wait', 'model', 'warn', 'errno', 'assumption']);
function apply() {
  const decisions = document.getElementById('decisions');
  const diffOnly = document.getElementById('diffOnly');
  for (const li of document.querySelectorAll('li.step')) {
    const kind = [...li.classList].find((c) => c !== 'step' && c !== 'diverges' && c !== 'hidden');
    const hide = (decisions && decisions.checked && !DECISIONS.has(kind)) || (diffOnly && diffOnly.checked && !li.classList.contains('diverges'));
    li.classList.toggle('hidden', !!hide);
  }
}
document.addEventListener('change', (e) => {
  if (e.target.id === 'scenario') vscode.postMessage({ type: 'trace', scenario: e.target.value });
  else apply();
});
document.addEventListener('click', (e) => {
  const t = e.target.closest('[data-uri],[data-side],[data-jump]');
  if (!t) return;
  if (t.dataset.uri) vscode.postMessage({ type: 'open', uri: t.dataset.uri, line: Number(t.dataset.line) });
  else if (t.dataset.side) vscode.postMessage({ type: 'side', side: t.dataset.side });
  else {
    const el = document.getElementById(t.dataset.jump);
    if (el) el.scrollIntoView({ block: 'center' });
  }
});
apply();
`;
