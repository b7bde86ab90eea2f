import type { HeaderCode } from '../kernel/headerCode';
import type { CFunction } from '../interp/interpreter';
import { INTERPRETED_FILES, KernelImage, type OverlayEntry } from '../kernel/image';
import type { KernelProfile } from '../model/profiles';
import { simulate } from '../engine/simulate';
import type { RunCache } from './runCache';
import type { ScenarioResult } from '../engine/outcome';
import type { Scenario } from '../scenario/types';
import { GlobalInit, SourceFile } from '../syntax/sourceFile';
import type { CParser } from '../syntax/treeSitter';
import { PreprocConfig, DEFAULT_PREPROC_CONFIG } from '../syntax/preproc';

/**
 * One side of a comparison: the interpreted files' texts, their parsed form, and the
 * simulation results (computed once, on first use, then reused by every hunk that shares
 * the image).
 */
export class ImageSide {
  private results?: Map<string, ScenarioResult>;
  /** The scenarios run, by id, to re-run one whose trace was dropped. */
  private readonly scenarios = new Map<string, Scenario>();
  /** Reused by later reviews (BaseTree.memo): its traces are kept, attribution needs them. */
  shared = false;
  /** Earlier runs to reuse where a scenario's code is unchanged (the language server's, per document). */
  cache?: RunCache;
  /**
   * Store only the outcome and functions entered of each run (its trace and lines run go
   * at once): for ablation images, whose runs are compared by outcome only. Formatted or
   * not, a run's trace is most of what it allocates, and a review of the 6.12 → 7.2 diff
   * makes ~450 ablation runs; kept, their traces made young-generation GC copy and promote
   * them all.
   */
  outcomesOnly = false;
  /** Ids whose stored result has had its trace dropped (`dropTraces()`). */
  private readonly traceless = new Set<string>();
  readonly image: KernelImage;

  constructor(
    /** tree-relative path → text, for every interpreted file this image has. */
    readonly texts: ReadonlyMap<string, string>,
    readonly files: ReadonlyMap<string, SourceFile>,
    overlay: ReadonlyMap<string, OverlayEntry> = new Map(),
    config: PreprocConfig = DEFAULT_PREPROC_CONFIG,
    globals: ReadonlyMap<string, GlobalInit> = new Map(),
    fallback?: (name: string) => CFunction | undefined,
    headers?: HeaderCode,
    /** The constants of this image's headers when a patch changed them (else the unit's). */
    private readonly ownConstant?: (n: string) => bigint | undefined,
  ) {
    this.image = new KernelImage([...files.values()], overlay, config, globals, fallback, headers);
  }

  /** Simulate every scenario (memoised). `budget` returns false once time is up: remaining scenarios are skipped. */
  run(scenarios: readonly Scenario[], profile: KernelProfile, unitConstant: (n: string) => bigint | undefined, budget: () => boolean): Map<string, ScenarioResult> {
    const constant = this.ownConstant ?? unitConstant;
    this.results ??= new Map();
    for (const s of scenarios) {
      if (this.results.has(s.id)) continue;
      if (!budget()) break;
      this.scenarios.set(s.id, s);
      const r = this.cache ? this.cache.simulate(s, this.image, profile, constant) : simulate(s, { image: this.image, profile, constant });
      this.results.set(s.id, this.outcomesOnly ? withoutTrace(r) : r);
      if (this.outcomesOnly) this.traceless.add(s.id);
    }
    return this.results;
  }

  /**
   * Keep outcomes and functions entered, drop step traces and lines run: once a unit is
   * attributed its traces are only wanted by a trace view, for one scenario at a time.
   * Without this a review holds every scenario's trace of every hunk-only unit (issue 16:
   * a 1 MB patch peaked at over 1 GB).
   */
  dropTraces(): void {
    if (!this.results || this.shared) return;
    for (const [id, r] of this.results) {
      if (this.traceless.has(id)) continue;
      this.results.set(id, withoutTrace(r));
      this.traceless.add(id);
    }
  }

  /**
   * One scenario's result with its trace: stored, or simulated again when the trace was
   * dropped (the simulation is deterministic: the same image and scenario give the same run).
   */
  withTrace(id: string, profile: KernelProfile, unitConstant: (n: string) => bigint | undefined): ScenarioResult | undefined {
    const constant = this.ownConstant ?? unitConstant;
    const r = this.results?.get(id);
    const s = this.scenarios.get(id);
    if (!r || !this.traceless.has(id) || !s) return r;
    return simulate(s, { image: this.image, profile, constant });
  }
}

/** `r` without its trace and lines run. Named, not spread: a spread would read (and so format) the trace it drops. */
function withoutTrace(r: ScenarioResult): ScenarioResult {
  return { id: r.id, outcome: r.outcome, functions: r.functions, trace: [], linesRun: {} };
}

