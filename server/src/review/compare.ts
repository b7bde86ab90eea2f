import { bufferedWriteText, type Outcome, type ScenarioResult } from '../engine/outcome';
import type { TraceStep } from '../interp/trace';
import { diffArrays } from 'diff';
import type { ChangeField, HunkChange, HunkFinding } from './types';

/** Fields compared between the two images, in the order they are reported (BRIEF: fallback, lock, unwritten, waits, orphan, ret). */
export const CHANGE_FIELDS: readonly ChangeField[] = ['path', 'fallback', 'lockAcrossIo', 'lockSequence', 'waits', 'dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'orphan', 'bufferedWrite', 'ret', 'convertContext', 'ioEndAllocs', 'finalSize', 'warns', 'timeline'];

/** Render one outcome field for a table cell. */
export function fieldText(o: Outcome, f: ChangeField): string {
  if (o.inconclusive) return 'inconclusive';
  if (f === 'bufferedWrite') return bufferedWriteText(o.bufferedWrite);
  if (f === 'finalSize') return o.finalSize ? `i_size ${o.finalSize.iSize}, i_disksize ${o.finalSize.disksize}` : 'none';
  if (f === 'timeline') return o.timeline?.length ? o.timeline.join(' → ') : 'none';
  const v = o[f];
  if (Array.isArray(v)) return v.length ? v.join(' ') : 'none';
  if (v === undefined) return 'none';
  if (f === 'ret' && o.completionRet !== undefined) return `${v} (completes ${o.completionRet})`;
  return String(v);
}

/**
 * Waits that only say *how* a synchronous request waits for its own IO, not *whether*:
 * __iomap_dio_rw() (fs/iomap/direct-io.c, 6.1–7.2) sets `wait_for_completion =
 * is_sync_kiocb(iocb) || (dio_flags & IOMAP_DIO_FORCE_WAIT)`, so for a sync kiocb the flag
 * changes nothing, and a sync request never gets -EIOCBQUEUED to wait after.
 */
const SYNC_NO_OP_WAITS: ReadonlySet<string> = new Set(['IOMAP_DIO_FORCE_WAIT', 'wait-after-EIOCBQUEUED']);

/** The `waits` cell compared for a request: for a sync one, without SYNC_NO_OP_WAITS. */
function waitsBehaviour(o: Outcome, sync: boolean): string {
  if (o.inconclusive || !sync) return fieldText(o, 'waits');
  const w = o.waits.filter((x) => !SYNC_NO_OP_WAITS.has(x));
  return w.length ? w.join(' ') : 'none';
}

/** `WARN_ON_ONCE(cond) in fn()` → `WARN_ON_ONCE`: which assertion kind fired, not how it or its function is spelled. */
const warnKind = (w: string) => (/^(WARN\w*|BUG\w*)\(/.exec(w)?.[1] ?? w);

/**
 * What is compared for `warns` and `timeline`: WARN sites by their macro, in order. A
 * behaviour-preserving edit may rename the function a WARN sits in or re-spell its
 * condition (the precision suite does both); which WARNs fire, and when, is the behaviour.
 */
function comparedText(o: Outcome, f: ChangeField): string {
  if (o.inconclusive) return 'inconclusive';
  if (f === 'warns') return (o.warns ?? []).map(warnKind).join(' ') || 'none';
  if (f === 'timeline') return (o.timeline ?? []).map(warnKind).join(' → ') || 'none';
  return fieldText(o, f);
}

/**
 * Fields whose rendering differs between `a` (before) and `b` (after). Behaviour, not
 * spelling: with `sync` (the request is not AIO), `waits` compares whether the syscall
 * waited, not which flag asked for it (SYNC_NO_OP_WAITS).
 */
export function diffOutcomes(a: Outcome, b: Outcome, opts: { sync?: boolean } = {}): Array<{ field: ChangeField; before: string; after: string }> {
  const out: Array<{ field: ChangeField; before: string; after: string }> = [];
  for (const f of CHANGE_FIELDS) {
    // Whether a buffered write happened at all is `path`/`fallback`'s to say; this field compares two buffered writes.
    if (f === 'bufferedWrite' && (!a.bufferedWrite || !b.bufferedWrite)) continue;
    if (f === 'warns' || f === 'timeline') {
      if (comparedText(a, f) !== comparedText(b, f)) out.push({ field: f, before: fieldText(a, f), after: fieldText(b, f) });
      continue;
    }
    const before = f === 'waits' ? waitsBehaviour(a, !!opts.sync) : fieldText(a, f);
    const after = f === 'waits' ? waitsBehaviour(b, !!opts.sync) : fieldText(b, f);
    if (before !== after) out.push({ field: f, before, after });
  }
  return out;
}

/** Invariants broken after but not before (`new`) and before but not after (`fixed`). */
export function diffFindings(scenario: string, a: Outcome, b: Outcome): HunkFinding[] {
  const codes = (o: Outcome) => new Set(o.findings.map((f) => f.code));
  const ca = codes(a);
  const cb = codes(b);
  const out: HunkFinding[] = [];
  for (const f of b.findings) if (!ca.has(f.code) && !out.some((x) => x.code === f.code && x.status === 'new')) out.push({ ...f, scenario, status: 'new' });
  for (const f of a.findings) if (!cb.has(f.code) && !out.some((x) => x.code === f.code && x.status === 'fixed')) out.push({ ...f, severity: 'information', scenario, status: 'fixed', message: `fixed: ${f.message}` });
  return out;
}

/**
 * The deciding condition inside a hunk for one scenario: the last branch the trace took
 * on a line of `lines` in `file`, as `cond → result @ file:line`.
 */
export function decidingStep(trace: readonly TraceStep[], file: string, lines: ReadonlySet<number>): TraceStep | undefined {
  for (let i = trace.length - 1; i >= 0; i--) {
    const st = trace[i];
    if ((st.kind === 'branch' || st.kind === 'return' || st.kind === 'errno') && st.file === file && lines.has(st.line)) return st;
  }
  return undefined;
}

/** `cond → result @ file:line` for hovers. */
export function stepText(st: TraceStep): string {
  if (st.kind === 'call') return `calls ${st.fn}() @ ${st.file}:${st.line}`;
  return `${st.text}${st.result !== undefined ? ` → ${st.result}` : ''} @ ${st.file}:${st.line}`;
}

/** Changes for one scenario (`sync`: the request is not AIO), with the deciding condition attached. */
export function changesFor(scenario: string, a: ScenarioResult, b: ScenarioResult, why: string | undefined, sync = false): HunkChange[] {
  return diffOutcomes(a.outcome, b.outcome, { sync }).map((d) => ({ scenario, ...d, ...(why ? { why } : {}) }));
}

/**
 * A step's identity for comparing two traces: what happened, not where or how it is
 * spelled. Lines shift and a condition may be rewritten without changing behaviour
 * (`ext4_forced_shutdown(EXT4_SB(sb))` → `ext4_forced_shutdown(sb)`), so branches and
 * returns compare by function and result; calls, models and locks also by text, which
 * names the callee and the modelled effect.
 */
function stepKey(st: TraceStep): string {
  const text = st.kind === 'branch' || st.kind === 'return' || st.kind === 'goto' || st.kind === 'errno' ? '' : st.kind === 'call' ? st.fn : st.text;
  return `${st.kind}|${st.fn}|${text}|${st.result ?? ''}`;
}

/**
 * Edits the trace diff may find before it gives up. Myers' diff costs O(N·D) time and
 * memory for D edits; real patches differ in tens of steps, a runaway run in thousands
 * (issue 16: one NUL byte in a hunk cost 30 s and 790 MB here).
 */
export const MAX_TRACE_EDITS = 400;

/**
 * The steps where two traces of the same scenario differ: a Myers diff (jsdiff
 * `diffArrays`) over step identities, after the common prefix and suffix. Steps only in
 * `a` happened before the patch and not after, steps only in `b` the reverse; together
 * they locate every place the patched code behaves differently, and a hunk containing one
 * of them takes part in the change. When the traces differ in more than
 * `MAX_TRACE_EDITS` steps, everything between the common prefix and suffix counts as
 * divergent (`coarse`): attribution then names every hunk whose code ran there.
 */
export function divergentSteps(a: readonly TraceStep[], b: readonly TraceStep[]): { before: TraceStep[]; after: TraceStep[]; coarse: boolean } {
  const ka = a.map(stepKey);
  const kb = b.map(stepKey);
  let lo = 0;
  while (lo < ka.length && lo < kb.length && ka[lo] === kb[lo]) lo++;
  let hiA = ka.length;
  let hiB = kb.length;
  while (hiA > lo && hiB > lo && ka[hiA - 1] === kb[hiB - 1]) {
    hiA--;
    hiB--;
  }
  const parts = diffArrays(ka.slice(lo, hiA), kb.slice(lo, hiB), { maxEditLength: MAX_TRACE_EDITS });
  if (!parts) return { before: a.slice(lo, hiA), after: b.slice(lo, hiB), coarse: true };
  const before: TraceStep[] = [];
  const after: TraceStep[] = [];
  let ia = lo;
  let ib = lo;
  for (const part of parts) {
    const n = part.count ?? part.value.length;
    if (part.removed) {
      before.push(...a.slice(ia, ia + n));
      ia += n;
    } else if (part.added) {
      after.push(...b.slice(ib, ib + n));
      ib += n;
    } else {
      ia += n;
      ib += n;
    }
  }
  return { before, after, coarse: false };
}
