import type { CheckCode, ScenarioResult } from '../engine/outcome';
import type { TraceStep } from '../interp/trace';
import { INTERPRETED_FILES } from '../kernel/image';
import { ImageSide } from '../review/images';
import type { BaseTree } from '../review/review';
import type { Scenario } from '../scenario/types';
import type { FunctionEntry } from '../syntax/sourceFile';

/** An invariant the current code breaks, placed on one function of the file. */
export interface CFileFinding {
  code: CheckCode;
  severity: 'error' | 'warning' | 'information';
  message: string;
  /** The function of this file the finding is shown on. */
  function: string;
  scenarios: string[];
  /** The last decisions the first such scenario took in this file (1-based lines). */
  decisions: TraceStep[];
}

/**
 * The default matrix simulated over a kernel tree in which one fs/ext4 C file has the
 * editor's text: what each function of the file does across the scenarios that run it.
 * Plain data; convert.ts turns it into hovers and diagnostics.
 */
export interface CFileAnalysis {
  /** Tree-relative path (`fs/ext4/file.c`). */
  rel: string;
  /** False for fs/ext4 files the engine does not interpret (nothing is simulated). */
  interpreted: boolean;
  /** This file's function definitions, in file order. */
  functions: FunctionEntry[];
  /** Results by scenario id (only the scenarios simulated within the budget). */
  results: Map<string, ScenarioResult>;
  /** Scenario ids that entered each function of this file, in matrix order. */
  runs: Map<string, string[]>;
  findings: CFileFinding[];
  scenarios: readonly Scenario[];
  scenarioSource: string;
  profile: string;
  profileWhy: string;
  /** True when the time budget ran out before every scenario was simulated. */
  partial: boolean;
}

/**
 * Simulate `scenarios` over `base` (whose texts and files already hold the editor text of
 * `rel`, see KernelTrees overlays) and index the results by the functions of `rel`.
 */
export function analyseCFile(base: BaseTree, rel: string, scenarios: readonly Scenario[], scenarioSource: string, hasTime: () => boolean): CFileAnalysis {
  const interpreted = (INTERPRETED_FILES as readonly string[]).includes(rel);
  const file = base.files.find((f) => f.path === rel);
  const functions = file ? [...file.functions.values()].sort((a, b) => a.startRow - b.startRow) : [];
  const out: CFileAnalysis = { rel, interpreted, functions, results: new Map(), runs: new Map(), findings: [], scenarios, scenarioSource, profile: base.profile.id, profileWhy: base.profileWhy, partial: false };
  if (!interpreted || !file) return out;
  // With the tree's header code: the interpreted C reads header inlines, macros and struct layouts.
  const side = new ImageSide(base.texts, new Map(base.files.map((f) => [f.path, f])), undefined, undefined, undefined, undefined, base.headers);
  out.results = side.run(scenarios, base.profile, base.constant, hasTime);
  out.partial = out.results.size < scenarios.length;
  const mine = new Set(functions.map((f) => f.name));
  for (const s of scenarios) {
    const r = out.results.get(s.id);
    if (!r) continue;
    for (const fn of r.functions) {
      if (!mine.has(fn)) continue;
      let xs = out.runs.get(fn);
      if (!xs) out.runs.set(fn, (xs = []));
      xs.push(s.id);
    }
  }
  out.findings = placeFindings(out, mine);
  return out;
}

/**
 * One finding per (check, function). The checks judge a whole run, so where it went wrong
 * is not known; a finding is shown on the most specific function of this file on the
 * violating path: the one, among this file's functions every violating scenario entered,
 * that the fewest scenarios of the matrix enter (ties: the one entered last, i.e. deeper).
 * That is where the violating runs differ from the common path — ext4_iomap_alloc() for a
 * journal start under IOCB_NOWAIT, ext4_dio_write_end_io() for an unconverted extent,
 * ext4_handle_inode_extension() for an extending write — rather than the entry point
 * every scenario shares. The last decisions taken in this file are attached.
 */
function placeFindings(a: CFileAnalysis, mine: ReadonlySet<string>): CFileFinding[] {
  const byCode = new Map<string, { f: { code: CheckCode; severity: CFileFinding['severity']; message: string }; ids: string[] }>();
  for (const s of a.scenarios) {
    const r = a.results.get(s.id);
    for (const f of r?.outcome.findings ?? []) {
      let x = byCode.get(f.code);
      if (!x) byCode.set(f.code, (x = { f, ids: [] }));
      if (!x.ids.includes(s.id)) x.ids.push(s.id);
    }
  }
  const out: CFileFinding[] = [];
  for (const { f, ids } of byCode.values()) {
    const first = a.results.get(ids[0])!;
    const order = first.functions.filter((fn) => mine.has(fn));
    const common = order.filter((fn) => ids.every((id) => a.results.get(id)!.functions.includes(fn)));
    if (!common.length) continue;
    let best = common[0];
    for (const fn of common) if ((a.runs.get(fn)?.length ?? 0) <= (a.runs.get(best)?.length ?? 0)) best = fn;
    const decisions = first.trace.filter((st) => st.file === a.rel && (st.kind === 'branch' || st.kind === 'return' || st.kind === 'errno')).slice(-3);
    out.push({ code: f.code, severity: f.severity, message: f.message, function: best, scenarios: ids, decisions });
  }
  return out;
}

/** The function of `a` whose definition spans 0-based `line`, if any. */
export function functionAt(a: Pick<CFileAnalysis, 'functions'>, line: number): FunctionEntry | undefined {
  return a.functions.find((f) => f.startRow <= line && line <= f.endRow);
}

/**
 * The function a hover at (line, character) is about: a name the matrix runs under the
 * cursor (a definition or a call), else the function whose signature holds the cursor
 * (its rows up to the opening brace). Hovers inside bodies on other words stay quiet.
 */
export function hoverFunction(a: Pick<CFileAnalysis, 'functions' | 'runs'>, lines: readonly string[], line: number, character: number): string | undefined {
  const text = lines[line] ?? '';
  const re = /[A-Za-z_]\w*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index <= character && character <= m.index + m[0].length) {
      if (a.runs.has(m[0])) return m[0];
      break;
    }
  }
  const fn = functionAt(a, line);
  if (!fn || !a.runs.has(fn.name)) return undefined;
  let brace = fn.startRow;
  while (brace < fn.endRow && !(lines[brace] ?? '').includes('{')) brace++;
  return line <= brace ? fn.name : undefined;
}
