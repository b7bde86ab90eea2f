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
  const side = new ImageSide(base.texts, new Map(base.files.map((f) => [f.path, f])));
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
 * One finding per (check, function). A finding is shown on the first function of this file
 * the scenario entered (`ScenarioResult.functions` is in entry order): the place where the
 * scenario's path enters this file is the one every violating path shares, whereas "the
 * function where it went wrong" is not known to the checks (they judge the whole run).
 * The decisions taken in this file are attached so the reader can follow the path.
 */
function placeFindings(a: CFileAnalysis, mine: ReadonlySet<string>): CFileFinding[] {
  const byKey = new Map<string, CFileFinding>();
  for (const s of a.scenarios) {
    const r = a.results.get(s.id);
    if (!r?.outcome.findings.length) continue;
    const fn = r.functions.find((f) => mine.has(f));
    if (!fn) continue;
    for (const f of r.outcome.findings) {
      const key = `${f.code}\u0000${fn}`;
      let x = byKey.get(key);
      if (!x) {
        const decisions = r.trace.filter((st) => st.file === a.rel && (st.kind === 'branch' || st.kind === 'return' || st.kind === 'errno')).slice(-3);
        byKey.set(key, (x = { code: f.code, severity: f.severity, message: f.message, function: fn, scenarios: [], decisions }));
      }
      if (!x.scenarios.includes(s.id)) x.scenarios.push(s.id);
    }
  }
  return [...byKey.values()];
}

/** The function of `a` whose definition spans 0-based `line`, if any. */
export function functionAt(a: Pick<CFileAnalysis, 'functions'>, line: number): FunctionEntry | undefined {
  return a.functions.find((f) => f.startRow <= line && line <= f.endRow);
}
