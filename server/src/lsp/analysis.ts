/**
 * Per-document analysis state: which documents are open, the analysis of each document's
 * current version, and when to (re)compute it. Knows the review and the kernel model,
 * not LSP types (convert.ts renders; server.ts routes).
 *
 * Scheduling: an edit is analysed after a debounce; a request (hover, pull diagnostics…)
 * analyses the current version at once. Every analysis is keyed by the document version
 * and an epoch that advances whenever the base changes (settings, kernel tree on disk,
 * edited fs/ext4 C): a result computed for an older version or epoch is dropped, and the
 * newer one is computed instead. The simulation itself is synchronous, so cancellation
 * and staleness are checked before it starts and between scenarios (`hasTime`).
 *
 * Requests: a request waits for the analysis of the current version, but never past its
 * own cancellation (`$/cancelRequest`), nor past a newer edit that supersedes the job it
 * waits for (it then follows the newer version). A cancelled request does not stop the
 * analysis: the next request and the pushed diagnostics of that version need it.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancellationToken, CancellationTokenSource, Disposable } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { scenarioSet } from '../io/scenarioSet';
import type { Ext4WritePathSettings, ScenarioMatrixResponse, SourceTarget, TraceResponse } from '../protocol';
import { divergentSteps } from '../review/compare';
import { reviewSteps, ReviewSession } from '../review/review';
import { RunCache } from '../review/runCache';
import type { KernelProfile } from '../model/profiles';
import type { HunkReview } from '../review/types';
import type { Scenario } from '../scenario/types';
import type { CParser } from '../syntax/treeSitter';
import { analyseCFile, CFileAnalysis, functionAt } from './cfile';
import { allHunks, cTraceMarkdown, fieldLabels, matrixHunk, matrixRows, outcomeFields, PatchView, scenarioDimensions, sourceTarget, splitLines, traceMarkdown, traceStepViews, treeUri } from './convert';
import { KernelTrees } from './kernels';
import { profileOverride } from './settings';

/**
 * The largest fs/ext4 C document analysed (characters). The biggest write-path file,
 * inode.c, is about 0.2 M; parsing a text many times that size costs hundreds of MB of
 * WASM heap that never shrinks (issue 16's memory budget is 500 MB).
 */
export const MAX_C_DOCUMENT_CHARS = 2_000_000;

/** What a document is to the server. */
export type DocKind = 'patch' | 'c' | 'ignored';

export interface PatchAnalysis {
  kind: 'patch';
  version: number;
  epoch: number;
  session: ReviewSession;
  view: PatchView;
  scenarios: readonly Scenario[];
  /** No base tree: hunks were analysed on their own (with the reference tree, if fetched). */
  noKernel: boolean;
  ms: number;
}

export interface CAnalysis {
  kind: 'c';
  version: number;
  epoch: number;
  /** Undefined when the file is not in a kernel tree (nothing to simulate). */
  data?: CFileAnalysis;
  lines: string[];
  ms: number;
}

export type Analysis = PatchAnalysis | CAnalysis;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the analyzer needs from the server around it. */
export interface AnalyzerHost {
  parser(): Promise<CParser>;
  settings(): Ext4WritePathSettings;
  /** Workspace folder paths. */
  folders(): readonly string[];
  log: Logger;
  /** Shown to the user once per distinct message (bad settings). */
  notify(message: string): void;
  /** An analysis of `st` is about to run (status: busy). */
  started(st: DocumentState): void;
  /** How far the analysis of `st` is (fraction 0..1), reported now and then. */
  progress(st: DocumentState, fraction: number): void;
  /** A current analysis of `st` is ready (push diagnostics, status). */
  finished(st: DocumentState, a: Analysis): void;
  /** The analysis of `st` threw (an engine bug): the status says so; the log has the stack. */
  failed(st: DocumentState, message: string): void;
  /** Every result may be out of date (pull clients: ask them to re-pull). */
  invalidated(): void;
}

interface Job {
  version: number;
  epoch: number;
  cts: CancellationTokenSource;
  promise: Promise<Analysis | undefined>;
}

