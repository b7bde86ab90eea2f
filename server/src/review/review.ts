import type { CFunction } from '../interp/interpreter';
import type { TraceStep } from '../interp/trace';
import { INTERPRETED_FILES, KernelImage, type OverlayEntry } from '../kernel/image';
import { PROFILES, KernelProfile } from '../model/profiles';
import { BUILTIN_CONSTANTS } from '../model/constants';
import { inferProfile } from './inferProfile';
import { applySeries, OUT_OF_TIME, parsePatchDocument } from '../patch';
import type { FileDiff, Hunk, Patch, PatchDocument } from '../patch';
import type { Outcome, ScenarioResult } from '../engine/outcome';
import type { Scenario } from '../scenario/types';
import { GlobalInit, SourceFile } from '../syntax/sourceFile';
import { modelledBy } from '../model/host';
import type { CParser } from '../syntax/treeSitter';
import { changesFor, decidingStep, diffFindings, divergentSteps, MAX_TRACE_EDITS, stepText } from './compare';
import { ImageFactory, ImageSide } from './images';
import type { RunCache } from './runCache';
import { graftHunk } from './graft';
import { addedIdentifiers, featureGroups, placeExactly } from './feature';
import { eraReference } from './eraReference';
import { joinSides } from './join';
import type { HeaderCode } from '../kernel/headerCode';
import { findTree } from './findTree';
import { cannotTellText, incompleteText } from './format';
import type { ChangeField, FileReview, HunkChange, HunkFinding, HunkMode, HunkReview, ReviewProblem, ReviewResult, ScenarioTrace } from './types';

/** A kernel tree as the review needs it (io/kernelTree.ts `LoadedKernel` fits). */
export interface BaseTree {
  root?: string;
  /** `6.1.192` style. */
  version?: string;
  texts: ReadonlyMap<string, string>;
  files: readonly SourceFile[];
  profile: KernelProfile;
  profileWhy: string;
  /** The profile the user asked for and why the tree refused it (`profileConflict()`); the review says so. */
  profileConflict?: string;
  constant: (name: string) => bigint | undefined;
  /** `constant` with some headers' texts replaced: a patch's post-image of `fs/ext4/ext4.h` (io/kernelTree.ts). */
  constantsWith?: (overlay: ReadonlyMap<string, string>) => (name: string) => bigint | undefined;
  /**
   * The static inlines and macros of the tree's headers (kernel/headerCode.ts): every image
   * a review builds over this tree runs them, as `simulate` does.
   */
  headers?: HeaderCode;
  /**
   * The unpatched tree's image and its results for one scenario list, kept on the base so
   * that the next review of the same document (an edit) does not simulate the tree again:
   * only the patched side changes between edits. Set by the review; owners of a base that
   * changes (editor overlays) make a new base object.
   */
  memo?: { scenarios: readonly Scenario[]; side: ImageSide };
}

/** The image of `base` unpatched, shared by every review of that base with the same scenario list. */
function baseSide(base: BaseTree, factory: ImageFactory, scenarios: readonly Scenario[]): ImageSide {
  if (base.memo && base.memo.scenarios === scenarios) return base.memo.side;
  const side = factory.image(base.texts);
  side.shared = true;
  base.memo = { scenarios, side };
  return side;
}

export interface ReviewOptions {
  parser: CParser;
  /** The pre-image tree. Without it every hunk is reviewed in hunk-only mode. */
  base?: BaseTree;
  /**
   * In hunk-only mode without a base: the tree that supplies "everything else" (the
   * profile's reference Debian tree, when fetched). Without it, hunk-only hunks are
   * parsed and indexed but not simulated.
   */
  reference?: BaseTree;
  /**
   * Without a base: supplies the reference tree for the profile chosen for the patch
   * (`profileOverride`, else inferred from the patch: identifiers, `Date:`). Used when
   * `reference` is not given.
   */
  referenceFor?: (profile: KernelProfile) => BaseTree | undefined;
  /** A profile id the user chose (`ext4WritePath.kernelVersion`, `--kernel-version`). */
  profileOverride?: string;
  scenarios: readonly Scenario[];
  /** Where the scenarios came from, for the report (`default matrix`, a file path). */
  scenarioSource: string;
  /** Returns false once the time budget is spent; the review then answers with what it has. */
  hasTime?: () => boolean;
  /**
   * Earlier runs of the same document's patched tree, reused where a run's code is
   * unchanged (`RunCache`). Used for the post-image of patches applied to `base`.
   */
  runCache?: RunCache;
  /**
   * Without `base` and without `profileOverride`: the cached trees to try, newest first
   * (called once, only then), each with its file texts and a loader of the parsed tree
   * (run only for the match). The first the series applies to becomes the base; else the
   * first it applies to in reverse, minus the series (findTree.ts). Hunk-only mode only
   * when none takes the whole series.
   */
  candidates?: () => ReadonlyArray<{ name: string; texts: ReadonlyMap<string, string>; load: () => BaseTree }>;
}

/** A hunk being reviewed, with its place on both sides. */
interface Job {
  key: string;
  /** A hunk of a header the engine reads, applied to its unit's post-image. */
  headerApplied?: boolean;
  patchIndex: number;
  fileIndex: number;
  hunkIndex: number;
  hunk: Hunk;
  path: string | null;
  mode: HunkMode;
  note?: string;
  unit?: Unit;
  /** 1-based file lines of the hunk on each side, and the changed (-/+) lines. */
  preRange?: [number, number];
  postRange?: [number, number];
  preChanged: Set<number>;
  postChanged: Set<number>;
  /** Display paths the two sides' lines are reported under (tree path, or the hunk's). */
  functions: string[];
  partialFunctions: string[];
  changes: HunkChange[];
  findings: HunkFinding[];
  assumptions: Set<string>;
  run: Set<string>;
  changed: Set<string>;
  /** Scenarios that ran this hunk's functions but are unknown on a side: scenario → why. */
  unknown: Map<string, { side: 'before' | 'after' | 'both'; reason: string }>;
  deciding?: { file: string; line: number; text: string; side: 'before' | 'after' };
  /** When this hunk is a quoted copy of another, the job it shares results with. */
  aliasOf?: Job;
  /** Hunk-only: the reference function this hunk's change was grafted into. */
  graftTarget?: string;
  /** Hunk-only: functions rebuilt across this hunk and its neighbour (joinSplitFunctions). */
  joined?: Set<string>;
}

/** A pre-image / post-image pair and the hunks it explains. */
interface Unit {
  pre: ImageSide;
  post: ImageSide;
  jobs: Job[];
  profile: KernelProfile;
  constant: (n: string) => bigint | undefined;
  done: boolean;
  /** Built on first attribution (unitIndex()); jobs do not change after that. */
  index?: UnitIndex;
  /**
   * Post images minus some hunks (ablationImage()), by the removed hunks' keys: findings and
   * changes ablate the same hunks, and an image keeps its runs, so each is run once.
   */
  ablations?: Map<string, ImageSide | undefined>;
  /**
   * Functions that hunks of this patch would have changed but that did not apply, with
   * the hunk (`path @@ … @@`): the post image is the patch half-applied there, so a
   * scenario entering one of them cannot tell (attribute()).
   */
  failed?: Map<string, string>;
}

/**
 * The result of reviewing one patch document, plus access to the scenario traces behind
 * it (for the trace command and hovers). Owns parsed images: call `dispose()` when the
 * document changes.
 */
export class ReviewSession {
  constructor(
    readonly result: ReviewResult,
    readonly document: PatchDocument,
    private readonly jobs: Map<string, Job>,
    private readonly factory: ImageFactory,
    private readonly keep: readonly SourceFile[],
    /** The tree after the whole series (the base for the next document of a series). */
    readonly postTexts?: ReadonlyMap<string, string>,
    /** The scenarios the review ran. */
    readonly scenarios: readonly Scenario[] = [],
    /** The tree the patch was reviewed against: the given base, or the cached tree findTree chose. */
    readonly base?: BaseTree,
    /** Files parsed for this review alone (a tree minus a reverse-applied series): freed by dispose(). */
    private readonly owned: readonly SourceFile[] = [],
  ) {}

  /** Scenario ids that ran the hunk `key`'s code, changed ones first. */
  scenariosFor(key: string): string[] {
    const j = this.resolve(key);
    if (!j) return [];
    return [...j.changed, ...[...j.run].filter((s) => !j.changed.has(s))];
  }

  /** The trace of `scenario` on one side of hunk `key`, if it was simulated. */
  trace(key: string, scenario: string, side: 'before' | 'after'): ScenarioTrace | undefined {
    const j = this.resolve(key);
    const u = j?.unit;
    if (!u) return undefined;
    const r = (side === 'before' ? u.pre : u.post).withTrace(scenario, u.profile, u.constant);
    return r ? { scenario, side, steps: r.trace } : undefined;
  }

  /** Both sides' results of `scenario` for hunk `key`. */
  results(key: string, scenario: string): { before?: ScenarioResult; after?: ScenarioResult } {
    const u = this.resolve(key)?.unit;
    if (!u) return {};
    const none = () => false;
    return { before: u.pre.run([], u.profile, u.constant, none).get(scenario), after: u.post.run([], u.profile, u.constant, none).get(scenario) };
  }

  dispose(): void {
    this.factory.dispose(this.keep);
    for (const f of this.owned) f.dispose();
  }

  private resolve(key: string): Job | undefined {
    const j = this.jobs.get(key);
    return j?.aliasOf ?? j;
  }
}

const isHeader = (j: { path: string | null }): boolean => !!j.path && j.path.endsWith('.h');
const isInterpreted = (p: string | null): p is string => !!p && (INTERPRETED_FILES as readonly string[]).includes(p);

/**
 * Review a patch document: parse it, build pre- and post-images (applying the series to
 * the base tree in order, or rebuilding the functions hunks contain), simulate the
 * scenarios on both, and attribute every changed outcome and invariant to the hunks
 * whose lines ran. Never throws on bad input: problems are reported in the result.
 */