/**
 * Builds images from texts, parsing each distinct file text once. Owns the SourceFiles
 * it creates and frees their tree-sitter trees on `dispose()`.
 */
export class ImageFactory {
  /**
   * path → text → parsed file. Two levels, not one key of path + text: a concatenated key
   * is a new string to hash (the whole file, 200 KB for inode.c) on every lookup, and a
   * review looks files up once per hunk (issue 16: review time grew with hunks²).
   */
  private readonly parsed = new Map<string, Map<string, SourceFile>>();

  constructor(
    private readonly parser: CParser,
    private readonly config: PreprocConfig = DEFAULT_PREPROC_CONFIG,
    seed: readonly SourceFile[] = [],
    /** The tree's header code (static inlines, macros), shared by every image built here. */
    private readonly headers?: HeaderCode,
    /** The tree's constants with some headers' texts replaced (BaseTree.constantsWith). */
    private readonly constantsWith?: (overlay: ReadonlyMap<string, string>) => (n: string) => bigint | undefined,
  ) {
    // Files already parsed by the caller (the base tree) are reused, not re-parsed.
    for (const f of seed) this.byPath(f.path).set(f.text, f);
  }

  /**
   * Object-like `#define`s the reviewed document adds (its hunks' `+` lines), parsed as one
   * file; laid after the tree's files in hunk-only images, so a constant the patch defines
   * next to the code using it is known there (`#define DIO_UNWRITTEN 0x1` of seed 003)
   * while every name the tree defines keeps the tree's value. Set by the review.
   */
  patchDefines?: SourceFile;

  /**
   * The image of `texts` (only interpreted files are parsed), with an optional overlay of
   * functions and initialised globals; `withPatchDefines` for hunk-only images.
   */
  image(texts: ReadonlyMap<string, string>, overlay?: ReadonlyMap<string, OverlayEntry>, globals?: ReadonlyMap<string, GlobalInit>, fallback?: (name: string) => CFunction | undefined, withPatchDefines = false): ImageSide {
    const files = new Map<string, SourceFile>();
    for (const path of INTERPRETED_FILES) {
      const text = texts.get(path);
      if (text === undefined) continue;
      files.set(path, this.file(path, text));
    }
    if (withPatchDefines && this.patchDefines) files.set(this.patchDefines.path, this.patchDefines);
    const changed = this.changedHeaders(texts);
    if (!changed) return new ImageSide(texts, files, overlay, this.config, globals, fallback, this.headers);
    const h = this.withHeaders(changed);
    return new ImageSide(texts, files, overlay, this.config, globals, fallback, h.headers, h.constant);
  }

  /**
   * The headers of `texts` (a patch's post-image of `fs/ext4/ext4.h`, …) whose text is not
   * the tree's, or undefined when there are none: an image over them reads their static
   * inlines, macros, struct layouts and constants, not the tree's (issue 11 §5).
   */
  private changedHeaders(texts: ReadonlyMap<string, string>): ReadonlyMap<string, string> | undefined {
    let out: Map<string, string> | undefined;
    for (const [path, text] of texts) {
      if (!path.endsWith('.h') || !this.headers) continue;
      if (this.headers.headerText(path) === text) continue;
      (out ??= new Map()).set(path, text);
    }
    return out;
  }

  /** Header code and constants over changed headers, one per distinct set of texts. */
  private withHeaders(changed: ReadonlyMap<string, string>): { headers: HeaderCode; constant?: (n: string) => bigint | undefined } {
    // Both are memoised by the tree per distinct header texts.
    return { headers: this.headers!.withOverlay(changed), constant: this.constantsWith?.(changed) };
  }

  /** Parse (or reuse) one file. */
  file(path: string, text: string): SourceFile {
    const byText = this.byPath(path);
    let f = byText.get(text);
    if (!f) {
      f = new SourceFile(path, text, this.parser, this.config);
      // A hunk's side is small and read once: lower it now and free its tree, so a patch of
      // thousands of hunks does not hold thousands of trees in the WASM heap (which never shrinks).
      if (path.includes('#hunk:')) {
        f.lowerAll();
        f.dispose();
      }
      byText.set(text, f);
    }
    return f;
  }

  private byPath(path: string): Map<string, SourceFile> {
    let m = this.parsed.get(path);
    if (!m) this.parsed.set(path, (m = new Map()));
    return m;
  }

  /** Free every tree this factory parsed (not the seeded base files). */
  dispose(keep: readonly SourceFile[] = []): void {
    const keepSet = new Set(keep);
    for (const byText of this.parsed.values()) for (const f of byText.values()) if (!keepSet.has(f)) f.dispose();
    this.parsed.clear();
    this.patchDefines?.dispose();
    this.patchDefines = undefined;
  }
}
