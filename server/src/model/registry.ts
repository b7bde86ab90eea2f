import type { CNode } from '../syntax/cst';
import type { Interpreter } from '../interp/interpreter';
import type { Value } from '../interp/values';
import type { World } from './world';

/** What a model function sees: the world it changes and the interpreter that called it. */
export interface ModelCtx {
  readonly w: World;
  readonly it: Interpreter;
}

/**
 * A macro or header inline implemented in TypeScript. Gets the unevaluated argument nodes
 * because some take type names or tokens (`min_t(loff_t, …)`, `test_opt(sb, DELALLOC)`).
 */
export interface BuiltinFn {
  readonly kind: 'builtin';
  /** The kernel definition this implements (file, version where it matters). */
  readonly cite: string;
  run(ctx: ModelCtx, args: readonly CNode[]): Value;
}

/** A kernel function implemented in TypeScript over the world state. */
export interface ModelFn {
  /**
   * `boundary`: used even when the image has the C (extent tree, jbd2); `model`: only
   * without C in the image; `fallback`: only without C in the image *or* the headers (a
   * macro-generated header function the headers of the legacy eras' images lack).
   */
  readonly kind: 'boundary' | 'model' | 'fallback';
  readonly cite: string;
  run(ctx: ModelCtx, args: Value[], site: CNode): Value;
}

export type Registry = Record<string, BuiltinFn | ModelFn>;

/** A model that stands in only where neither the image nor its headers have C for the function (kind `fallback`). */
export const fallback = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'fallback', cite, run: (ctx, args) => run(ctx, args) });
