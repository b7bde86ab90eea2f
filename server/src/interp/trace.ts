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

/** Sink for trace steps; the interpreter and the models share one per scenario run. */
export class Trace {
  readonly steps: TraceStep[] = [];
  depth = 0;
  /** Steps not kept because the trace was full. */
  dropped = 0;

  /**
   * @param limit steps kept per run. The default matrix's longest trace is under 200 steps
   * (6.1/6.12, measured); a runaway run would otherwise keep one object per step, and a
   * review keeps every scenario's trace on both sides (issue 16: 2 GB for one bad edit).
   */
  constructor(private readonly limit = TRACE_LIMIT) {}

  add(step: Omit<TraceStep, 'depth'>): void {
    // Every caller passes a fresh literal: it becomes the step (no copy per step).
    if (this.steps.length < this.limit - 1) {
      (step as TraceStep).depth = this.depth;
      this.steps.push(step as TraceStep);
    }
    else if (this.dropped++ === 0) {
      // The last slot says the trace is cut, so no reader takes it for the whole run.
      this.steps.push({ kind: 'warn', fn: step.fn, file: step.file, line: step.line, text: `trace cut: only the first ${this.limit - 1} steps are kept`, depth: this.depth });
    }
  }

  /** Record a model decision with the kernel source it is modelled on. */
  model(fn: string, text: string, result: string | undefined, cite: string): void {
    this.add({ kind: 'model', fn, file: 'model', line: 0, text, result, cite });
  }
}