export function reviewPatch(text: string, opts: ReviewOptions): ReviewSession {
  const steps = reviewSteps(text, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** How far a review is: scenario runs done of the total (each run covers both images of a unit). */
export interface ReviewProgress {
  done: number;
  total: number;
}

/** Scenarios simulated between two yields of `reviewSteps` (a few milliseconds of work). */
const CHUNK = 8;

/**
 * `reviewPatch` as a generator that yields between small batches of simulations, so an
 * event-loop host (the language server) can notice cancellation and newer edits while a
 * long review runs; `hasTime` is consulted after every yield. Returns the session.
 */
export function* reviewSteps(text: string, opts: ReviewOptions): Generator<ReviewProgress, ReviewSession, void> {
  const hasTime = opts.hasTime ?? (() => true);
  const doc = parsePatchDocument(text);
  const problems: ReviewProblem[] = doc.problems.map((p) => ({ message: p.message, line: p.line, severity: p.severity }));
  let base = opts.base;
  const owned: SourceFile[] = [];
  if (!base && opts.candidates && !opts.profileOverride) {
    const trees = opts.candidates();
    const match = findTree(doc, trees, undefined, hasTime);
    if (match) {
      const t = match.tree.load();
      // In reverse the pre-image is the tree minus the series: its C files are parsed anew.
      if (match.direction === 'forward') base = t;
      else {
        const changed = [...match.texts].filter(([p, txt]) => p.endsWith('.c') && t.texts.get(p) !== txt);
        const fresh = changed.map(([p, txt]) => new SourceFile(p, txt, opts.parser));
        owned.push(...fresh);
        const files = [...t.files.filter((f) => match.texts.get(f.path) === t.texts.get(f.path)), ...fresh];
        base = { ...t, texts: match.texts, files, memo: undefined, profileWhy: `${t.profileWhy}; the series taken out` };
      }
      problems.push({ message: match.why, severity: 'information' });
    }
  }
  if (base?.profileConflict) problems.push({ message: `${base.profileConflict}: not used; reviewed with profile ${base.profile.id}`, severity: 'warning', line: 0, kind: 'profile-refused' });
  const reference = base ? undefined : chooseReference(doc, text, opts);
  const factory = new ImageFactory(opts.parser, undefined, [...(base?.files ?? []), ...(reference?.files ?? [])], (base ?? reference)?.headers, (base ?? reference)?.constantsWith);
  factory.patchDefines = patchDefinesOf(doc, opts.parser);
  const jobs = new Map<string, Job>();
  const units: Unit[] = [];

  const newJob = (p: Patch, fi: number, fd: FileDiff, hi: number, h: Hunk): Job => {
    const j: Job = {
      key: `${p.index}:${fi}:${hi}`,
      patchIndex: p.index,
      fileIndex: fi,
      hunkIndex: hi,
      hunk: h,
      path: fd.newPath ?? fd.oldPath,
      mode: 'outside',
      preChanged: new Set(),
      postChanged: new Set(),
      functions: [],
      partialFunctions: [],
      changes: [],
      findings: [],
      assumptions: new Set(),
      unknown: new Map(),
      run: new Set(),
      changed: new Set(),
    };
    jobs.set(j.key, j);
    if (!h.quoteDepth) {
      const at = hunkSlot(j.path, h);
      const list = byHunkSlot.get(at);
      if (list) list.push(j);
      else byHunkSlot.set(at, [j]);
    }
    return j;
  };
  // Quoted copies find their twin among the unquoted hunks by file, position and first
  // line (sameHunk() needs all three equal), not by a scan of every job.
  const byHunkSlot = new Map<string, Job[]>();
  const hunkSlot = (path: string | null, h: Hunk) => `${path}\0${h.oldStart}\0${h.newStart}\0${h.lines.length ? bodyLine(h.lines[0]) : ''}`;

  // 1. The series, in order, each patch against the tree the previous ones produced.
  let budgetCut = false;
  let cur: ReadonlyMap<string, string> | undefined = base?.texts;
  // `cur` holds the base's texts (its interpreted files, and the headers a patch touched,
  // unchanged): the pre-image is then the base's memoised side.
  let curIsBase = true;
  const pending: Job[] = [];
  for (const p of doc.patches) {
    if (p.isCoverLetter || p.quoted) continue;
    const fileJobs = p.files.map((fd, fi) => fd.hunks.map((h, hi) => newJob(p, fi, fd, hi, h)));
    if (!cur || !base) {
      for (const js of fileJobs) for (const j of js) if (isInterpreted(j.path)) pending.push(markHunkOnly(j, 'no kernel tree: hunk-only mode'));
      continue;
    }
    // Headers the engine reads (static inlines, macros, struct layouts, constants) are
    // patched like the C files: the post-image reads the patch's text (issue 11 §5).
    let texts: ReadonlyMap<string, string> = cur;
    for (const fd of p.files) {
      const path = fd.newPath ?? fd.oldPath;
      if (!path || !path.endsWith('.h') || texts.has(path) || !base.headers) continue;
      // A header the patch creates (`--- /dev/null`) starts empty.
      const t = fd.oldPath === null ? '' : base.headers.headerText(path);
      if (t === undefined) continue;
      const withHeader: Map<string, string> = new Map(texts);
      withHeader.set(path, t);
      texts = withHeader;
    }
    cur = texts;
    const res = applySeries(cur, [{ ...p, index: 0 }], hasTime);
    const post = new Map(cur);
    for (const [k, v] of res.files) post.set(k, v);
    const unit: Unit = { pre: curIsBase ? baseSide(base, factory, opts.scenarios) : factory.image(cur), post: factory.image(post), jobs: [], profile: base.profile, constant: base.constant, done: false };
    unit.post.cache = opts.runCache;
    units.push(unit);
    let outOfTime = 0;
    for (const f of res.failed) {
      const j = fileJobs[f.fileIndex]?.[f.hunkIndex];
      if (!j) continue;
      const interpreted = isInterpreted(j.path);
      if (interpreted) for (const name of failedHunkFunctions(unit, j)) (unit.failed ??= new Map()).set(name, `${j.path} ${atHeader(j.hunk)}`);
      // Out of time: not a hunk that does not fit, and no time to rebuild it either.
      if (f.reason === OUT_OF_TIME) {
        if (interpreted) markHunkOnly(j, 'not analysed: time budget exhausted before it was applied');
        outOfTime++;
        continue;
      }
      if (interpreted) pending.push(markHunkOnly(j, `did not apply to the tree (${f.reason.replace(/^hunk does not apply: /, '')})`));
      problems.push({ message: `${j.path ?? '?'} ${j.hunk.header}: did not apply (${f.reason})`, line: j.hunk.docLine, severity: 'warning', kind: 'hunk-failed' });
    }
    if (outOfTime) {
      budgetCut = true;
      problems.push({ message: `time budget exhausted while applying the series: ${outOfTime} hunk(s) not applied or analysed`, severity: 'warning', kind: 'time-budget' });
    }
    placeApplied(unit, fileJobs, p, res.applied);
    // A patch that changed no file leaves the tree as it was: the next patch's pre-image
    // stays the base's (and its memoised runs) instead of a copy simulated anew.
    if (res.files.size) {
      cur = post;
      curIsBase = false;
    }
  }

  // 2. Quoted hunks: share the analysis of an identical hunk of the series, else apply alone.
  for (const p of doc.patches) {
    if (!p.quoted || p.isCoverLetter) continue;
    p.files.forEach((fd, fi) =>
      fd.hunks.forEach((h, hi) => {
        const j = newJob(p, fi, fd, hi, h);
        const twin = byHunkSlot.get(hunkSlot(j.path, h))?.find((o) => !o.aliasOf && sameHunk(o.hunk, h));
        if (twin) {
          j.aliasOf = twin;
          j.mode = twin.mode;
          return;
        }
        if (!isInterpreted(j.path)) return;
        if (base && !h.truncated) {
          const synth: Patch = { ...p, index: 0, quoted: false, files: [{ ...fd, hunks: [{ ...h, quoteDepth: 0 }] }] };
          const res = applySeries(base.texts, [synth]);
          if (res.applied.length) {
            const post = new Map(base.texts);
            for (const [k, v] of res.files) post.set(k, v);
            const unit: Unit = { pre: baseSide(base, factory, opts.scenarios), post: factory.image(post), jobs: [], profile: base.profile, constant: base.constant, done: false };
            units.push(unit);
            placeApplied(unit, [[...Array(hi).fill(undefined), j]] as Job[][], synth, res.applied.map((a) => ({ ...a, fileIndex: 0 })));
            return;
          }
          pending.push(markHunkOnly(j, `quoted hunk did not apply to the tree: ${res.failed[0]?.reason ?? 'unknown'}`));
          return;
        }
        pending.push(markHunkOnly(j, h.truncated ? 'quoted hunk was trimmed by the reviewer: hunk-only mode' : 'no kernel tree: hunk-only mode'));
      }),
    );
  }

  // 3. Hunk-only: rebuild the functions each hunk fully contains, on both sides, one unit
  // per hunk so each hunk's effect stands alone. Helpers the same patch adds in other hunks
  // (and the reference lacks) are laid in too: a new caller needs its new callees.
  const ref = base ?? reference;
  // Past MAX_HUNK_ONLY hunks the review stops rebuilding (time and memory grow with each):
  // the rest are said to be not simulated, and the review is partial.
  const overLimit = pending.splice(MAX_HUNK_ONLY);
  for (const j of overLimit) j.note = `${j.note}; not simulated: this review already rebuilt ${MAX_HUNK_ONLY} hunks in hunk-only mode (the limit per review)`;
  if (overLimit.length) problems.push({ message: `${overLimit.length} hunk(s) not simulated: more than ${MAX_HUNK_ONLY} hunks need hunk-only mode`, severity: 'warning' });
  const rebuilt = new Map<Job, ReturnType<typeof rebuildFromHunk>>();
  for (const j of pending) rebuilt.set(j, rebuildFromHunk(j, factory, opts.parser));
  joinSplitFunctions(pending, rebuilt, factory);
  // A patch's new code runs only through the patch's own call sites: those hunks run as one unit (feature.ts).
  const features = ref ? featureUnits(pending, rebuilt, ref, factory) : [];
  units.push(...features);
  const inFeature = new Set(features.flatMap((u) => u.jobs));
  const refImage = ref ? factory.image(ref.texts).image : undefined;
  const laidIn = refImage ? patchFunctions(pending, rebuilt, refImage) : new Map<number, Map<string, Provider[]>>();
  for (const j of pending) {
    if (inFeature.has(j)) continue;
    const r = rebuilt.get(j)!;
    j.functions = r.names;
    j.partialFunctions = r.partial;
    for (const f of r.partial) j.assumptions.add(`${f}() is only partly in this hunk: hunk-only mode cannot rebuild it, so its change is not simulated`);
    for (const f of r.names) {
      if (!r.pre.has(f) && r.post.has(f) && ref) j.assumptions.add(`${f}() is complete only on the new side: its before-side code is the reference tree's (${ref.version ?? ref.root ?? ref.profile.id}), not this patch's base`);
      if (r.pre.has(f) && !r.post.has(f) && ref) j.assumptions.add(`${f}() is complete only on the old side: its after-side code is the reference tree's (${ref.version ?? ref.root ?? ref.profile.id})`);
    }
    if (!ref) {
      j.note = `${j.note}; no reference tree to run the rest of the write path (run \`npm run fetch-kernels\` or set ext4WritePath.kernelTree)`;
      continue;
    }
    const pre = new Map(r.pre);
    const post = new Map(r.post);
    // Functions of the patch's other hunks that the reference lacks (new helpers, or the
    // era's versions a legacy reference leaves out): the same code on both sides, the
    // other hunk's new side, so the comparison shows this hunk's change and no other's.
    // Looked up when the run asks for them (a fallback after the tree's files), not copied
    // into every hunk's overlay: a patch of n hunks stays linear in n.
    const providers = laidIn.get(j.patchIndex);
    const fallback = providers && ((name: string) => {
      const p = providers.get(name)?.find((x) => x.job !== j);
      if (!p) return undefined;
      if (j.assumptions.size < MAX_ASSUMPTIONS) j.assumptions.add(`${name}() is taken from this patch's hunk at document line ${p.job.hunk.docLine + 1} (${p.side}, on both sides of this comparison): the reference tree has no such function`);
      return p.fn;
    });
    // A hunk inside a function it does not contain whole: graft its change onto the reference.
    if (r.partial.length) {
      const g = graftHunk(j.hunk, j.key, r.partial[0], factory.image(ref.texts, pre, undefined, fallback, true).image, factory.image(ref.texts, post, undefined, fallback, true).image, factory, (n) => modelledBy(n)?.kind !== 'boundary');
      if (g) {
        pre.set(g.target, g.before);
        post.set(g.target, g.after);
        j.graftTarget = g.target;
        if (!j.functions.includes(g.target)) j.functions.push(g.target);
        for (const a of [...j.assumptions]) if (a.includes('only partly in this hunk: hunk-only mode cannot')) j.assumptions.delete(a);
        j.assumptions.add(`${r.partial[0]}() is only partly in this hunk: its changed statement was grafted onto the reference ${g.target}() at ${g.where} (similarity ${g.score.toFixed(2)}); the rest of ${g.target}() is the reference tree's`);
        j.note = `${j.note}; grafted onto ${g.target}() at ${g.where}`;
      }
    }
    if (!r.pre.size && !r.post.size && !j.graftTarget) continue;
    const unit: Unit = { pre: factory.image(ref.texts, pre, undefined, fallback, true), post: factory.image(ref.texts, post, undefined, fallback, true), jobs: [j], profile: ref.profile, constant: ref.constant, done: false };
    j.unit = unit;
    units.push(unit);
  }

  // 4. Simulate and attribute, unit by unit, within the time budget.
  let partial = budgetCut;
  const total = units.length * opts.scenarios.length;
  let done = 0;
  // Cut before any unit was built (applying the series ran out of time): at least one
  // unit's worth of scenarios was wanted, so the count never reads "0 of 0".
  const simulated = { done: 0, total: Math.max(units.filter((u) => u.jobs.length).length, budgetCut ? 1 : 0) * opts.scenarios.length };
  for (const u of units) {
    // Nothing of the patch landed in an interpreted function: nothing to compare (a
    // document of 5,000 patches that apply nowhere cost 1 GB simulating them; issue 16).
    if (!u.jobs.length) {
      u.done = true;
      continue;
    }
    if (!hasTime()) {
      partial = true;
      break;
    }
    for (let i = 0; i < opts.scenarios.length && hasTime(); i += CHUNK) {
      const chunk = opts.scenarios.slice(i, i + CHUNK);
      u.pre.run(chunk, u.profile, u.constant, hasTime);
      u.post.run(chunk, u.profile, u.constant, hasTime);
      done += chunk.length;
      yield { done, total };
    }
    // What ran (memoised); nothing new is simulated here.
    const a = u.pre.run([], u.profile, u.constant, () => false);
    const b = u.post.run([], u.profile, u.constant, () => false);
    if (a.size < opts.scenarios.length || b.size < opts.scenarios.length) partial = true;
    simulated.done += opts.scenarios.filter((s) => a.has(s.id) && b.has(s.id)).length;
    attribute(u, opts.scenarios, a, b);
    if (hasTime()) ablateFindings(u, opts.scenarios, factory);
    if (hasTime()) ablateChanges(u, opts.scenarios, factory, hasTime);
    u.ablations = undefined; // their runs (with traces) are not wanted past attribution
    u.pre.dropTraces();
    u.post.dropTraces();
    u.done = true;
  }
  if (partial) problems.push({ message: `time budget exhausted: incomplete, ${incompleteText(simulated)}; hunks not reached say "not analysed"`, severity: 'warning', kind: 'time-budget' });
  if (overLimit.length) partial = true;

  // 5. Plain results, in document order.
  const files: FileReview[] = [];
  for (const p of doc.patches) {
    p.files.forEach((fd, fi) => {
      const hunks = fd.hunks.map((_, hi) => toReview(jobs.get(`${p.index}:${fi}:${hi}`)!));
      if (hunks.length) files.push({ path: fd.newPath ?? fd.oldPath ?? '(unknown file)', hunks });
    });
  }
  // One newly broken invariant is one count wherever it is shown (CLI, status bar,
  // Problems): distinct check codes per hunk, not scenarios.
  const newErrors = files.reduce((n, f) => n + f.hunks.reduce((m, h) => m + new Set(h.findings.filter((x) => x.status === 'new' && x.severity === 'error').map((x) => x.code)).size, 0), 0);
  const profile = (base ?? reference)?.profile;
  const result: ReviewResult = {
    files,
    problems,
    kernel: {
      tree: base?.root,
      version: base?.version,
      profile: profile?.id ?? 'none',
      profileWhy: base ? base.profileWhy : reference ? `no kernel tree: ${reference.profileWhy}; the rest of the write path comes from the reference tree ${reference.root ?? ''}` : 'no kernel tree and no reference tree',
    },
    scenarios: { count: opts.scenarios.length, source: opts.scenarioSource },
    partial,
    simulated,
    newErrors,
    unknownScenarios: new Set(files.flatMap((f) => f.hunks.flatMap((h) => (h.unknown ?? []).map((x) => x.scenario)))).size,
  };
  return new ReviewSession(result, doc, jobs, factory, [...(base?.files ?? []), ...(reference?.files ?? [])], cur, opts.scenarios, base, owned);
}

/**
 * The reference tree for a review without a base, carrying the profile chosen for the
 * patch: the user's, else one inferred from the patch itself.
 */
function chooseReference(doc: PatchDocument, text: string, opts: ReviewOptions): BaseTree | undefined {
  if (opts.reference && !opts.profileOverride) return opts.reference; // the caller chose tree and profile
  const chosen = opts.profileOverride && opts.profileOverride in PROFILES
    ? { profile: PROFILES[opts.profileOverride as KernelProfile['id']], why: `set by the user` }
    : inferProfile(doc, text);
  if (chosen.profile.iomapReference) {
    const tree = opts.reference ?? opts.referenceFor?.(chosen.profile);
    if (tree) return eraReference(tree, chosen.profile, chosen.why, opts.parser);
  }
  if (chosen.profile.dio === 'blockdev') {
    // No Debian tree of that era: the era's model (model/legacy/) is the reference, and the
    // patch's complete functions run over it. Constants come from the era's table only.
    const table = BUILTIN_CONSTANTS[chosen.profile.constants];
    return {
      version: chosen.profile.release,
      texts: new Map(),
      files: [],
      profile: chosen.profile,
      profileWhy: `profile ${chosen.profile.id}: ${chosen.why}; the era's VFS, fs/direct-io.c and ext4 functions outside the patch are models (docs/model.md)`,
      constant: (name) => table[name],
    };
  }
  const tree = opts.reference ?? opts.referenceFor?.(chosen.profile);
  return tree ? { ...tree, profile: chosen.profile, profileWhy: `profile ${chosen.profile.id}: ${chosen.why}` } : undefined;
}

/** A hunk's `@@ -a,b +c,d @@`, without its section text. */
const atHeader = (h: Hunk) => h.header.replace(/ @@.*/, ' @@');

/**
 * The object-like `#define NAME value` lines the document's hunks add (`+` lines, outside
 * quotes of other hunks too), as one parsed file for hunk-only images
 * (ImageFactory.patchDefines); undefined when there are none. Function-like macros and
 * continued lines are left out: only constants are wanted here.
 */
function patchDefinesOf(doc: PatchDocument, parser: CParser): SourceFile | undefined {
  const defs = new Map<string, string>();
  for (const p of doc.patches) {
    for (const fd of p.files) {
      for (const h of fd.hunks) {
        for (const l of h.lines) {
          if (l.kind !== '+') continue;
          const m = /^\s*#\s*define\s+([A-Za-z_]\w*)\s+([^\\/]*?)\s*(?:\/\*.*)?$/.exec(l.text);
          if (m && m[2] && !defs.has(m[1])) defs.set(m[1], m[2]);
        }
      }
    }
  }
  if (!defs.size) return undefined;
  return new SourceFile('(patch #defines)', [...defs].map(([n, v]) => `#define ${n} ${v}`).join('\n') + '\n', parser);
}

/**
 * The functions a hunk that did not apply was aimed at: those of the pre-image overlapping
 * its `-` range, and the one its `@@` section names. Conservative on purpose: a scenario
 * entering any of them runs code the patch meant to change.
 */
function failedHunkFunctions(unit: Unit, j: Job): string[] {
  const names = new Set<string>();
  const f = j.path ? unit.pre.files.get(j.path) : undefined;
  const lo = j.hunk.oldStart;
  const hi = j.hunk.oldStart + Math.max(j.hunk.oldLines, 1) - 1;
  if (f) for (const e of f.functions.values()) if (e.startRow + 1 <= hi && e.endRow + 1 >= lo) names.add(e.name);
  const section = /@@[^@]*@@\s*(.*)$/.exec(j.hunk.header)?.[1] ?? '';
  const named = /\b([A-Za-z_]\w*)\s*\(/.exec(section)?.[1];
  if (named) names.add(named);
  return [...names];
}

function markHunkOnly(j: Job, note: string): Job {
  j.mode = 'hunk-only';
  j.note = note;
  return j;
}

/**
 * Hunks one review rebuilds in hunk-only mode at most. Each costs a parse of both sides
 * and its own simulation unit; 2,000 is several times the largest real series seen
 * (the 6.1 → 6.12 diff of file.c and inode.c has 154 hunks).
 */
const MAX_HUNK_ONLY = 2_000;

/** Assumptions kept per hunk (the rest add nothing a reader can use). */
const MAX_ASSUMPTIONS = 20;

/** A function one hunk of a patch holds complete, offered to the patch's other hunks. */
interface Provider {
  job: Job;
  fn: CFunction;
  side: 'its new side' | 'its old side';
}

/**
 * Per patch: the functions its hunk-only hunks rebuild that the reference tree lacks, each
 * with its first two providers in document order (a hunk takes the first that is not
 * itself). One pass over the hunks.
 */
function patchFunctions(pending: readonly Job[], rebuilt: ReadonlyMap<Job, { pre: ReadonlyMap<string, CFunction>; post: ReadonlyMap<string, CFunction> }>, refImage: KernelImage): Map<number, Map<string, Provider[]>> {
  const out = new Map<number, Map<string, Provider[]>>();
  for (const o of pending) {
    const other = rebuilt.get(o);
    if (!other) continue;
    let byName = out.get(o.patchIndex);
    if (!byName) out.set(o.patchIndex, (byName = new Map()));
    for (const name of new Set([...other.post.keys(), ...other.pre.keys()])) {
      if (refImage.lookupFunction(name)) continue;
      const list = byName.get(name) ?? [];
      if (list.length >= 2) continue;
      list.push({ job: o, fn: other.post.get(name) ?? other.pre.get(name)!, side: other.post.has(name) ? 'its new side' : 'its old side' });
      byName.set(name, list);
    }
  }
  return out;
}

/** A hunk line as sameHunk() compares it: kind, then the text with whitespace runs folded. */
function bodyLine(l: Hunk['lines'][number]): string {
  return `${l.kind}${l.text.replace(/\s+/g, ' ').trim()}`;
}

/** Two hunks are the same change if their headers and bodies match (a quoted copy may be trimmed: a prefix matches). */
function sameHunk(a: Hunk, b: Hunk): boolean {
  if (a.oldStart !== b.oldStart || a.newStart !== b.newStart) return false;
  const body = (h: Hunk) => h.lines.map(bodyLine);
  const x = body(a);
  const y = body(b);
  const n = Math.min(x.length, y.length);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Record where applied hunks landed on both sides and which functions they touch. */
function placeApplied(unit: Unit, fileJobs: Job[][], p: Patch, applied: ReturnType<typeof applySeries>['applied']): void {
  // Net lines added by earlier applied hunks of the same file diff: maps post → pre positions.
  const delta = new Map<number, number>();
  const sorted = [...applied].sort((x, y) => x.fileIndex - y.fileIndex || x.hunkIndex - y.hunkIndex);
  for (const a of sorted) {
    const j = fileJobs[a.fileIndex]?.[a.hunkIndex];
    if (!j) continue;
    const h = j.hunk;
    const before = delta.get(a.fileIndex) ?? 0;
    delta.set(a.fileIndex, before + h.newLines - h.oldLines);
    if (!j.path) continue;
    if (!isInterpreted(j.path)) {
      if (!isHeader(j)) continue;
      // A header the engine reads, patched into the post-image (issue 11 §5). It is a hunk of
      // the unit like a C one: a step of its inlines, macros or the functions its macros
      // generate runs at its lines, so a change decided there is its own (a header-only
      // patch otherwise reported nothing).
      j.headerApplied = true;
    }
    j.mode = 'applied';
    j.unit = unit;
    unit.jobs.push(j);
    const postStart = a.newStartInResult;
    const preStart = postStart - before;
    let o = preStart;
    let n = postStart;
    for (const l of h.lines) {
      if (l.kind === ' ') {
        o++;
        n++;
      } else if (l.kind === '-') j.preChanged.add(o++);
      else if (l.kind === '+') j.postChanged.add(n++);
    }
    j.preRange = [preStart, Math.max(preStart, o - 1)];
    j.postRange = [postStart, Math.max(postStart, n - 1)];
    const names = new Set<string>();
    if (j.headerApplied) {
      for (const [texts, r] of [[unit.pre.texts, j.preRange], [unit.post.texts, j.postRange]] as const) {
        const t = texts.get(j.path!);
        if (t !== undefined) for (const n of headerNamesIn(t, r[0], r[1])) names.add(n);
      }
      j.functions = [...names];
      continue;
    }
    const pre = unit.pre.files.get(j.path);
    const post = unit.post.files.get(j.path);
    for (const [f, [lo, hi]] of [[pre, j.preRange], [post, j.postRange]] as const) {
      if (!f) continue;
      for (const e of f.functions.values()) if (e.startRow + 1 <= hi && e.endRow + 1 >= lo) names.add(e.name);
    }
    j.functions = [...names];
  }
  void p;
}

/**
 * The names a header's lines `lo`..`hi` (1-based) define or generate: a `#define` whose
 * lines (with their continuations) overlap them, a `static` function whose definition
 * does, and a column-0 macro invocation among them (`EXT4_INODE_BIT_FNS(flag, flags, 0)`,
 * named by its macro). For the hunk table's functions column; which scenarios ran the
 * hunk is told by the lines run (attribute()).
 */
function headerNamesIn(text: string, lo: number, hi: number): string[] {
  const lines = text.split('\n');
  const out = new Set<string>();
  for (let i = 0; i < lines.length && i < hi; i++) {
    const d = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/.exec(lines[i]);
    const f = /^static\b[^;]*?\b([A-Za-z_]\w*)\s*\(/.exec(lines[i]);
    const inv = /^([A-Z][A-Z0-9_]*)[ \t]*\(/.exec(lines[i]);
    if (!d && !f && !inv) continue;
    let end = i;
    if (d) while (end + 1 < lines.length && lines[end].endsWith('\\')) end++;
    else if (f) {
      while (end + 1 < lines.length && !/^\}/.test(lines[end]) && !/;\s*$/.test(lines[end])) end++;
    }
    if (end + 1 >= lo && i + 1 <= hi) out.add((d ?? f ?? inv)![1]);
  }
  return [...out];
}

/**
 * Hunk-only mode, a patch that adds new code: the hunks defining functions or initialised
 * globals the reference lacks and the hunks reaching them become one unit (feature.ts
 * featureGroups). Post image: the reference with the members' partial hunks placed by
 * exact context (placeExactly), the members' complete functions and new ops tables laid
 * over it. Pre image: the reference with the members' old-side functions. Each member
 * keeps its own lines, so attribution by trace divergence still names the hunk.
 */
function featureUnits(pending: readonly Job[], rebuilt: ReadonlyMap<Job, ReturnType<typeof rebuildFromHunk>>, ref: BaseTree, factory: ImageFactory): Unit[] {
  const refImage = factory.image(ref.texts).image;
  const postSide = (j: Job) => j.hunk.lines.filter((l) => l.kind !== '-').map((l) => l.text).join('\n');
  // The same text and key as rebuildFromHunk's post side, so the parse is shared.
  const newGlobals = (j: Job) => [...factory.file(`${j.path ?? 'hunk.c'}#hunk:${j.key}:+`, postSide(j)).globals].filter(([n]) => !refImage.lookupGlobal(n));
  const out: Unit[] = [];
  for (const patch of new Set(pending.map((j) => j.patchIndex))) {
    const jobs = pending.filter((j) => j.patchIndex === patch && isInterpreted(j.path));
    const items = jobs.map((j) => {
      const r = rebuilt.get(j)!;
      const defines = new Set([...r.post.keys()].filter((n) => !refImage.lookupFunction(n)));
      for (const [n] of newGlobals(j)) defines.add(n);
      const fn = r.partial[0];
      const text = j.path ? ref.texts.get(j.path) : undefined;
      const placeable = !!fn && !!text && !!refImage.lookupFunction(fn) && placeExactly(text, [j.hunk]).placed.length > 0;
      // Hunks sharing a function rebuilt across them run together.
      const uses = new Set([...addedIdentifiers(j.hunk), ...(j.joined ?? [])]);
      return { defines, uses, ...(placeable ? { placeableIn: fn } : {}) };
    });
    for (const g of featureGroups(items)) {
      const members = g.map((i) => jobs[i]);
      const where = members.map((j) => `${atHeader(j.hunk)} (document line ${j.hunk.docLine + 1})`).join(', ');
      const pre = new Map<string, CFunction>();
      const post = new Map<string, CFunction>();
      const globals = new Map<string, GlobalInit>();
      const postTexts = new Map(ref.texts);
      const placedJobs = new Set<Job>();
      for (const path of new Set(members.map((j) => j.path!))) {
        const placeable = members.filter((j) => j.path === path && items[jobs.indexOf(j)].placeableIn);
        if (!placeable.length) continue;
        const res = placeExactly(ref.texts.get(path)!, placeable.map((j) => j.hunk));
        postTexts.set(path, res.text);
        for (const p of res.placed) {
          const j = placeable[p.hunk];
          placedJobs.add(j);
          j.preChanged = new Set(p.preChanged);
          j.postChanged = new Set(p.postChanged);
          j.preRange = [p.preStart, p.preStart + Math.max(0, j.hunk.oldLines - 1)];
          j.postRange = [p.postStart, p.postStart + Math.max(0, j.hunk.newLines - 1)];
          j.graftTarget = undefined;
          j.note = `${j.note}; placed on the reference at ${path}:${p.preStart} by its exact context`;
          j.assumptions.add(`${rebuilt.get(j)!.partial[0]}() is only partly in this hunk: the hunk was placed on the reference ${ref.version ?? ref.profile.id} tree at ${path}:${p.preStart}, where its context and removed lines occur exactly once (whitespace ignored); the rest of the function is the reference's`);
        }
      }
      for (const j of members) {
        const r = rebuilt.get(j)!;
        j.functions = r.names;
        j.partialFunctions = r.partial;
        const placed = placedJobs.has(j);
        // A placed hunk's complete functions are in the placed text, at the lines attribution uses.
        if (!placed) for (const [n, f] of r.pre) pre.set(n, f);
        if (!placed) for (const [n, f] of r.post) post.set(n, f);
        for (const [n, gi] of newGlobals(j)) globals.set(n, gi);
        if (r.partial.length && !placed) j.assumptions.add(`${r.partial[0]}() is only partly in this hunk and its context is not in the reference tree: this hunk's change is not simulated (a model stands in where one exists)`);
        j.assumptions.add(`simulated together with the hunks that add or reach this patch's new code: ${where}`);
      }
      const unit: Unit = { pre: factory.image(ref.texts, pre, undefined, undefined, true), post: factory.image(postTexts, post, globals, undefined, true), jobs: members, profile: ref.profile, constant: ref.constant, done: false };
      for (const j of members) j.unit = unit;
      out.push(unit);
    }
  }
  return out;
}

/**
 * Hunk-only mode: parse each side of the hunk on its own and keep the function
 * definitions it contains completely (no ERROR nodes, body closed). Their lines are
 * reported in the hunk's own file coordinates (oldStart/newStart from the header).
 */
function rebuildFromHunk(j: Job, factory: ImageFactory, _parser: CParser): { pre: Map<string, CFunction>; post: Map<string, CFunction>; names: string[]; partial: string[] } {
  const h = j.hunk;
  const side = (kinds: string[]) => h.lines.filter((l) => kinds.includes(l.kind)).map((l) => l.text).join('\n');
  const path = j.path ?? 'hunk.c';
  const build = (text: string, start: number, changed: Set<number>, kind: '-' | '+') => {
    const out = new Map<string, CFunction>();
    const f = factory.file(`${path}#hunk:${j.key}:${kind}`, text);
    for (const e of f.functions.values()) {
      if (e.hasError || !e.active) continue;
      const def = f.functionBody(e.name);
      if (def) out.set(e.name, { name: e.name, file: f, def, lineBase: start, displayPath: path });
    }
    let n = start;
    for (const l of h.lines) {
      if (l.kind === ' ' || l.kind === kind) {
        if (l.kind === kind) changed.add(n);
        n++;
      }
    }
    return out;
  };
  // A quote that stops inside a function (the reviewer trimmed the rest): close the
  // function so what the document shows can run, and say so in the assumptions.
  const buildCut = (text: string, start: number, changed: Set<number>, kind: '-' | '+') => {
    const out = build(text, start, changed, kind);
    if (!h.truncated) return out;
    const suffix = closingFor(text);
    if (!suffix) return out;
    const f = factory.file(`${path}#hunk:${j.key}:${kind}:cut`, text + suffix.text);
    for (const e of f.functions.values()) {
      if (e.hasError || !e.active || out.has(e.name)) continue;
      const def = f.functionBody(e.name);
      if (!def) continue;
      out.set(e.name, { name: e.name, file: f, def, lineBase: start, displayPath: path });
      j.assumptions.add(`${e.name}() is cut short in this document (the quote ends inside it): ${suffix.why}`);
    }
    return out;
  };
  const pre = buildCut(side([' ', '-']), h.oldStart, j.preChanged, '-');
  const post = buildCut(side([' ', '+']), h.newStart, j.postChanged, '+');
  j.preRange = [h.oldStart, h.oldStart + Math.max(0, h.oldLines - 1)];
  j.postRange = [h.newStart, h.newStart + Math.max(0, h.newLines - 1)];
  const names = [...new Set([...pre.keys(), ...post.keys()])];
  const enclosing = /\b([A-Za-z_]\w*)\s*\(/.exec(h.section)?.[1];
  const partial = enclosing && !names.includes(enclosing) ? [enclosing] : [];
  return { pre, post, names: [...names, ...partial], partial };
}

/**
 * Hunk-only mode: a function split over two consecutive hunks of one file diff, with at
 * most a few unseen lines between them (join.ts), is rebuilt whole on each side where it
 * parses complete, and given to both hunks (each keeps its own changed lines).
 */
function joinSplitFunctions(pending: readonly Job[], rebuilt: ReadonlyMap<Job, ReturnType<typeof rebuildFromHunk>>, factory: ImageFactory): void {
  for (let i = 0; i + 1 < pending.length; i++) {
    const a = pending[i];
    const b = pending[i + 1];
    if (a.patchIndex !== b.patchIndex || a.fileIndex !== b.fileIndex || b.hunkIndex !== a.hunkIndex + 1 || a.path !== b.path) continue;
    const ra = rebuilt.get(a)!;
    const rb = rebuilt.get(b)!;
    for (const kind of ['-', '+'] as const) {
      const joined = joinSides(a.hunk, b.hunk, kind);
      if (!joined) continue;
      const f = factory.file(`${a.path ?? 'hunk.c'}#join:${a.key}+${b.key}:${kind}`, joined.text);
      const sideOf = (r: typeof ra) => (kind === '-' ? r.pre : r.post);
      for (const e of f.functions.values()) {
        if (e.hasError || !e.active || sideOf(ra).has(e.name) || sideOf(rb).has(e.name)) continue;
        const def = f.functionBody(e.name);
        if (!def) continue;
        const fn: CFunction = { name: e.name, file: f, def, lineBase: joined.lineBase, displayPath: a.path ?? 'hunk.c' };
        for (const [j, r] of [[a, ra], [b, rb]] as const) {
          sideOf(r).set(e.name, fn);
          (j.joined ??= new Set()).add(e.name);
          if (!r.names.includes(e.name)) r.names.push(e.name);
          const k = r.partial.indexOf(e.name);
          if (k >= 0) r.partial.splice(k, 1);
          j.assumptions.add(`${e.name}() spans hunks ${atHeader(a.hunk)} and ${atHeader(b.hunk)}: its ${kind === '-' ? 'old' : 'new'} side is rebuilt across the ${joined.gap} line(s) between them that the diff does not show${joined.droppedEndifs ? ', whose `#if` is taken as built in (its `#endif` follows)' : ''} (a guess: those lines are not in the document)`);
        }
      }
    }
  }
}

/**
 * The text that closes a function a quote stops inside: `return ret;` and the brace when
 * the open function declared a local `ret` (the kernel's convention for the value a
 * function hands back), else just the brace. Undefined when the text ends balanced.
 */
export function closingFor(text: string): { text: string; why: string } | undefined {
  let depth = 0;
  let lastOpen = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      if (depth === 0) lastOpen = i;
      depth++;
    } else if (ch === '}') depth = Math.max(0, depth - 1);
  }
  if (depth === 0 || lastOpen < 0) return undefined;
  const open = text.slice(lastOpen);
  const braces = '\n' + '}\n'.repeat(depth);
  if (depth === 1 && /^\s*(?:ssize_t|int|long|loff_t)\s+ret\s*[;=]/m.test(open)) {
    return { text: '\n\treturn ret;' + braces, why: 'the rest is assumed to be `return ret;` (a guess: the lines are not in the document)' };
  }
  return { text: braces, why: 'its open blocks are closed where the quote ends and the function falls off its end there (a guess: the lines are not in the document)' };
}

/** Compare the two sides scenario by scenario and give each change to the hunks whose lines ran. */
function attribute(u: Unit, scenarios: readonly Scenario[], a: Map<string, ScenarioResult>, b: Map<string, ScenarioResult>): void {
  for (const s of scenarios) {
    const ra = a.get(s.id);
    const rb = b.get(s.id);
    if (!ra || !rb) continue;
    const entered = new Set([...ra.functions, ...rb.functions]);
    // A header hunk ran when a line of it did (its code runs as inlines, expansions at a
    // `#define` line, or functions generated at an invocation line).
    const ranLines = (lines: Record<string, number[]>, path: string | null, r: [number, number] | undefined) => !!path && !!r && (lines[path] ?? []).some((l) => l >= r[0] && l <= r[1]);
    const ran = u.jobs.filter((j) => (j.headerApplied ? ranLines(ra.linesRun, j.path, j.preRange) || ranLines(rb.linesRun, j.path, j.postRange) : j.functions.some((f) => entered.has(f))));
    const firstC = u.jobs.find((j) => !j.headerApplied) ?? u.jobs[0];
    for (const j of ran) {
      j.run.add(s.id);
      for (const x of [...ra.outcome.assumptions, ...rb.outcome.assumptions]) if (j.assumptions.size < 20) j.assumptions.add(x);
      if (ra.outcome.inconclusive) j.assumptions.add(`${s.id} before: inconclusive (${ra.outcome.inconclusive})`);
      if (rb.outcome.inconclusive) j.assumptions.add(`${s.id} after: inconclusive (${rb.outcome.inconclusive})`);
    }
    // A patch half-applied: a scenario running a function one of its failed hunks aimed at
    // would compare the base with a tree the patch never produces.
    // Nothing of the patch ran in this scenario: the unit's first hunk carries the
    // unknown, so it is still visible somewhere.
    const holders = ran.length ? ran : firstC ? [firstC] : [];
    const blocked = u.failed ? [...entered].find((f) => u.failed!.has(f)) : undefined;
    if (blocked) {
      const reason = `hunk ${u.failed!.get(blocked)} of this patch did not apply and ${blocked}() runs in this scenario: the after side would be the patch half-applied`;
      for (const j of holders) j.unknown.set(s.id, { side: 'after', reason });
      continue;
    }
    // An unknown is never a result: a side that went past an unknown or was cut by a bound
    // gives no change row, no finding (new, fixed or still) and no exit status; the hunks
    // that ran say "cannot tell" instead (issue 13, ARCHITECTURE.md "Invariants").
    const ua = unknownReason(ra.outcome);
    const ub = unknownReason(rb.outcome);
    if (ua || ub) {
      const side = ua && ub ? 'both' : ua ? 'before' : 'after';
      const reason = ub && !ua ? ub : ua!;
      for (const j of holders) j.unknown.set(s.id, { side, reason });
      continue;
    }
    const findings = diffFindings(s.id, ra.outcome, rb.outcome);
    const probe = changesFor(s.id, ra, rb, undefined, !s.request.aio);
    // Broken before and after in a scenario that ran a hunk's changed lines: the change did not help.
    const hitChanged = (lines: Record<string, number[]>, path: string | null, set: Set<number>) => !!path && (lines[path] ?? []).some((l) => set.has(l));
    const stillCodes = rb.outcome.findings.filter((f) => ra.outcome.findings.some((x) => x.code === f.code));
    if (stillCodes.length) {
      for (const j of u.jobs) {
        // Hunk-only units run rebuilt or grafted code whose lines are not the hunk's: there,
        // entering the hunk's functions is the best evidence that its code ran.
        const ranHunk = j.mode === 'hunk-only' ? j.functions.some((f) => entered.has(f)) : hitChanged(rb.linesRun, j.path, j.postChanged) || hitChanged(ra.linesRun, j.path, j.preChanged);
        if (!ranHunk) continue;
        for (const f of stillCodes) {
          if (!j.findings.some((x) => x.status === 'still' && x.code === f.code && x.scenario === s.id)) {
            j.findings.push({ ...f, severity: 'warning', scenario: s.id, status: 'still', message: `not fixed by this change: ${f.message}` });
          }
        }
      }
    }
    if (!probe.length && !findings.length) continue;
    // Owners: the hunks containing a step where the two traces differ; else hunks whose changed lines ran.
    const div = divergenceOwners(u, ra, rb);
    const hit = (lines: Record<string, number[]>, path: string | null, set: Set<number>) => !!path && (lines[path] ?? []).some((l) => set.has(l));
    let owners = div.size ? [...div.keys()] : u.jobs.filter((j) => hit(ra.linesRun, j.path, j.preChanged) || hit(rb.linesRun, j.path, j.postChanged));
    if (!owners.length) owners = ran;
    if (!owners.length && firstC) owners = [firstC];
    for (const j of owners) {
      const range = (r?: [number, number]) => new Set(r ? Array.from({ length: r[1] - r[0] + 1 }, (_, i) => r[0] + i) : []);
      const d = div.get(j);
      const step = d?.step ?? decidingStep(rb.trace, j.path ?? '', range(j.postRange)) ?? decidingStep(ra.trace, j.path ?? '', range(j.preRange));
      // Before-side lines are pre-image lines: say so, they differ from the post-image's.
      const why = step ? `${d?.side === 'before' ? 'before: ' : ''}${stepText(step)}` : undefined;
      const ch = changesFor(s.id, ra, rb, why, !s.request.aio);
      for (const c of ch) if (c.field === 'fallback' && rb.outcome.fallbackReason) c.why = `${c.why ? `${c.why}; ` : ''}${rb.outcome.fallbackReason}`;
      j.changes.push(...ch);
      j.findings.push(...findings);
      j.changed.add(s.id);
      j.run.add(s.id);
      if (!j.deciding && step) j.deciding = { file: step.file, line: step.line, text: step.text, side: d?.side ?? (decidingStep(rb.trace, j.path ?? '', range(j.postRange)) === step ? 'after' : 'before') };
    }
  }
}

/**
 * The unit's post-image texts with hunks `js` reverted (their `-` lines back, `+` lines
 * out), or undefined when one of them is not an applied hunk of a file of the unit or does
 * not fit the text. Hunks of one file are reverted last first, so each one's post-image
 * line numbers still hold.
 */
function withoutHunks(u: Unit, js: readonly Job[]): Map<string, string> | undefined {
  let texts: Map<string, string> = new Map(u.post.texts);
  const ordered = [...js].sort((a, b) => (b.postRange?.[0] ?? 0) - (a.postRange?.[0] ?? 0));
  for (const j of ordered) {
    const next = revertHunk(texts, j);
    if (!next) return undefined;
    texts = next;
  }
  return texts;
}

/**
 * The unit's post image minus hunks `js`, for ablation: the post image's parsed files with
 * the functions those hunks touch re-parsed from the reverted text and laid over them
 * (only a window around them is parsed, its lines placed where they are in the reverted
 * file), so a re-run does not re-parse a 200 KB file per removal — on the real 6.12 → 7.2
 * diff those parses were a quarter of the review. A blank or comment-only line outside
 * every function changes nothing and stays out of the way; a `-` line just above a
 * function that its change block replaced (an old signature) belongs to that function.
 * Falls back to a full re-parse (`withoutHunks()`) when a hunk changes anything else
 * outside a function (a `#define`, an `#include`, an initialised global, a header) or a
 * reverted function does not parse whole. Undefined when the hunks cannot be reverted.
 */
function ablationImage(u: Unit, js: readonly Job[], factory: ImageFactory): ImageSide | undefined {
  const key = js.map((j) => j.key).sort().join('\0');
  u.ablations ??= new Map();
  if (u.ablations.has(key)) return u.ablations.get(key);
  const image = buildAblationImage(u, js, factory);
  if (image) image.outcomesOnly = true;
  u.ablations.set(key, image);
  return image;
}

function buildAblationImage(u: Unit, js: readonly Job[], factory: ImageFactory): ImageSide | undefined {
  const full = () => {
    const texts = withoutHunks(u, js);
    return texts && factory.image(texts);
  };
  const overlay = new Map<string, OverlayEntry>();
  const byPath = new Map<string, Job[]>();
  for (const j of js) {
    if (j.headerApplied || !j.path || !j.postRange || j.mode !== 'applied') return full();
    byPath.set(j.path, [...(byPath.get(j.path) ?? []), j]);
  }
  for (const [path, hs] of byPath) {
    const postFile = u.post.files.get(path);
    if (!postFile || u.post.texts.get(path) !== postFile.text) return full();
    const preFile = u.pre.files.get(path);
    const fns = [...postFile.functions.values()].filter((e) => e.active);
    const touched = new Set<(typeof fns)[number]>();
    let start = Infinity;
    let end = -1;
    let delta = 0;
    for (const j of hs) {
      let n = j.postRange![0];
      let o = j.preRange?.[0];
      const lines = j.hunk.lines;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l.kind === '\\') continue; // "\ No newline at end of file": no line of either side
        if (l.kind === '-' || l.kind === '+') {
          const row = n - 1;
          // A `-` line sat above post row `row`: inside a function only below its first line,
          // or when its change block's first `+` line opens the function (a replaced signature).
          const fn =
            fns.find((e) => (l.kind === '-' ? e.startRow < row : e.startRow <= row) && row <= e.endRow) ??
            (l.kind === '-' && plusFollows(lines, i) ? fns.find((e) => e.startRow === row) : undefined);
          if (fn) touched.add(fn);
          // Outside every function, only a blank or comment-only line, or a module export
          // (`EXPORT_SYMBOL_GPL(iomap_dio_rw);`: linkage, not behaviour), leaves the image as it is.
          else if (!EXPORT_LINE.test(l.text) && !(l.kind === '+' ? postFile.neutralRow(row) : o !== undefined && preFile?.text === u.pre.texts.get(path) && preFile?.neutralRow(o - 1))) return full();
        }
        if (l.kind !== '-') n++;
        if (l.kind !== '+' && o !== undefined) o++;
        if (l.kind === '-') delta++;
        else if (l.kind === '+') delta--;
      }
      start = Math.min(start, j.postRange![0] - 1);
      end = Math.max(end, j.postRange![1] - 1);
    }
    for (const e of touched) {
      start = Math.min(start, e.startRow);
      end = Math.max(end, e.endRow);
    }
    // Cut where the post file's own items start and end, so a window never opens inside a
    // comment; the rows before `start` and after `end` are the same in both texts.
    const first = postFile.itemRows(start);
    const last = postFile.itemRows(end);
    if (!first || !last) return full();
    start = Math.min(start, first[0]);
    end = Math.max(end, last[1]);
    const reverted = withoutHunks(u, hs)?.get(path);
    if (reverted === undefined) return full();
    // Rows before `start` are the post file's; the window ends `delta` rows later than there.
    const window = reverted.split('\n').slice(start, end + delta + 1).join('\n');
    const f = factory.file(`${path}#hunk:ablate`, window);
    const found = new Set<string>();
    for (const e of f.functions.values()) {
      if (e.hasError || !e.active) continue;
      const def = f.functionBody(e.name);
      if (!def) continue;
      overlay.set(e.name, { name: e.name, file: f, def, lineBase: start + 1, displayPath: path });
      found.add(e.name);
    }
    for (const e of touched) {
      if (found.has(e.name)) continue;
      // A function the hunks added: gone from the reverted file, when the window parsed
      // clean (else a parse problem may have hidden it) and defines no such name.
      if (f.problems.length || f.functions.has(e.name)) return full();
      overlay.set(e.name, { removedFrom: postFile });
    }
  }
  return factory.image(u.post.texts, overlay);
}

/** `EXPORT_SYMBOL(name);` / `EXPORT_SYMBOL_GPL(name);` alone on a line. */
const EXPORT_LINE = /^\s*EXPORT_SYMBOL(?:_GPL)?\(\s*[A-Za-z_]\w*\s*\);\s*$/;

/** Whether the change block holding `lines[i]` (the -/+ lines around it) has a `+` line after it. */
function plusFollows(lines: readonly { kind: string }[], i: number): boolean {
  for (let k = i + 1; k < lines.length && lines[k].kind !== ' '; k++) if (lines[k].kind === '+') return true;
  return false;
}

/**
 * `texts` with hunk `j` taken back out of its file (its `+` lines dropped, its `-` lines
 * restored, the tree's own context kept). Undefined when the hunk's place in the post
 * image is not known exactly.
 */
function revertHunk(texts0: ReadonlyMap<string, string>, j: Job): Map<string, string> | undefined {
  if (j.mode !== 'applied' || !j.path || !j.postRange) return undefined;
  const text = texts0.get(j.path);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const out: string[] = lines.slice(0, j.postRange[0] - 1);
  let at = j.postRange[0] - 1;
  for (const l of j.hunk.lines) {
    if (l.kind === ' ') out.push(lines[at++]);
    else if (l.kind === '+') at++;
    else if (l.kind === '-') out.push(l.text);
  }
  if (at > lines.length) return undefined;
  out.push(...lines.slice(at));
  const texts = new Map(texts0);
  texts.set(j.path, out.join('\n'));
  return texts;
}

/**
 * Cause, not first divergence (issue 13 §3), for invariants: a finding (newly broken or
 * fixed) placed on several hunks of a unit is re-decided by ablation — the scenario is
 * re-run on the post image minus one hunk; a hunk whose removal makes the finding go
 * away is a cause. The finding then stays on its cause(s) only, each naming the other
 * hunks it was seen on (`alsoIn`), so one broken invariant is one report. When no single
 * hunk's removal computably clears it (causes that need each other, or re-runs that
 * cannot tell — a hunk that changes a signature does not build without its callers), the
 * finding is still reported once, `joint`, with the others in `alsoIn`: on the hunk that
 * holds the last decision where the runs differ (`jointOwner()`), the same hunk for all
 * the scenarios of one check where it can.
 */
function ablateFindings(u: Unit, scenarios: readonly Scenario[], factory: ImageFactory): void {
  const byKey = new Map<string, { scenario: string; code: string; status: HunkFinding['status']; owners: Job[] }>();
  for (const j of u.jobs) {
    for (const f of j.findings) {
      if (f.status === 'still') continue;
      const k = `${f.scenario}\0${f.code}\0${f.status}`;
      const g = byKey.get(k) ?? { scenario: f.scenario, code: f.code, status: f.status, owners: [] };
      if (!g.owners.includes(j)) g.owners.push(j);
      byKey.set(k, g);
    }
  }
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const decisions: Array<{ scenario: string; code: string; status: HunkFinding['status']; owners: Job[]; keep: Job[]; joint: boolean }> = [];
  for (const { scenario, code, status, owners } of byKey.values()) {
    if (owners.length < 2) continue;
    const s = byId.get(scenario);
    if (!s) continue;
    const causes = owners.filter((j) => {
      // A hunk is a cause only when its removal computably clears the finding: a re-run
      // that cannot tell (the hunk declares what others use) decides nothing.
      const image = ablationImage(u, [j], factory);
      if (!image) return false;
      const r = image.run([s], u.profile, u.constant, () => true).get(scenario);
      if (!r || unknownReason(r.outcome)) return false;
      const has = r.outcome.findings.some((f) => f.code === code);
      return status === 'new' ? !has : has;
    });
    const joint = !causes.length || causes.length === owners.length;
    decisions.push({ scenario, code, status, owners, joint, keep: joint ? [jointOwner(u, scenario, owners)] : causes });
  }
  // One invariant, one report: the joint scenarios of a check go to the hunk most of them
  // chose, where it is one of theirs (else each keeps its own choice).
  const votes = new Map<string, Map<Job, number>>();
  for (const d of decisions.filter((x) => x.joint)) {
    const m = votes.get(`${d.code}\0${d.status}`) ?? new Map<Job, number>();
    m.set(d.keep[0], (m.get(d.keep[0]) ?? 0) + 1);
    votes.set(`${d.code}\0${d.status}`, m);
  }
  for (const { scenario, code, status, owners, joint, keep: own } of decisions) {
    const winner = joint ? [...(votes.get(`${code}\0${status}`) ?? new Map<Job, number>())].sort((a, b) => b[1] - a[1])[0]?.[0] : undefined;
    const keep = winner && owners.includes(winner) ? [winner] : own;
    for (const j of owners) {
      if (keep.includes(j)) {
        // Findings objects are shared between the hunks they were pushed to: copy, then mark.
        j.findings = j.findings.map((f) => (f.scenario === scenario && f.code === code && f.status === status ? { ...f, alsoIn: owners.filter((o) => o !== j).map((o) => o.key), ...(joint ? { joint: true } : {}) } : f));
      } else {
        j.findings = j.findings.filter((f) => !(f.scenario === scenario && f.code === code && f.status === status));
      }
    }
  }
}

/** Re-runs `ablateChanges()` may make per unit; past it the attribution stays as the trace diff gave it. */
const MAX_ABLATION_RUNS = 1500;

/**
 * Cause, not divergence, for changes too: a scenario's change rows that several hunks of a
 * unit carry (each had a differing step on a changed line) are re-decided by ablation — the
 * scenario is re-run on the post image minus some hunks, and a hunk keeps a field's row only
 * when removing it moves that field off its after value. Found on the real 6.1 → 6.12
 * diff: once `ext4_map_blocks()` ran as C, its restructured hunks differed step by step in
 * every DIO scenario and were credited with the lock changes `ext4_dio_write_checks()`
 * decides.
 *
 * Two rounds keep the re-runs few (they are most of a one-line edit's cost in the editor):
 * first each *function's* hunks are removed together — a function either takes part in a
 * field's change or not, and removing half of a restructured function mostly does not build
 * — then, within a function that moves a field and holds several of its owners, each hunk
 * alone. A field no removal moves (causes that need each other, re-runs that cannot tell)
 * stays on every hunk that carried it, as before; so do the hunks of a function that moves
 * it when none of them alone does.
 */
function ablateChanges(u: Unit, scenarios: readonly Scenario[], factory: ImageFactory, hasTime: () => boolean): void {
  const owners = new Map<string, Job[]>();
  for (const j of u.jobs) {
    for (const c of j.changes) {
      const js = owners.get(c.scenario) ?? [];
      if (!js.includes(j)) js.push(j);
      owners.set(c.scenario, js);
    }
  }
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const post = u.post.run([], u.profile, u.constant, () => false);
  const shared = [...owners].filter(([id, js]) => js.length >= 2 && byId.has(id) && post.has(id));
  if (!shared.length) return;
  const groupOf = (j: Job) => `${j.path ?? ''}\0${j.functions.join(',') || j.key}`;
  let runs = 0;
  /** scenario → field → what (group key or hunk) removal moved it; undefined when out of time. */
  const ablate = <K>(removals: Map<K, { jobs: Job[]; scenarios: Set<string> }>): Map<string, Map<ChangeField, K[]>> | undefined => {
    const moved = new Map<string, Map<ChangeField, K[]>>();
    for (const [k, { jobs, scenarios: ids }] of removals) {
      runs += ids.size;
      if (runs > MAX_ABLATION_RUNS || !hasTime()) return undefined;
      const image = ablationImage(u, jobs, factory);
      if (!image) continue;
      const ss = [...ids].map((id) => byId.get(id)!);
      const rs = image.run(ss, u.profile, u.constant, () => true);
      for (const sc of ss) {
        const r = rs.get(sc.id);
        if (!r || unknownReason(r.outcome)) continue;
        const byField = moved.get(sc.id) ?? new Map<ChangeField, K[]>();
        for (const d of changesFor(sc.id, r, post.get(sc.id)!, undefined, !sc.request.aio)) byField.set(d.field, [...(byField.get(d.field) ?? []), k]);
        moved.set(sc.id, byField);
      }
    }
    return moved;
  };
  // Round 1: each function's owning hunks removed together, with every scenario they co-own.
  const groups = new Map<string, { jobs: Job[]; scenarios: Set<string> }>();
  for (const [id, js] of shared) {
    for (const j of js) {
      const g = groups.get(groupOf(j)) ?? { jobs: [], scenarios: new Set<string>() };
      if (!g.jobs.includes(j)) g.jobs.push(j);
      g.scenarios.add(id);
      groups.set(groupOf(j), g);
    }
  }
  const byGroup = ablate(groups);
  if (!byGroup) return; // undecided: the attribution stays as the trace diff gave it
  // Round 2: within a group that moves a field and holds several of that scenario's owners.
  const singles = new Map<Job, { jobs: Job[]; scenarios: Set<string> }>();
  for (const [id, js] of shared) {
    for (const gs of byGroup.get(id)?.values() ?? []) {
      for (const g of gs) {
        const mine = js.filter((j) => groupOf(j) === g);
        if (mine.length < 2) continue;
        for (const j of mine) {
          const e = singles.get(j) ?? { jobs: [j], scenarios: new Set<string>() };
          e.scenarios.add(id);
          singles.set(j, e);
        }
      }
    }
  }
  const byHunk = singles.size ? ablate(singles) : new Map<string, Map<ChangeField, Job[]>>();
  if (!byHunk) return;
  for (const [id, js] of shared) {
    const fields = byGroup.get(id);
    if (!fields) continue;
    for (const j of js) {
      j.changes = j.changes.filter((c) => {
        if (c.scenario !== id) return true;
        const gs = fields.get(c.field);
        if (!gs?.length) return true; // no removal moves it: kept where the trace diff put it
        if (!gs.includes(groupOf(j))) return false;
        const hs = byHunk.get(id)?.get(c.field)?.filter((h) => groupOf(h) === groupOf(j));
        // Refined within the function when one of its hunks alone moves it.
        return !hs?.length || hs.includes(j);
      });
    }
  }
}

/**
 * Where a finding no single hunk computably causes is reported: the hunk holding the last
 * decision (branch, return, errno) on one of its changed lines among the steps where the
 * two runs of `scenario` differ — after side, then before — i.e. what decided the outcome
 * rather than where the runs first parted (issue 13 §3: the first divergence named
 * `ext4_extending_io()` where `ext4_overwrite_io()` decided); else the last such step of
 * any kind; else the first of `owners` in document order.
 */
function jointOwner(u: Unit, scenario: string, owners: readonly Job[]): Job {
  const ra = u.pre.run([], u.profile, u.constant, () => false).get(scenario);
  const rb = u.post.run([], u.profile, u.constant, () => false).get(scenario);
  if (ra && rb) {
    const { before, after } = divergentSteps(ra.trace, rb.trace);
    const index = unitIndex(u);
    const decisive = (st: TraceStep) => st.kind === 'branch' || st.kind === 'return' || st.kind === 'errno';
    for (const want of [decisive, () => true]) {
      for (const [steps, side] of [[after, 'after'], [before, 'before']] as const) {
        for (let i = steps.length - 1; i >= 0; i--) {
          const st = steps[i];
          if (!want(st)) continue;
          const j = index.candidates(st, side).find((c) => owners.includes(c) && c.path === st.file && (side === 'before' ? c.preChanged : c.postChanged).has(st.line));
          if (j) return j;
        }
      }
    }
  }
  return owners[0];
}

/**
 * Hunks containing a step where the before and after traces differ, each with its most
 * telling differing step: a branch or return (the decision), after side first (the code
 * the reviewer is reading). A step on a changed (-/+) line outranks one on a context
 * line: code merely reached because of a change elsewhere does not own the change.
 */
function divergenceOwners(u: Unit, ra: ScenarioResult, rb: ScenarioResult): Map<Job, { step: TraceStep; side: 'before' | 'after' }> {
  const { before, after, coarse } = divergentSteps(ra.trace, rb.trace);
  if (coarse) for (const j of u.jobs) if (j.assumptions.size < MAX_ASSUMPTIONS) j.assumptions.add(`scenario ${ra.id}: the before and after traces differ in more than ${MAX_TRACE_EDITS} steps; the change is attributed to every hunk whose code ran between their common start and end (coarse)`);
  const onChanged = new Map<Job, Array<{ step: TraceStep; side: 'before' | 'after' }>>();
  const inRange = new Map<Job, Array<{ step: TraceStep; side: 'before' | 'after' }>>();
  const index = unitIndex(u);
  const place = (st: TraceStep, side: 'before' | 'after') => {
    for (const j of index.candidates(st, side)) {
      // A grafted function has no hunk lines: a step in it belongs to the hunk grafted there.
      const grafted = !!j.graftTarget && st.fn === j.graftTarget && st.file.endsWith('~graft');
      const r = side === 'before' ? j.preRange : j.postRange;
      if (!grafted && (j.path !== st.file || !r || st.line < r[0] || st.line > r[1])) continue;
      const changed = grafted || (side === 'before' ? j.preChanged : j.postChanged).has(st.line);
      const m = changed ? onChanged : inRange;
      let xs = m.get(j);
      if (!xs) m.set(j, (xs = []));
      xs.push({ step: st, side });
    }
  };
  for (const st of after) place(st, 'after');
  for (const st of before) place(st, 'before');
  const use = onChanged.size ? onChanged : inRange;
  const out = new Map<Job, { step: TraceStep; side: 'before' | 'after' }>();
  const decisive = (x: { step: TraceStep }) => x.step.kind === 'branch' || x.step.kind === 'return' || x.step.kind === 'errno';
  for (const [j, steps] of use) out.set(j, steps.find(decisive) ?? steps[0]);
  return out;
}

/** Which of a unit's hunks may hold a step: found by binary search over their line ranges, not by trying every hunk. */
interface UnitIndex {
  candidates(st: TraceStep, side: 'before' | 'after'): Job[];
}

/**
 * A unit's hunks sorted by line range per file and side (hunks of one patch do not
 * overlap), plus its grafted hunks, which own steps by function name. Built once per
 * unit: attribution looks a step up per divergent step per scenario, so a loop over all
 * hunks there made review quadratic in hunks (issue 16).
 */
function unitIndex(u: Unit): UnitIndex {
  if (u.index) return u.index;
  const sorted = new Map<string, Job[]>();
  const grafted: Job[] = [];
  for (const j of u.jobs) {
    if (j.graftTarget) grafted.push(j);
    for (const side of ['before', 'after'] as const) {
      const r = side === 'before' ? j.preRange : j.postRange;
      if (!j.path || !r) continue;
      const k = `${side}\0${j.path}`;
      const list = sorted.get(k) ?? [];
      list.push(j);
      sorted.set(k, list);
    }
  }
  const start = (j: Job, side: 'before' | 'after') => (side === 'before' ? j.preRange! : j.postRange!)[0];
  for (const [k, list] of sorted) list.sort((a, b) => start(a, k.startsWith('before') ? 'before' : 'after') - start(b, k.startsWith('before') ? 'before' : 'after'));
  const index: UnitIndex = {
    candidates(st, side) {
      const out = grafted.filter((j) => st.fn === j.graftTarget);
      const list = sorted.get(`${side}\0${st.file}`);
      if (!list) return out;
      // Rightmost hunk starting at or before the line, then earlier ones while they start there too.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (start(list[mid], side) <= st.line) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo - 1; i >= 0 && i >= lo - 4; i--) if (!out.includes(list[i])) out.push(list[i]);
      return out;
    },
  };
  u.index = index;
  return index;
}

/**
 * Why a run's outcome is not behaviour, or undefined when it is: cut by a bound
 * (`inconclusive`) or past an unknown (`unknowns`, see Interpreter.unknown()).
 */
export function unknownReason(o: Outcome): string | undefined {
  // The first unknown is the cause when both are set: a value assumed 0 for a name the
  // tree lacks is what sends a loop past its bound (7.2's EXT4_LBLK_TO_B() on a 6.12 tree).
  const more = (n: number) => (n > 0 ? ` (and ${n} more)` : '');
  if (o.unknowns?.length) return o.unknowns[0] + more(o.unknowns.length - 1 + (o.inconclusive ? 1 : 0));
  if (o.inconclusive) return `inconclusive: ${o.inconclusive}`;
  return undefined;
}

/** The word a hunk summary counts a changed field under (`lock ×3`): reviewer words, not field ids. */
const SUMMARY_GROUP: Partial<Record<ChangeField, string>> = {
  lockAcrossIo: 'lock',
  lockSequence: 'lock',
  dioUnwritten: 'unwritten',
  unwrittenConverted: 'unwritten',
  unwrittenLeft: 'unwritten',
  convertContext: 'unwritten conversion',
  ioEndAllocs: 'io_end',
  bufferedWrite: 'buffered write',
  finalSize: 'size',
  timeline: 'ordering',
  warns: 'WARN',
};

function toReview(j: Job): HunkReview {
  const src = j.aliasOf ?? j;
  const h = j.hunk;
  const counts = new Map<string, number>();
  for (const c of src.changes) {
    const g = SUMMARY_GROUP[c.field] ?? c.field;
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  const newCodes = [...new Set(src.findings.filter((f) => f.status === 'new').map((f) => f.code))];
  const fixed = [...new Set(src.findings.filter((f) => f.status === 'fixed').map((f) => f.code))];
  // "Still broken" matters only for an invariant this hunk is about: one it breaks or fixes elsewhere.
  const about = new Set([...newCodes, ...fixed]);
  const findings = src.findings.filter((f) => f.status !== 'still' || about.has(f.code));
  const still = [...new Set(findings.filter((f) => f.status === 'still').map((f) => f.code))];
  // Scenarios whose both sides are behaviour: the denominator of every count shown.
  let known = 0;
  for (const id of src.run) if (!src.unknown.has(id)) known++;
  let summary: string;
  if (src.note?.startsWith('not analysed: time budget')) summary = 'not analysed: time budget exhausted';
  else if (src.headerApplied && !src.changed.size && !findings.length && !src.unknown.size)
    summary = `header applied: the patched image runs its static inlines, macros, struct layouts and constants; a change decided at its lines is reported here, others on the C hunks that use them (${j.path})`;
  else if (src.mode === 'outside' || (!src.functions.length && src.mode !== 'hunk-only' && !src.headerApplied)) summary = `outside the interpreted write path${j.path ? ` (${j.path})` : ''}`;
  else if (!src.unit) summary = `hunk-only: ${src.functions.length ? `touches ${src.functions.join(', ')}` : 'no complete function'}; not simulated${src.note ? ` (${src.note})` : ''}`;
  else if (!src.unit.done) summary = 'not analysed: time budget exhausted';
  else if (!src.run.size) {
    // Functions the model implements in TypeScript are never entered as C: say so instead of "not run".
    const modelled = src.functions.filter((f) => modelledBy(f)?.kind === 'boundary');
    summary = modelled.length
      ? `modelled, not interpreted: ${modelled.join(', ')} (a TypeScript model stands in for this C, so this change is not simulated)`
      : `no write-path change: no scenario runs ${src.functions.join(', ') || 'this code'}`;
  }
  else if (!src.changed.size) summary = `no write-path change in ${known} scenarios`;
  else {
    const parts = [...counts].map(([g, n]) => `${g} ×${n}`);
    summary = `${src.changed.size}/${known} scenarios change: ${parts.join(', ')}${newCodes.length ? `; breaks ${newCodes.join(', ')}` : ''}${fixed.length ? `; fixes ${fixed.join(', ')}` : ''}`;
  }
  if (still.length) summary += `; still broken: ${still.join(', ')}`;
  const unknownText = cannotTellText(src.unknown.values());
  if (unknownText) summary = known || src.changed.size ? `${summary}; ${unknownText}` : unknownText;
  if (src.mode === 'hunk-only' && src.unit) summary = `hunk-only: ${summary}`;
  return {
    header: h.header,
    line: h.docLine + 1,
    docLine: h.docLine,
    docColumn: h.docColumn,
    docEndLine: h.docEndLine,
    functions: src.functions,
    mode: src.mode,
    changes: src.changes,
    findings,
    assumptions: [...src.assumptions],
    scenariosRun: src.run.size,
    scenariosChanged: src.changed.size,
    ...(src.unknown.size ? { unknown: [...src.unknown].map(([scenario, u]) => ({ scenario, ...u })) } : {}),
    summary,
    ...(src.deciding ? { deciding: src.deciding } : {}),
    key: j.key,
    ...(src.preRange || src.postRange ? { ranges: { ...(src.preRange ? { before: src.preRange } : {}), ...(src.postRange ? { after: src.postRange } : {}) } } : {}),
    ...(src.note ? { note: src.note } : {}),
  };
}

export type { TraceStep };
