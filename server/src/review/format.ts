import type { HunkReview, ReviewResult } from './types';
import { CHECKS, checkDocUrl } from './checks';

/**
 * The review as plain text: one block per hunk with its one-line summary and a compact
 * before → after table of the changed scenarios (the README walkthrough shows it).
 */
export function formatReviewText(r: ReviewResult, docName: string, opts: { maxRows?: number; changedOnly?: boolean } = {}): string {
  const maxRows = opts.maxRows ?? 12;
  const out: string[] = [];
  out.push(`${docName}: kernel ${r.kernel.version ?? '(none)'} profile ${r.kernel.profile} (${r.kernel.profileWhy}); ${r.scenarios.count} scenarios (${r.scenarios.source})${r.partial ? `; INCOMPLETE: ${incompleteText(r.simulated)} (time budget)` : ''}`);
  for (const p of r.problems) out.push(`  ${p.severity}${p.line !== undefined ? ` line ${p.line + 1}` : ''}: ${p.message}`);
  // The per-hunk table: one line per hunk, then the details of the hunks that change something.
  out.push('');
  // --changed-only: the table lists only hunks with a change, a finding or an unknown.
  const listed = (h: HunkReview) => !opts.changedOnly || h.changes.length > 0 || h.findings.length > 0 || !!h.unknown?.length;
  const table = r.files.flatMap((f) => f.hunks.filter(listed).map((h) => [`${f.path}:${h.line}`, h.header.replace(/^(@@[^@]*@@).*/, '$1'), h.functions.slice(0, 3).join(', ') + (h.functions.length > 3 ? ', …' : ''), h.summary]));
  const widths = [0, 1, 2].map((i) => Math.min(48, Math.max(...table.map((row) => row[i].length), 4)));
  out.push(['hunk'.padEnd(widths[0]), '@@'.padEnd(widths[1]), 'functions'.padEnd(widths[2]), 'write-path effect'].join('  '));
  for (const row of table) out.push([row[0].padEnd(widths[0]), row[1].padEnd(widths[1]), row[2].slice(0, 48).padEnd(widths[2]), row[3]].join('  '));
  for (const f of r.files) {
    for (const h of f.hunks) {
      if (!h.changes.length && !h.findings.length && !h.unknown?.length) continue;
      out.push('');
      out.push(`${f.path}:${h.line} ${h.header}`);
      out.push(`  ${h.functions.length ? `[${h.functions.join(', ')}] ` : ''}${h.summary}`);
      for (const x of h.findings) out.push(`  ${x.status === 'new' ? 'BREAKS' : x.status === 'fixed' ? 'fixes' : 'still broken:'} ${x.code} (${x.scenario}): ${x.message}`);
      const rows = hunkRows(h);
      for (const row of rows.slice(0, maxRows)) out.push(`    ${row}`);
      if (rows.length > maxRows) out.push(`    … ${rows.length - maxRows} more`);
      if (h.unknown?.length) {
        out.push(`  cannot tell for ${h.unknown.length} scenario(s) (no change or finding drawn from them):`);
        for (const u of h.unknown.slice(0, maxRows)) out.push(`    ${u.scenario} (${u.side}): ${u.reason}`);
        if (h.unknown.length > maxRows) out.push(`    … ${h.unknown.length - maxRows} more`);
      }
      if (h.note) out.push(`  note: ${h.note}`);
    }
  }
  out.push('');
  out.push(`${r.files.reduce((n, f) => n + f.hunks.length, 0)} hunks; ${r.newErrors} newly broken invariant(s)${r.unknownScenarios ? `; cannot tell for ${r.unknownScenarios} scenario(s)` : ''}`);
  return out.join('\n');
}

/**
 * `cannot tell for N scenarios: <most common reason>` (HunkReview.unknown), for summaries,
 * diagnostics and text; '' when there are none.
 */
