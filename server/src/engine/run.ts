import type { Scenario } from '../scenario/types';
import type { ScenarioResult } from './outcome';
import { simulate, EngineContext } from './simulate';

/** Run every scenario over one image. Pure apart from the simulation itself. */
export function simulateAll(scenarios: readonly Scenario[], ctx: EngineContext): ScenarioResult[] {
  return scenarios.map((s) => simulate(s, ctx));
}

/** One line per scenario, for the `simulate --format text` table. */
export function formatOutcomeRow(r: ScenarioResult): string[] {
  const o = r.outcome;
  return [
    r.id,
    o.inconclusive ? `INCONCLUSIVE: ${o.inconclusive}` : o.unknowns?.length ? `CANNOT TELL: ${o.unknowns[0]}${o.unknowns.length > 1 ? ` (+${o.unknowns.length - 1})` : ''}` : o.path,
    o.fallback,
    o.lockAcrossIo,
    o.lockSequence.join(' '),
    o.waits.join(',') || '-',
    `${o.dioUnwritten ? 'U' : '-'}${o.unwrittenConverted ? 'C' : '-'}${o.unwrittenLeft ? 'L' : '-'}`,
    o.orphan,
    String(o.ret) + (o.completionRet !== undefined ? `→${o.completionRet}` : ''),
    o.findings.map((f) => f.code).join(',') || '-',
  ];
}

/** Render rows as an aligned plain-text table. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const OUTCOME_HEADER = ['scenario', 'path', 'fallback', 'lock@io', 'lock sequence', 'waits', 'unw', 'orphan', 'ret', 'findings'];
