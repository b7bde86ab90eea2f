import { show as showPlain, type Value } from './values';

/**
 * The step trace: every decision the simulation made, with where it was made.
 *
 * A hover shows these to answer "why": `file.c:512 if (*ilock_shared && (!IS_NOSEC(inode)
 * || ...)) → true  [IS_NOSEC(inode)=false]`.
 */
export interface TraceStep {
  /** What kind of step: a C branch, a call into a model, an assumption the model made… */
  kind: 'branch' | 'call' | 'return' | 'errno' | 'model' | 'assumption' | 'lock' | 'wait' | 'warn' | 'goto';
  /** The C function (interpreted) or model function (TypeScript) the step happened in. */
  fn: string;
  /** File path as given to the engine (`fs/ext4/file.c`) or `model:<module>` for TS models. */
  file: string;
  /** 1-based line in that file (0 for model steps). */
  line: number;
  /** The condition or call text, e.g. `ret == -ENOTBLK`. */
  text: string;
  /** The outcome of the step: `true`/`false`, a return value, a lock mode. */
  result?: string;
  /** Values seen while evaluating the condition, by sub-expression text. */
  values?: Record<string, string>;
  /** For model steps: the kernel source this behaviour is taken from. */
  cite?: string;
  /**
   * For calls, returns and errno assignments: the `if` conditions enclosing the statement
   * in its function, innermost last, as `cond @ file:line`. This is what a reader means by
   * "why did it get here".
   */
  guards?: string[];
  /** Call depth, for indentation in trace views. */
  depth: number;
}

/** Steps one run's trace keeps (see `Trace`). */
export const TRACE_LIMIT = 2_000;

/** How a value is shown in a step (`-ENOTBLK`, `&<inode>`, `4096`). */
export type ShowValue = (v: Value) => string;

/** What is left to format in a step (see `Trace.pending`). */
const enum Later {
  Call,
  Return,
  Values,
}

/**
 * Sink for trace steps; the interpreter and the models share one per scenario run.
 *
 * A call's argument list, a return's value and a branch's watched values are formatted
 * only when the steps are first read: formatting every value a run sees cost more than the run, and most
 * runs' steps are never shown (a hover shows a few of one scenario's). What is kept for
 * that is immutable and holds no kernel object (an object argument is shown at once), so
 * a finished run's world is not kept alive by its trace.
 */
export class Trace {
  private readonly kept: TraceStep[] = [];
  /**
   * Steps whose text or values are formatted when the steps are first read, flat: step,
   * `Later`, then for a call its name and kept arguments, for a return the kept value, for
   * a branch its watched (text, value…) list and the text to skip. No object per entry.
   */
  private pending: unknown[] = [];
  depth = 0;
  /** Steps not kept because the trace was full. */
  dropped = 0;

  /**
   * @param show how deferred values are shown (the interpreter's own `showValue()` for the same host).
   * @param limit steps kept per run. The default matrix's longest trace is under 300 steps
   * (6.1–7.2, measured); a runaway run would otherwise keep one object per step, and a
   * review keeps every scenario's trace on both sides (issue 16: 2 GB for one bad edit).
   */
  constructor(private readonly show: ShowValue = (v) => showPlain(v), private readonly limit = TRACE_LIMIT) {}

  /** The steps, formatted: reading them finishes what `addCall()`, `addReturn()` and `addWatched()` left for later. */
  get steps(): TraceStep[] {
    if (this.pending.length) {
      const p = this.pending;
      this.pending = [];
      const shown = (a: Value | string) => (typeof a === 'string' ? a : this.show(a));
      for (let i = 0; i < p.length; ) {
        const step = p[i++] as TraceStep;
        switch (p[i++] as Later) {
          case Later.Call: {
            const name = p[i++] as string;
            const args = p[i++] as (Value | string)[];
            step.text = `${name}(${args.map(shown).join(', ')})`;
            break;
          }
          case Later.Return:
            step.result = shown(p[i++] as Value | string);
            break;
          case Later.Values: {
            const watched = p[i++] as (string | Value)[];
            const skip = p[i++] as string;
            const values: Record<string, string> = {};
            for (let k = 0; k < watched.length; k += 2) if (watched[k] !== skip) values[watched[k] as string] = this.show(watched[k + 1] as Value);
            step.values = values;
            break;
          }
        }
      }
    }
    return this.kept;
  }

  add(step: Omit<TraceStep, 'depth'>): void {
    // Every caller passes a fresh literal: it becomes the step (no copy per step).
    if (this.kept.length < this.limit - 1) {
      (step as TraceStep).depth = this.depth;
      this.kept.push(step as TraceStep);
    }
    else if (this.dropped++ === 0) {
      // The last slot says the trace is cut, so no reader takes it for the whole run.
      this.kept.push({ kind: 'warn', fn: step.fn, file: step.file, line: step.line, text: `trace cut: only the first ${this.limit - 1} steps are kept`, depth: this.depth });
    }
  }

  /** Add a call step whose text is `name(args…)`, formatted when read. */
  addCall(step: Omit<TraceStep, 'depth' | 'text'>, name: string, args: readonly Value[]): void {
    const s = step as Omit<TraceStep, 'depth'>;
    s.text = '';
    this.add(s);
    const kept: (Value | string)[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) kept[i] = this.keepable(args[i]);
    this.pending.push(s, Later.Call, name, kept);
  }

  /** Add a return step whose result is `value`, formatted when read. */
  addReturn(step: Omit<TraceStep, 'depth' | 'result'>, value: Value): void {
    const s = step as Omit<TraceStep, 'depth'>;
    s.result = '';
    this.add(s);
    this.pending.push(s, Later.Return, this.keepable(value));
  }

  /** A value as kept for later: scalars as they are (immutable); an object shown now, so the trace holds no kernel object. */
  private keepable(v: Value): Value | string {
    return v.k === 'int' || v.k === 'null' || v.k === 'errptr' || v.k === 'void' ? v : this.show(v);
  }

  /** Add a branch step whose `values` are `values` (text, value, text, value…) but `skip`, formatted when read. */
  addWatched(step: Omit<TraceStep, 'depth'>, values: readonly (string | Value)[], skip: string): void {
    this.add(step);
    this.pending.push(step, Later.Values, values, skip);
  }

  /** Record a model decision with the kernel source it is modelled on. */
  model(fn: string, text: string, result: string | undefined, cite: string): void {
    this.add({ kind: 'model', fn, file: 'model', line: 0, text, result, cite });
  }
}
