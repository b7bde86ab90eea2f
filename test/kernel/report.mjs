// Compare model outcomes with observed ones, apply documented limitations, and write the
// conformance report (docs/conformance.md + docs/conformance.json). No side effects on import.

/** The outcome fields compared, in report order. */
export const FIELDS = ['path', 'fallback', 'lockAcrossIo', 'lockSequence', 'waits', 'dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'orphan', 'ret'];
/** The fields the issue requires to agree ("done when"). */
export const CORE_FIELDS = ['path', 'fallback', 'lockAcrossIo', 'dioUnwritten', 'unwrittenConverted', 'waits', 'ret'];

const norm = (field, v) => {
  if (field === 'waits') return JSON.stringify([...(v ?? [])].sort());
  if (Array.isArray(v)) return JSON.stringify(v);
  return JSON.stringify(v);
};
const show = (v) => (Array.isArray(v) ? (v.length ? v.join(' ') : '∅') : String(v));

/** Glob (`*`, `?`) or /regex/ match of a scenario id or kernel. */
export function matches(pattern, value) {
  if (pattern === undefined || pattern === '*') return true;
  if (pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1)).test(value);
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

/** Validate limitations.json entries; returns problems (each must have a reason). */
export function checkLimitations(list) {
  const problems = [];
  if (!Array.isArray(list)) return ['limitations file must be a JSON array'];
  list.forEach((l, i) => {
    for (const k of ['scenario', 'kernel', 'field', 'reason']) if (typeof l[k] !== 'string' || !l[k].trim()) problems.push(`limitation #${i}: "${k}" must be a non-empty string`);
    if (typeof l.field === 'string' && l.field !== '*' && !FIELDS.includes(l.field) && l.field !== 'observation') problems.push(`limitation #${i}: unknown field ${l.field}`);
  });
  return problems;
}

/**
 * Compare one scenario. `model` is the model outcome (or undefined when the model was
 * inconclusive), `observed` the observation ({ outcome, problems }).
 */
export function compareScenario({ id, kernel, model, observed, limitations }) {
  const fields = {};
  const limit = (field) => limitations.find((l) => matches(l.scenario, id) && matches(l.kernel, kernel) && (l.field === field || l.field === '*'));
  let unexplained = 0;
  let explained = 0;
  if (!observed || observed.problems.length) {
    const l = limit('observation');
    const why = observed ? observed.problems.join('; ') : 'not observed';
    fields.observation = { agree: false, model: '-', observed: why, ...(l ? { explained: l.reason } : {}) };
    if (l) { l.used = true; explained++; } else unexplained++;
  }
  if (observed && !observed.problems.length && model) {
    for (const f of FIELDS) {
      const m = model[f];
      const o = observed.outcome[f];
      const agree = norm(f, m) === norm(f, o);
      const entry = { agree, model: m, observed: o };
      if (!agree) {
        const l = limit(f);
        if (l) {
          entry.explained = l.reason;
          l.used = true;
          explained++;
        } else unexplained++;
      }
      fields[f] = entry;
    }
  } else if (observed && !observed.problems.length && !model) {
    const l = limit('*');
    fields.model = { agree: false, model: 'inconclusive', observed: '-', ...(l ? { explained: l.reason } : {}) };
    if (l) { l.used = true; explained++; } else unexplained++;
  }
  return { fields, unexplained, explained, agree: unexplained === 0 && explained === 0 };
}

/** A short summary of the model's step trace: decisions, locks, waits, model steps. */
export function modelTraceSummary(trace, max = 60) {
  const lines = [];
  for (const st of trace) {
    const loc = st.file === 'model' ? 'model' : `${st.file.replace(/^fs\/ext4\//, '')}:${st.line}`;
    const vals = st.values ? ` [${Object.entries(st.values).slice(0, 4).map(([a, b]) => `${a}=${b}`).join(', ')}]` : '';
    if (st.kind === 'branch' && /file\.c$/.test(st.file)) lines.push(`${'  '.repeat(Math.min(st.depth, 6))}${loc} if (${st.text}) → ${st.result}${vals}`);
    else if (st.kind === 'lock' || st.kind === 'wait' || st.kind === 'errno' || st.kind === 'assumption') lines.push(`${'  '.repeat(Math.min(st.depth, 6))}${st.kind} ${st.fn}: ${st.text}${st.result !== undefined ? ` → ${st.result}` : ''}`);
    else if (st.kind === 'model') lines.push(`${'  '.repeat(Math.min(st.depth, 6))}model ${st.fn}: ${st.text}${st.result !== undefined ? ` → ${st.result}` : ''}`);
    else if (st.kind === 'call' && st.depth <= 3) lines.push(`${'  '.repeat(Math.min(st.depth, 6))}call ${st.fn}${st.file !== 'model' ? ` (${loc})` : ''}`);
  }
  if (lines.length > max) return [...lines.slice(0, max), `… ${lines.length - max} more steps (simulate --trace --only ID for all)`];
  return lines;
}

const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Render the report as Markdown. */
export function renderMarkdown(report) {
  const out = [];
  out.push('# Conformance: the model against the real kernels', '');
  out.push('Generated by `npm run conformance` (test/kernel/conformance.mjs); do not edit by hand.');
  out.push('Each scenario of `test/kernel/scenarios.json` is made real by `ext4-write-path workload`');
  out.push('(mkfs, mount, xfs_io/fio), run on the Debian kernel under QEMU and observed with tracefs');
  out.push('events and kprobes; the model runs the same scenario over the C of the same kernel version');
  out.push('(the Debian source tree). How to run it, and against another kernel: [conformance-howto.md](conformance-howto.md).');
  out.push('Documented model limitations live in `test/kernel/limitations.json`.', '');
  out.push('## Summary', '');
  out.push('| kernel | package | model tree | scenarios | agree | explained | unexplained | boot + run |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const k of report.kernels) {
    const s = k.scenarios;
    const agree = s.filter((x) => x.agree).length;
    const expl = s.filter((x) => !x.agree && x.unexplained === 0).length;
    const unex = s.filter((x) => x.unexplained > 0).length;
    out.push(`| ${k.id} (${esc(k.uname ?? '?')}) | ${esc(k.package)} | ${esc(k.modelTree)} | ${s.length} | ${agree} | ${expl} | ${unex} | ${k.guestSeconds.toFixed(0)} s |`);
  }
  const devices = [...new Set(report.kernels.map((k) => k.device).filter(Boolean))];
  if (devices.length) out.push('', `Scratch device in the guest: ${devices.map((d) => `\`${d}\``).join(', ')} (device-mapper over virtio-blk, a delay target during the write so that AIO is still in flight when \`iomap_dio_rw()\` returns).`);
  out.push('', `Compared fields: ${FIELDS.map((f) => `\`${f}\``).join(', ')}.`);
  out.push('“explained” = every differing field is a documented limitation; “unexplained” fails CI.', '');
  const ids = [...new Set(report.kernels.flatMap((k) => k.scenarios.map((s) => s.id)))];
  out.push('## Scenario × kernel', '');
  out.push(`| scenario | ${report.kernels.map((k) => `${k.id}: model | ${k.id}: observed | ${k.id}`).join(' | ')} |`);
  out.push(`|---|${report.kernels.map(() => '---|---|---').join('|')}|`);
  const brief = (o) => (o ? `${o.path}/${o.fallback} lock:${o.lockAcrossIo} ${o.waits?.length ? `waits:${o.waits.join(',')} ` : ''}${o.dioUnwritten ? 'U' : '-'}${o.unwrittenConverted ? 'C' : '-'} ${o.orphan !== 'none' ? `orphan:${o.orphan} ` : ''}ret:${o.ret}` : '–');
  for (const id of ids) {
    const cells = report.kernels.map((k) => {
      const s = k.scenarios.find((x) => x.id === id);
      if (!s) return '– | – | –';
      const verdict = s.agree ? '✓' : s.unexplained ? `✗ ${Object.entries(s.fields).filter(([, v]) => !v.agree && !v.explained).map(([f]) => f).join(', ')}` : `≈ ${Object.entries(s.fields).filter(([, v]) => !v.agree).map(([f]) => f).join(', ')} (limitation)`;
      return `${esc(brief(s.model))} | ${esc(brief(s.observed))} | ${esc(verdict)}`;
    });
    out.push(`| \`${id}\` | ${cells.join(' | ')} |`);
  }
  out.push('');
  const stale = report.staleLimitations ?? [];
  if (stale.length) {
    out.push('## Limitations that matched nothing', '');
    for (const l of stale) out.push(`* \`${l.scenario}\` on ${l.kernel}, field \`${l.field}\`: ${l.reason}`);
    out.push('');
  }
  out.push('## Disagreements', '');
  let any = false;
  for (const k of report.kernels) {
    for (const s of k.scenarios) {
      if (s.agree) continue;
      any = true;
      out.push(`### \`${s.id}\` on ${k.id}${s.unexplained ? ' — UNEXPLAINED' : ' — documented limitation'}`, '');
      if (s.description) out.push(`${s.description}`, '');
      out.push('| field | model | observed | status |', '|---|---|---|---|');
      for (const [f, v] of Object.entries(s.fields)) if (!v.agree) out.push(`| ${f} | ${esc(show(v.model))} | ${esc(show(v.observed))} | ${v.explained ? `limitation: ${esc(v.explained)}` : '**unexplained**'} |`);
      out.push('');
      if (s.analysis) out.push(`Analysis: ${s.analysis}`, '');
      if (s.workload) out.push('Workload:', '', '```', s.workload, '```', '');
      out.push('<details><summary>model trace summary</summary>', '', '```', ...(s.modelTrace ?? ['(none)']), '```', '', '</details>', '');
      out.push('<details><summary>observed event log</summary>', '', '```', ...(s.events ?? ['(none)']), '```', '', '</details>', '');
    }
  }
  if (!any) out.push('None: model and kernel agree on every compared field of every scenario.', '');
  return `${out.join('\n')}\n`;
}
