import type { CheckCode } from '../engine/outcome';
import type { TraceStep } from '../interp/trace';

/**
 * The review of a patch document (BRIEF.md "Review"): per file, per hunk, the scenarios
 * whose outcome changed between the pre-image and the post-image, the invariants newly
 * broken or fixed, and what could not be decided. Plain data: the LSP adapter and the
 * CLI formatters turn it into diagnostics, hovers, text, JSON and SARIF.
 *
 * Lines: `line` is the 1-based line of the `@@` header in the reviewed document (BRIEF);
 * `docLine`/`docEndLine` are 0-based document lines (for LSP ranges); for a flattened
 * one-line document `docColumn` locates the header on line 0.
 */
export interface ReviewResult {
  files: FileReview[];
  problems: ReviewProblem[];
  /** The base the pre-image came from, and the profile used, with why. */
  kernel: { tree?: string; version?: string; profile: string; profileWhy: string };
  /** Scenario set used. */
  scenarios: { count: number; source: string };
  /** True when the time budget ran out: hunks after that point are not annotated. */
  partial: boolean;
  /**
   * Scenario runs compared (both sides simulated) against those the review set out to
   * run: one per scenario for each group of hunks simulated together. `done < total`
   * is an incomplete review ("incomplete: N of M scenarios"), never "no change".
   */
  simulated: { done: number; total: number };
  /**
   * Error-severity invariants newly broken by the patch, counted once per hunk and check
   * (however many scenarios show it); exit status 1 when non-zero.
   */
  newErrors: number;
  /**
   * Distinct scenarios that some hunk cannot tell about (HunkReview.unknown): never
   * counted as changes or findings; `review --strict` fails on them.
   */
  unknownScenarios: number;
}

export interface FileReview {
  /** Path in the kernel tree (`fs/ext4/file.c`), from the patch. */
  path: string;
  hunks: HunkReview[];
}

/** Outcome fields a change can be reported in (BRIEF: fallback, lock, unwritten, waits, orphan, ret). */
export type ChangeField = 'path' | 'fallback' | 'lockAcrossIo' | 'lockSequence' | 'waits' | 'dioUnwritten' | 'unwrittenConverted' | 'unwrittenLeft' | 'orphan' | 'ret' | 'bufferedWrite' | 'convertContext' | 'ioEndAllocs' | 'finalSize' | 'timeline' | 'warns';

export interface HunkChange {
  scenario: string;
  field: ChangeField;
  before: string;
  after: string;
  /** The deciding condition on the after side (or before, if the scenario no longer reaches it), `cond @ file:line`. */
  why?: string;
}

export interface HunkFinding {
  code: CheckCode;
  severity: 'error' | 'warning' | 'information';
  message: string;
  scenario: string;
  /**
   * `new`: broken by the patch; `fixed`: broken before, not after; `still`: broken on both
   * sides in a scenario that ran this hunk's changed lines — the change did not help there.
   */
  status: 'new' | 'fixed' | 'still';
  /**
   * Keys (`HunkReview.key`) of the other hunks this finding was seen on: re-running the
   * scenario without each showed this hunk is its cause and they are not (ablation).
   */
  alsoIn?: string[];
  /**
   * Set with `alsoIn` when no single hunk's removal computably clears the finding (the
   * hunks need each other, or a re-run without one cannot tell — it does not build): the
   * finding is reported once, here — the hunk holding the last decision where the two runs
   * differ (review.ts jointOwner()) — and the others are related.
   */
  joint?: boolean;
}

/** How a hunk was analysed. */
export type HunkMode =
  /** The patch applied to the base tree; both images are full trees. */
  | 'applied'
  /** No base or the hunk did not apply: functions rebuilt from the hunk, model defaults elsewhere. */
  | 'hunk-only'
  /** The hunk touches no interpreted function (headers, other files, comments). */
  | 'outside';

export interface HunkReview {
  header: string;
  /** 1-based line of the `@@` header in the document (BRIEF). */
  line: number;
  docLine: number;
  docColumn: number;
  docEndLine: number;
  /** Functions whose lines the hunk touches (either side). */
  functions: string[];
  mode: HunkMode;
  changes: HunkChange[];
  findings: HunkFinding[];
  /** Assumptions made in scenarios that ran this hunk's functions. */
  assumptions: string[];
  /** Scenarios that executed code in the touched functions (either side). */
  scenariosRun: number;
  /** Distinct scenarios with a change attributed to this hunk. */
  scenariosChanged: number;
  /**
   * Scenarios that ran this hunk's code but cannot be compared: on `side` the run went
   * past an unknown (a callee with no C and no model, an undeclared identifier, C not
   * executed) or was cut by a bound. They contribute no change and no finding; absent
   * when there are none.
   */
  unknown?: Array<{ scenario: string; side: 'before' | 'after' | 'both'; reason: string }>;
  /** One line, for CodeLens and text output. */
  summary: string;
  /**
   * The C line that decided the first change, for relatedInformation. `side` says which
   * image the line number belongs to: `before` lines are lines of the base tree,
   * `after` lines are lines of the patched image (not on disk).
   */
  deciding?: { file: string; line: number; text: string; side: 'before' | 'after' };
  /**
   * 1-based file lines the hunk covers in each image: `before` in the pre-image (the base
   * tree for the first patch), `after` in the post-image; in hunk-only mode the hunk
   * header's own ranges. Lets a client map a trace step's line back to a patch line.
   */
  ranges?: { before?: [number, number]; after?: [number, number] };
  /** Stable key for trace requests: `${patchIndex}:${fileIndex}:${hunkIndex}`. */
  key: string;
  /** Why the hunk is in this mode (e.g. "hunk did not apply: …"). */
  note?: string;
}

export interface ReviewProblem {
  message: string;
  /** 0-based document line, when the problem has a place. */
  line?: number;
  severity: 'error' | 'warning' | 'information';
  /**
   * What kind of degradation it reports, for views that summarise it (the status bar):
   * a hunk that did not apply, a user profile the tree refused, the time budget.
   */
  kind?: 'hunk-failed' | 'profile-refused' | 'time-budget';
}

/** One scenario's trace on one side, for the "show trace" command and trace views. */
export interface ScenarioTrace {
  scenario: string;
  side: 'before' | 'after';
  steps: TraceStep[];
}