export function cannotTellText(unknown: Iterable<{ reason: string }>): string {
  const by = new Map<string, number>();
  let n = 0;
  for (const { reason } of unknown) {
    by.set(reason, (by.get(reason) ?? 0) + 1);
    n++;
  }
  if (!n) return '';
  const [top] = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return `cannot tell for ${n} scenario${n === 1 ? '' : 's'}: ${top[0]}${by.size > 1 ? ` (and ${by.size - 1} other reason${by.size > 2 ? 's' : ''})` : ''}`;
}

/** Group a hunk's changes by (field, before → after): one row per group, with its scenarios. */
export function groupChanges(h: HunkReview): Array<{ field: string; before: string; after: string; scenarios: string[]; why?: string }> {
  const groups = new Map<string, { field: string; before: string; after: string; scenarios: string[]; why?: string }>();
  for (const c of h.changes) {
    const k = `${c.field}\u0000${c.before}\u0000${c.after}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { field: c.field, before: c.before, after: c.after, scenarios: [], why: c.why }));
    if (!g.scenarios.includes(c.scenario)) g.scenarios.push(c.scenario);
  }
  return [...groups.values()];
}

function hunkRows(h: HunkReview): string[] {
  return groupChanges(h).map((g) => {
    const sc = g.scenarios.length > 3 ? `${g.scenarios.slice(0, 3).join(', ')} +${g.scenarios.length - 3}` : g.scenarios.join(', ');
    return `${g.field}: ${changeText(g.before, g.after)}  [${sc}]${g.why ? `  because ${g.why}` : ''}`;
  });
}

/**
 * SARIF 2.1.0 for code-scanning tools: one result per newly broken invariant (error),
 * per fixed one (note) and per hunk whose write-path behaviour changed (warning).
 * Locations are in the reviewed patch document.
 */
export function formatSarif(r: ReviewResult, docUri: string, toolVersion: string, docsBase: string): object {
  const results: object[] = [];
  const loc = (h: HunkReview) => ({ physicalLocation: { artifactLocation: { uri: docUri }, region: { startLine: h.line, endLine: h.docEndLine + 1 } } });
  for (const f of r.files) {
    for (const h of f.hunks) {
      for (const x of h.findings) {
        results.push({ ruleId: x.code, level: x.status === 'new' ? 'error' : x.status === 'still' ? 'warning' : 'note', message: { text: `${x.message} (scenario ${x.scenario})` }, locations: [loc(h)] });
      }
      if (h.unknown?.length) results.push({ ruleId: 'cannot-tell', level: 'note', message: { text: `${f.path} ${h.header}: cannot tell for ${h.unknown.length} scenario(s): ${h.unknown[0].reason}` }, locations: [loc(h)] });
      if (h.scenariosChanged) results.push({ ruleId: 'write-path-change', level: 'warning', message: { text: `${f.path} ${h.header}: ${h.summary}` }, locations: [loc(h)] });
    }
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'ext4-write-path',
            version: toolVersion,
            rules: [
              ...CHECKS.map((c) => ({ id: c.code, shortDescription: { text: c.title }, helpUri: checkDocUrl(c.code, docsBase) })),
              { id: 'cannot-tell', shortDescription: { text: 'Scenarios the tool cannot tell about: a run went past code with no C and no model, or was cut by a bound; no change or finding is drawn from them' } },
              { id: 'write-path-change', shortDescription: { text: 'A hunk changes simulated write-path behaviour (fallback, lock, unwritten, waits, orphan, ret)' } },
            ],
          },
        },
        results,
      },
    ],
  };
}

/** `12 of 127 scenarios simulated`: how far an incomplete review got (ReviewResult.simulated). */
export function incompleteText(s: { done: number; total: number }): string {
  return `${s.done} of ${s.total} scenarios simulated`;
}

/**
 * `before → after` for one line of text; a value that holds arrows itself (the event
 * `timeline`) is quoted, so the arrow between the two sides cannot be mistaken for one of its steps.
 */
export function changeText(before: string, after: string): string {
  const q = (v: string) => (v.includes(' → ') ? `"${v}"` : v);
  return `${q(before)} → ${q(after)}`;
}