/** One open document: its latest text, its current analysis and the work pending for it. */
export class DocumentState {
  analysis?: Analysis;
  /** Pending debounce of an edit, and a promise that settles when it fires or is dropped. */
  timer?: NodeJS.Timeout;
  settled?: Promise<void>;
  private settle?: () => void;
  job?: Job;
  /** Runs of this document's earlier versions, reused where an edit left a run's code unchanged. */
  readonly runCache = new RunCache();
  /** The version and epoch whose analysis threw: not retried until either changes. */
  failed?: { version: number; epoch: number };
  closed = false;

  constructor(
    readonly uri: string,
    public doc: TextDocument,
    readonly kind: DocKind,
    /** File system path, for `file:` documents. */
    readonly path?: string,
  ) {}

  /** Replace the analysis, freeing the parsed trees of the one it replaces. */
  adopt(a: Analysis): void {
    const old = this.analysis;
    this.analysis = a;
    if (old?.kind === 'patch' && old !== a) old.session.dispose();
  }

  /** Start (or restart) the debounce timer; `fire` runs when it expires. */
  arm(delay: number, fire: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    else this.settled = new Promise<void>((r) => (this.settle = r));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
      this.disarm();
    }, delay);
  }

  /** Drop the debounce timer and release whoever waits for it. */
  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const settle = this.settle;
    this.settle = undefined;
    settle?.();
  }

  dispose(): void {
    this.closed = true;
    this.disarm();
    this.job?.cts.cancel();
    if (this.analysis?.kind === 'patch') this.analysis.session.dispose();
    this.analysis = undefined;
  }
}

/** `fs/ext4/*.c` by path. */
const EXT4_C = /[\\/]fs[\\/]ext4[\\/][^\\/]+\.c$/;

