import type { CFunction, CMacro, CodeImage } from '../interp/interpreter';
import type { PreprocConfig } from '../syntax/preproc';
import type { StructLayout } from '../interp/values';
import type { KernelProfile } from '../model/profiles';
import type { ScenarioResult } from '../engine/outcome';
import type { Scenario } from '../scenario/types';
import { simulate } from '../engine/simulate';

/**
 * What one simulation read from its image: every name it looked up (function, macro,
 * global) with a fingerprint of the answer. A run is a pure function of its scenario,
 * profile, constants and these answers, so another image that gives the same answers
 * for every name would run it the same way, step for step and line for line.
 */
type Deps = Map<string, string>;

/** A function's identity for a run: where it is (traces and attribution use its lines) and its text. */
function fingerprint(fn: CFunction | undefined): string {
  if (!fn) return '';
  return `${fn.displayPath}\0${fn.lineBase}\0${fn.def.row}\0${fn.file.text.slice(fn.def.start, fn.def.end)}`;
}

/** Wraps an image and records the answers a run gets from it. */
class RecordingImage implements CodeImage {
  readonly deps: Deps = new Map();
  constructor(private readonly inner: CodeImage) {}

  get config(): PreprocConfig {
    return this.inner.config;
  }

  lookupFunction(name: string): CFunction | undefined {
    const fn = this.inner.lookupFunction(name);
    const k = `f:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, fingerprint(fn));
    return fn;
  }

  lookupMacro(name: string): string | undefined {
    const m = this.inner.lookupMacro(name);
    const k = `m:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, m === undefined ? '' : `=${m}`);
    return m;
  }

  lookupGlobal(name: string): Record<string, string> | undefined {
    const g = this.inner.lookupGlobal(name);
    const k = `g:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, g === undefined ? '' : JSON.stringify(g));
    return g;
  }

  // The tree's header code: recorded like the image's own C, so a run is reused only over
  // the same headers (another tree's may define the same name differently).
  lookupHeaderFunction(name: string): CFunction | undefined {
    const fn = this.inner.lookupHeaderFunction?.(name);
    const k = `h:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, fingerprint(fn));
    return fn;
  }

  lookupHeaderMacro(name: string): CMacro | undefined {
    const m = this.inner.lookupHeaderMacro?.(name);
    const k = `d:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, macroKey(m));
    return m;
  }

  expandHeaderMacro(m: CMacro, args: readonly string[]): CFunction | undefined {
    return this.inner.expandHeaderMacro?.(m, args);
  }

  // Struct layouts are the tree's too: a patch adding a member changes what a run can read.
  lookupStruct(name: string): StructLayout | undefined {
    const l = this.inner.lookupStruct?.(name);
    const k = `s:${name}`;
    if (!this.deps.has(k)) this.deps.set(k, layoutKey(l));
    return l;
  }
}

function layoutKey(l: StructLayout | undefined): string {
  return l === undefined ? '' : `${l.path ?? ''}:${[...l.members.keys()].join(',')}`;
}

function macroKey(m: CMacro | undefined): string {
  // With the body: a patched #define keeps its path and line.
  return m === undefined ? '' : `${m.path}:${m.line}(${m.params?.join(',') ?? ''})=${m.body}`;
}

/** Does `image` answer every recorded lookup the way the recorded run's image did? */
function sameAnswers(deps: Deps, image: CodeImage): boolean {
  for (const [k, v] of deps) {
    const name = k.slice(2);
    let now: string;
    if (k[0] === 'f') now = fingerprint(image.lookupFunction(name));
    else if (k[0] === 'h') now = fingerprint(image.lookupHeaderFunction?.(name));
    else if (k[0] === 'd') now = macroKey(image.lookupHeaderMacro?.(name));
    else if (k[0] === 's') now = layoutKey(image.lookupStruct?.(name));
    else if (k[0] === 'm') {
      const m = image.lookupMacro(name);
      now = m === undefined ? '' : `=${m}`;
    } else {
      const g = image.lookupGlobal(name);
      now = g === undefined ? '' : JSON.stringify(g);
    }
    if (now !== v) return false;
  }
  return true;
}

interface Entry {
  deps: Deps;
  config: PreprocConfig;
  profile: KernelProfile;
  constant: (n: string) => bigint | undefined;
  result: ScenarioResult;
}

/**
 * Results of earlier simulations, reused when a new image answers every lookup the run
 * made the same way (same functions at the same lines, same macros and globals): after a
 * one-line edit of a patch, the scenarios whose code the edit does not touch are not run
 * again. Owned by one open document (the language server's DocumentState), never shared
 * between documents; keyed by scenario object, so a new scenario set starts afresh.
 */
export class RunCache {
  private readonly byScenario = new WeakMap<Scenario, Entry[]>();
  /** Runs answered from the cache, and runs simulated, since creation (for logs and tests). */
  hits = 0;
  misses = 0;

  /** The result of `s` on `image`: a recorded one when its dependencies still hold, else a new simulation. */
  simulate(s: Scenario, image: CodeImage, profile: KernelProfile, constant: (n: string) => bigint | undefined): ScenarioResult {
    const entries = this.byScenario.get(s) ?? [];
    for (const e of entries) {
      if (e.config === image.config && e.profile === profile && e.constant === constant && sameAnswers(e.deps, image)) {
        this.hits++;
        return e.result;
      }
    }
    this.misses++;
    const rec = new RecordingImage(image);
    const result = simulate(s, { image: rec, profile, constant });
    // Two entries per scenario: the last two versions (an edit and its undo both hit).
    this.byScenario.set(s, [{ deps: rec.deps, config: image.config, profile, constant, result }, ...entries].slice(0, 2));
    return result;
  }
}