/** Decide what a document is: an fs/ext4 C file, another C file (ignored), or a patch / mail. */
export function classify(uri: string, languageId: string): { kind: DocKind; path?: string } {
  let path: string | undefined;
  try {
    path = uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    path = undefined;
  }
  const name = path ?? uri;
  if (languageId === 'c' || languageId === 'cpp' || /\.[ch]$/.test(name)) return { kind: path && EXT4_C.test(path) ? 'c' : 'ignored', path };
  return { kind: 'patch', path };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * `p`'s value, or undefined as soon as one of `tokens` is cancelled, whichever comes
 * first. `p` keeps running (an analysis is shared by every request for its version); only
 * this wait ends. The listeners are removed either way.
 */
export async function untilCancelled<T>(p: Promise<T>, tokens: readonly CancellationToken[]): Promise<T | undefined> {
  if (tokens.some((t) => t.isCancellationRequested)) return undefined;
  const subs: Disposable[] = [];
  try {
    return await Promise.race([p, new Promise<undefined>((r) => tokens.forEach((t) => subs.push(t.onCancellationRequested(() => r(undefined)))))]);
  } finally {
    for (const d of subs) d.dispose();
  }
}

export class Analyzer {
  private readonly docs = new Map<string, DocumentState>();
  private epoch = 0;
  private kernels?: KernelTrees;
  private scenarioCache?: { key: string; set: { scenarios: Scenario[]; source: string } };
  private lastBase?: string;
  private readonly told = new Set<string>();

  constructor(private readonly host: AnalyzerHost, private readonly debounceMs = 300) {}

  // --- documents ---------------------------------------------------------------------

  open(doc: TextDocument): void {
    const { kind, path } = classify(doc.uri, doc.languageId);
    this.docs.get(doc.uri)?.dispose();
    const st = new DocumentState(doc.uri, doc, kind, path);
    this.docs.set(doc.uri, st);
    if (kind !== 'ignored') this.schedule(st, 0);
  }

  change(doc: TextDocument): void {
    const st = this.docs.get(doc.uri);
    if (!st) return this.open(doc);
    st.doc = doc;
    // The running or queued work is for an older version: drop it.
    st.job?.cts.cancel();
    if (st.kind !== 'ignored') this.schedule(st, this.debounceMs);
  }

  close(uri: string): void {
    const st = this.docs.get(uri);
    if (!st) return;
    st.dispose();
    this.docs.delete(uri);
    // A closed C document no longer overrides the file on disk.
    if (st.kind === 'c' && st.path && this.kernels?.setOverlay(st.path, undefined)) this.invalidate('an edited fs/ext4 C document was closed');
  }

  state(uri: string): DocumentState | undefined {
    return this.docs.get(uri);
  }

  /** Is `a` the analysis of the document's current version and base? */
  isCurrent(st: DocumentState, a: Analysis | undefined): a is Analysis {
    return !!a && a.version === st.doc.version && a.epoch === this.epoch;
  }

  /**
   * The analysis of the document's current version, computed now if needed. Follows newer
   * versions that arrive meanwhile; answers undefined when `token` is cancelled or the
   * document is unknown, and the last analysis when a current one cannot be had.
   * `urgent` (a request the user asked for: hover, a command) starts the analysis of a
   * settling edit at once instead of waiting out its debounce.
   */
  async current(uri: string, token: CancellationToken = CancellationToken.None, urgent = false): Promise<Analysis | undefined> {
    for (let misses = 0; misses < 8; ) {
      const st = this.docs.get(uri);
      if (!st || st.kind === 'ignored' || token.isCancellationRequested) return undefined;
      if (this.isCurrent(st, st.analysis) || this.hasFailed(st)) return st.analysis;
      // An edit is settling: wait for its debounce rather than analyse every keystroke
      // (pull clients ask for diagnostics right after each change). A cancelled request
      // stops waiting at once: its answer is due now, not when the debounce fires.
      // A user's request is different: the debounce only saves work nobody asked for yet.
      if (st.timer && !urgent) {
        await untilCancelled(st.settled ?? Promise.resolve(), [token]);
        continue;
      }
      const running = this.ensure(st);
      // Stop waiting when the request is cancelled, and when a newer edit (or base)
      // supersedes the job: the stale analysis only stops at its next batch, and this
      // request then follows the newer version instead.
      const a = await untilCancelled(running, st.job ? [token, st.job.cts.token] : [token]);
      if (token.isCancellationRequested) return undefined;
      if (a && this.isCurrent(st, a)) return a;
      misses++;
    }
    return this.docs.get(uri)?.analysis;
  }

  // --- invalidation ------------------------------------------------------------------

  /** The base of every analysis changed: recompute every open document. */
  invalidate(why: string): void {
    this.epoch++;
    this.host.log.info(`re-analysing open documents: ${why}`);
    for (const st of this.docs.values()) if (st.kind !== 'ignored') this.schedule(st, 0);
    this.host.invalidated();
  }

  settingsChanged(): void {
    this.scenarioCache = undefined;
    this.invalidate('settings changed');
  }

  /** Files changed on disk (workspace/didChangeWatchedFiles). */
  filesChanged(paths: readonly string[]): void {
    let reload = false;
    for (const p of paths) if (this.kernels?.fileChanged(p)) reload = true;
    const base = this.kernels?.resolveBase(this.host.settings().kernelTree, this.host.folders()).root;
    if (reload) this.invalidate(`kernel tree changed on disk (${paths.join(', ')})`);
    else if (this.kernels && base !== this.lastBase) this.invalidate(`kernel tree is now ${base ?? 'none'}`);
  }

  /** Kernel tree roots loaded so far (for file watching). */
  roots(): string[] {
    return this.kernels?.roots() ?? [];
  }

  dispose(): void {
    for (const st of this.docs.values()) st.dispose();
    this.docs.clear();
    this.kernels?.dispose();
  }

  // --- scheduling --------------------------------------------------------------------

  private schedule(st: DocumentState, delay: number): void {
    st.arm(delay, () => {
      this.ensure(st).catch((err) => this.host.log.error(`analysis of ${st.uri} failed: ${errorText(err)}`));
    });
  }

  /** The running analysis of the current version, or a new one. */
  private ensure(st: DocumentState): Promise<Analysis | undefined> {
    if (this.isCurrent(st, st.analysis)) return Promise.resolve(st.analysis);
    if (this.hasFailed(st)) return Promise.resolve(undefined);
    const j = st.job;
    if (j && !j.cts.token.isCancellationRequested && j.version === st.doc.version && j.epoch === this.epoch) return j.promise;
    j?.cts.cancel();
    st.disarm();
    const job: Job = { version: st.doc.version, epoch: this.epoch, cts: new CancellationTokenSource(), promise: Promise.resolve(undefined) };
    job.promise = this.run(st, job).finally(() => {
      if (st.job === job) st.job = undefined;
    });
    st.job = job;
    return job.promise;
  }

  private hasFailed(st: DocumentState): boolean {
    return !!st.failed && st.failed.version === st.doc.version && st.failed.epoch === this.epoch;
  }

  private stale(st: DocumentState, job: Job): boolean {
    return st.closed || job.cts.token.isCancellationRequested || st.doc.version !== job.version;
  }

  private async run(st: DocumentState, job: Job): Promise<Analysis | undefined> {
    // Let queued notifications (a newer version, a close) in before the synchronous work.
    await tick();
    let parser: CParser;
    try {
      parser = await this.host.parser();
    } catch (err) {
      // No grammar WASM (an unbuilt checkout): say so once per version instead of retrying.
      st.failed = { version: job.version, epoch: job.epoch };
      this.host.log.error(`cannot load the C parser: ${errorText(err)}`);
      this.host.failed(st, err instanceof Error ? err.message : String(err));
      return undefined;
    }
    this.kernels ??= new KernelTrees(parser, (m) => this.host.log.info(m));
    if (this.stale(st, job)) return undefined;
    this.syncOverlays();
    job.epoch = this.epoch;
    this.host.started(st);
    await tick();
    if (this.stale(st, job) || job.epoch !== this.epoch) return undefined;
    const t0 = Date.now();
    let a: Analysis;
    try {
      a = st.kind === 'patch' ? await this.analysePatch(st, job, parser, t0) : this.analyseC(st, job, t0);
    } catch (err) {
      // The review never throws on bad input; this is a bug. Keep serving the last result.
      st.failed = { version: job.version, epoch: job.epoch };
      this.host.log.error(`analysis of ${st.uri} (version ${job.version}) failed: ${errorText(err)}`);
      this.host.failed(st, err instanceof Error ? err.message : String(err));
      return undefined;
    }
    if (this.stale(st, job) || job.epoch !== this.epoch) {
      if (a.kind === 'patch') a.session.dispose();
      return undefined;
    }
    st.adopt(a);
    this.host.log.info(`analysed ${st.uri} (version ${a.version}) in ${a.ms} ms`);
    this.host.finished(st, a);
    return a;
  }

  /** Make the bases use the editor text of every open fs/ext4 C document. */
  private syncOverlays(): void {
    let changed = false;
    for (const st of this.docs.values()) {
      if (st.kind !== 'c' || !st.path) continue;
      const text = st.doc.getText();
      // An editor text no ext4 source comes near in size is not laid over the tree (the disk text stays).
      if (this.kernels!.setOverlay(st.path, text.length > MAX_C_DOCUMENT_CHARS ? undefined : text)) changed = true;
    }
    if (changed) this.invalidate('an fs/ext4 C document was edited');
  }

  private scenarios(s: Ext4WritePathSettings): { scenarios: Scenario[]; source: string } {
    const folder = this.host.folders()[0];
    // A relative scenario file is relative to the workspace (where settings.json lives).
    const spec = s.scenarios !== 'default' && s.scenarios !== 'core' && folder && !isAbsolute(s.scenarios) ? resolve(folder, s.scenarios) : s.scenarios;
    if (this.scenarioCache?.key === spec) return this.scenarioCache.set;
    const set = scenarioSet(spec);
    for (const p of set.problems) this.tell(p);
    if (!set.scenarios.length) this.tell(`${spec}: no usable scenario`);
    this.scenarioCache = { key: spec, set };
    return set;
  }

  private tell(message: string): void {
    this.host.log.warn(message);
    if (this.told.has(message)) return;
    this.told.add(message);
    this.host.notify(message);
  }

  private async analysePatch(st: DocumentState, job: Job, parser: CParser, t0: number): Promise<PatchAnalysis> {
    const s = this.host.settings();
    const profile = profileOverride(s);
    const kernels = this.kernels!;
    const where = kernels.resolveBase(s.kernelTree, this.host.folders());
    for (const p of where.problems) this.tell(p);
    this.lastBase = where.root;
    const base = where.root ? kernels.base(where.root, profile) : undefined;
    if (base?.profileConflict) this.tell(`ext4WritePath.kernelVersion: ${base.profileConflict}; using profile ${base.profile.id} instead`);
    // Without a tree the review picks the profile (the setting, else inferred from the patch) and asks for its reference tree.
    const referenceFor = (p: KernelProfile) => kernels.reference(p);
    const { scenarios, source } = this.scenarios(s);
    const text = st.doc.getText();
    const hasTime = () => !this.stale(st, job) && Date.now() - t0 < s.timeBudget;
    // Drive the review in small steps, letting the event loop deliver edits, closes and
    // cancellations in between: `hasTime` then sees a stale version and the review stops.
    // No tree configured: the cached Debian trees the series applies to come first, as in the CLI.
    const candidates = base || profile ? undefined : () => kernels.candidates();
    const steps = reviewSteps(text, { parser, base, referenceFor, candidates, profileOverride: profile, scenarios, scenarioSource: source, hasTime, runCache: st.runCache });
    let r = steps.next();
    let reported = 0;
    while (!r.done) {
      // Between batches: once a newer edit, a close or a new base made this job stale,
      // `hasTime` is false and the generator only wraps up what ran (no more simulation),
      // so finish it at once — without progress reports or yielding — for run() to drop.
      // (Returning from the generator instead would leak the parsed images it owns.)
      if (this.stale(st, job)) {
        while (!r.done) r = steps.next();
        break;
      }
      // A progress report every tenth of the way is plenty for a notification.
      const f = r.value.total ? r.value.done / r.value.total : 0;
      if (f - reported >= 0.1) {
        reported = f;
        this.host.progress(st, f);
      }
      await tick();
      r = steps.next();
    }
    const session = r.value;
    // The tree reviewed against: the configured one, or the cached tree the series applies to.
    const used = session.base ?? base;
    const view: PatchView = { uri: st.uri, result: session.result, document: session.document, lines: splitLines(text), tree: used?.root ? { root: used.root, base: used } : undefined, postTexts: session.postTexts, budgetMs: s.timeBudget };
    return { kind: 'patch', version: job.version, epoch: job.epoch, session, view, scenarios, noKernel: !used, ms: Date.now() - t0 };
  }

  private analyseC(st: DocumentState, job: Job, t0: number): CAnalysis {
    const s = this.host.settings();
    const text = st.doc.getText();
    const lines = splitLines(text);
    const t = st.path ? this.kernels!.treeOf(st.path) : undefined;
    if (!t) return { kind: 'c', version: job.version, epoch: job.epoch, lines, ms: Date.now() - t0 };
    if (text.length > MAX_C_DOCUMENT_CHARS) {
      this.tell(`${st.path}: not analysed: ${(text.length / 1e6).toFixed(1)} M characters is more than a C file of the write path has (limit ${MAX_C_DOCUMENT_CHARS / 1e6} M); the tree's disk text is used for patches`);
      return { kind: 'c', version: job.version, epoch: job.epoch, lines, ms: Date.now() - t0 };
    }
    const base = this.kernels!.base(t.root, profileOverride(s));
    const { scenarios, source } = this.scenarios(s);
    const hasTime = () => !this.stale(st, job) && Date.now() - t0 < s.timeBudget;
    const data = analyseCFile(base, t.rel, scenarios, source, hasTime);
    return { kind: 'c', version: job.version, epoch: job.epoch, data, lines, ms: Date.now() - t0 };
  }

  // --- commands ----------------------------------------------------------------------

  /** `SERVER_COMMANDS.trace`: the trace of one scenario of the hunk (or C function) at `line`. */
  async trace(uri: string, line: number, scenario: string | undefined, side: 'before' | 'after' | undefined, token?: CancellationToken): Promise<TraceResponse | null> {
    const a = await this.current(uri, token, true);
    if (!a) return null;
    if (a.kind === 'c') {
      const d = a.data;
      if (!d) return null;
      const fn = functionAt(d, line);
      const scenarios = fn ? d.runs.get(fn.name) ?? [] : [...d.results.keys()];
      const sc = scenario && d.results.has(scenario) ? scenario : scenarios[0];
      if (!sc) return null;
      const markdown = cTraceMarkdown(d, fn?.name ?? d.rel, sc);
      if (!markdown) return null;
      const r = d.results.get(sc)!;
      const docPath = this.docs.get(uri)?.path;
      const root = docPath ? this.kernels?.treeOf(docPath)?.root : undefined;
      // Steps in this document are at its own (editor) lines; others are in the tree on disk.
      const target = (st: { file: string; line: number }): SourceTarget | undefined =>
        !st.line || st.file === 'model' ? undefined : st.file === d.rel ? { uri, line: st.line - 1, how: 'exact' } : root ? { uri: treeUri(root, st.file), line: st.line - 1, how: 'exact' } : undefined;
      const s = d.scenarios.find((x) => x.id === sc);
      return {
        scenario: sc,
        side: 'after',
        markdown,
        scenarios,
        steps: traceStepViews(r.trace, target),
        outcome: outcomeFields(r),
        where: `${d.rel} · ${fn ? `${fn.name}()` : 'current text'}`,
        functions: fn ? [fn.name] : [],
        ...(s ? { dimensions: scenarioDimensions(s) } : {}),
        hasOtherSide: false,
        fieldLabels: fieldLabels(),
      };
    }
    const hit = hunkOnLine(a, line, scenario);
    if (!hit) return null;
    const { path, h } = hit;
    const session = a.session;
    const scenarios = session.scenariosFor(h.key);
    const sc = scenario ?? h.changes[0]?.scenario ?? scenarios[0];
    if (!sc) return null;
    const t = session.trace(h.key, sc, side ?? 'after') ?? (side ? undefined : session.trace(h.key, sc, 'before'));
    if (!t) return null;
    const otherSide = t.side === 'after' ? 'before' : 'after';
    const other = session.trace(h.key, sc, otherSide);
    const results = session.results(h.key, sc);
    // Where this side's run parts from the other's: the steps a reviewer looks for first.
    const diverging = other ? new Set(t.side === 'after' ? divergentSteps(other.steps, t.steps).after : divergentSteps(t.steps, other.steps).before) : undefined;
    const cache = new Map<string, string[]>();
    const s = a.scenarios.find((x) => x.id === sc);
    return {
      scenario: sc,
      side: t.side,
      markdown: traceMarkdown(t, `\`${path}\` \`${h.header}\``, results[t.side]),
      scenarios,
      // A step that cannot be placed exactly falls back to the start of its own function.
      steps: traceStepViews(t.steps, (st) => sourceTarget(a.view, h.key, st, t.side, [st.fn], cache), diverging),
      outcome: outcomeFields(results[t.side]),
      ...(other ? { otherOutcome: outcomeFields(results[otherSide]) } : {}),
      where: `${path} ${h.header}`,
      functions: h.functions,
      ...(s ? { dimensions: scenarioDimensions(s) } : {}),
      hasOtherSide: !!other,
      fieldLabels: fieldLabels(),
    };
  }

  /**
   * `SERVER_COMMANDS.matrix`: before/after per scenario for the hunk at `line`, else the
   * first changed hunk (else the first simulated one), plus the list of hunks to switch to.
   */
  async matrix(uri: string, line?: number, token?: CancellationToken): Promise<ScenarioMatrixResponse | null> {
    const a = await this.current(uri, token, true);
    if (!a || a.kind !== 'patch') return null;
    const all = allHunks(a.view.result);
    const simulated = all.filter((x) => x.h.scenariosRun > 0);
    const at = line === undefined ? undefined : hunkOnLine(a, line);
    const hit = (at && at.h.scenariosRun > 0 ? at : undefined) ?? all.find((x) => x.h.scenariosChanged > 0) ?? simulated[0];
    const base = { uri, hunks: simulated.map((x) => matrixHunk(x.path, x.h)), fieldLabels: fieldLabels(), profile: a.view.result.kernel.profile, scenarioSource: a.view.result.scenarios.source };
    if (!hit) return { ...base, rows: [] };
    // Only the scenarios that ran the hunk's code: the others are unchanged by construction.
    const ran = new Set(a.session.scenariosFor(hit.h.key));
    return {
      ...base,
      hunk: matrixHunk(hit.path, hit.h),
      hunkScenarios: [...new Set(hit.h.changes.map((c) => c.scenario))],
      rows: matrixRows(a.scenarios.filter((s) => ran.has(s.id)), (id) => a.session.results(hit.h.key, id)),
    };
  }
}

/**
 * The hunk whose lines include `line`. Several do in a flattened (one-line) document; then
 * the first that ran `scenario` (when given), else the first that changed anything, else
 * the first that ran any scenario.
 */
export function hunkOnLine(a: PatchAnalysis, line: number, scenario?: string): { path: string; h: HunkReview } | undefined {
  const on = allHunks(a.view.result).filter((x) => x.h.docLine <= line && line <= x.h.docEndLine);
  return (
    (scenario ? on.find((x) => a.session.scenariosFor(x.h.key).includes(scenario)) : undefined) ??
    on.find((x) => x.h.scenariosChanged > 0) ??
    on.find((x) => x.h.scenariosRun > 0) ??
    on[on.length - 1]
  );
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}
