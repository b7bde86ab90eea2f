import type { TraceStep } from './interp/trace';

/**
 * Custom requests and commands between the VS Code client and the language server.
 * Everything else is plain LSP. Shared by both sides; it imports only types (erased at
 * build time), so the client bundle pulls in no server code.
 */

/**
 * V8 flags the batch engine runs with (the CLI's `#!` line and npm scripts, the benchmark's
 * matrix). A scenario run allocates about 0.3 MB and a matrix or a review keeps every
 * run's result, so with V8's default 16 MiB semi-space each young-generation GC copies
 * megabytes of survivors every few dozen runs; a 64 MiB semi-space makes those collections
 * a quarter as frequent. Costs up to ~190 MiB more resident memory at peak. Not for the
 * language server: there each collection's pause is what an edit's re-analysis waits
 * for, and the bigger young generation raised the p95 of diagnostics after a one-line
 * edit from ~500 to ~770 ms (bench/lsp.mjs, measured 2026-12-04).
 */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** Client id and settings prefix (vscode-eslint convention: the id is the prefix). */
export const CLIENT_ID = 'ext4WritePath';

/** Settings under `ext4WritePath.*` (package.json `contributes.configuration`). */
export interface Ext4WritePathSettings {
  /** Kernel tree holding fs/ext4; empty = a workspace folder that has fs/ext4. */
  kernelTree: string;
  /** `auto` (from the tree's Makefile / the patch) or a profile id: `6.1`, `6.12`. */
  kernelVersion: string;
  /** `default` (the built-in matrix), `core` (the 80-scenario DIO grid), or a path to a scenario JSON file. */
  scenarios: string;
  /** Milliseconds an analysis may take before answering with what it has. */
  timeBudget: number;
  /** CodeLens on `@@` lines: `changes` (hunks with a change, a finding or an unknown), `all`, `off`. */
  codeLens: 'changes' | 'all' | 'off';
  /** Least severe diagnostic published: `error`, `warning` or `information` (all). */
  minSeverity: 'error' | 'warning' | 'information';
}

export const DEFAULT_SETTINGS: Ext4WritePathSettings = { kernelTree: '', kernelVersion: 'auto', scenarios: 'default', timeBudget: 5000, codeLens: 'changes', minSeverity: 'information' };

/** `workspace/executeCommand` commands the server implements. */
export const SERVER_COMMANDS = {
  /** args: [uri: string, line: number (0-based), scenario?: string, side?: 'before'|'after'] → TraceResponse */
  trace: 'ext4WritePath.server.trace',
  /**
   * args: [uri: string, line?: number (0-based)] → ScenarioMatrixResponse: the matrix of the
   * hunk at `line`; without a line (or outside every hunk) the first hunk that changes
   * something, else the first simulated one.
   */
  matrix: 'ext4WritePath.server.matrix',
  /*
   * The text commands below serve LSP clients without the VS Code extension (Neovim,
   * Helix, Emacs…): the server puts them in code lenses and code actions when the client
   * does not announce ClientExtras. Each answers a TextResponse and also shows the text
   * itself (`window/showMessage`; the full text in `window/logMessage`), since most
   * clients drop an executeCommand result.
   */
  /** args: [uri: string, line: number (0-based), scenario?: string, side?: 'before'|'after'] → TextResponse: the trace as plain text. */
  traceText: 'ext4WritePath.server.traceText',
  /** args: [uri: string, line?: number (0-based)] → TextResponse: the hunk's changed scenarios as plain text. */
  matrixText: 'ext4WritePath.server.matrixText',
  /**
   * args: [uri: string, line: number (0-based), what?: string] → TextResponse: opens `uri`
   * at `line` with `window/showDocument` when the client supports it, else says where
   * (showMessage: `<what> /path/to/file.c:N`; `what` defaults to `line`).
   */
  openLocation: 'ext4WritePath.server.openLocation',
  /** args: [uri: string, line: number (0-based)] → TextResponse: the review comment (email text) of the hunk at `line`. */
  reviewComment: 'ext4WritePath.server.reviewComment',
} as const;

/** What a text command of SERVER_COMMANDS answers. */
export interface TextResponse {
  /** One line: what the text is (`trace of dio-aio-written-warm, after the patch`). */
  title: string;
  /** Plain text, lines separated by `\n`. */
  text: string;
  /** For openLocation: the file URI and 0-based line that were (or should be) opened. */
  uri?: string;
  line?: number;
}

/**
 * Client commands the server uses only when the client lists them in ClientExtras
 * (they are not in CLIENT_COMMANDS, which a client must all implement).
 */
export const OPTIONAL_CLIENT_COMMANDS = {
  /** args: [text: string, what?: string]: put `text` on the clipboard ("Copy as review comment"). */
  copyText: 'ext4WritePath.copyText',
} as const;

/** Client-side commands (package.json `contributes.commands`). */
export const CLIENT_COMMANDS = {
  restart: 'ext4WritePath.restartServer',
  showOutput: 'ext4WritePath.showOutput',
  chooseScenarios: 'ext4WritePath.chooseScenarioSet',
  showTrace: 'ext4WritePath.showTrace',
  pickKernelTree: 'ext4WritePath.pickKernelTree',
  /** Focus the "Write-path scenarios" view. args: [uri?: string, line?: number (0-based)] to show that hunk. */
  showScenarios: 'ext4WritePath.showScenarios',
  /** Open a file at a line (hover and view links). args: [uri: string, line: number (0-based)] */
  openLocation: 'ext4WritePath.openLocation',
  /** Run the shipped scripts/fetch-kernels.sh in a terminal (the Debian reference trees of hunk-only reviews). */
  fetchKernels: 'ext4WritePath.fetchKernels',
  /** Open the extension's walkthrough on the Welcome page. */
  openWalkthrough: 'ext4WritePath.openWalkthrough',
} as const;

/** Where a trace step or a deciding line can be opened. */
export interface SourceTarget {
  /** A file URI: the kernel tree's C file, or the patch document itself for a line the patch adds. */
  uri: string;
  /** 0-based line. */
  line: number;
  /**
   * `exact`: the line holds the step's code; `moved`: the nearest line that does (the
   * step's line number belongs to another image of the file); `patch`: an added line of
   * the patch; `function`: only the function's first line could be found.
   */
  how: 'exact' | 'moved' | 'patch' | 'function';
}

/** One step of a scenario trace, for the trace view (the interpreter's TraceStep plus where to open it). */
export interface TraceStepView extends Omit<TraceStep, 'guards'> {
  target?: SourceTarget;
  /** The step is where this side's run differs from the other side's (patch traces only). */
  diverges?: boolean;
}

/** A scenario trace rendered for display. */
export interface TraceResponse {
  scenario: string;
  side: 'before' | 'after';
  /** Markdown: the decision steps with C locations. */
  markdown: string;
  /** Scenario ids available for this hunk (for a quick pick). */
  scenarios: string[];
  /** The steps themselves, for views that draw the flow (added; `markdown` stays for plain clients). */
  steps?: TraceStepView[];
  /** Outcome fields of this side (`path`, `lockAcrossIo`, …) → value. */
  outcome?: Record<string, string>;
  /** The same fields on the other side, when there is one (a patch hunk). */
  otherOutcome?: Record<string, string>;
  /** What was traced: `fs/ext4/file.c @@ -1,2 +1,3 @@` or a C function. */
  where?: string;
  /** Functions the hunk touches (highlighted in the path picture). */
  functions?: string[];
  /** The request dimensions of the scenario (as in the matrix). */
  dimensions?: Record<string, string>;
  /** True when the other side can be asked for (patch hunks; not C documents). */
  hasOtherSide?: boolean;
  /** Display names of the outcome fields (`lockAcrossIo` → `lock`). */
  fieldLabels?: Record<string, string>;
}

/** The matrix of a patch: for each scenario, its before/after outcome summary per hunk. */
export interface ScenarioMatrixResponse {
  uri: string;
  rows: Array<{ scenario: string; dimensions: Record<string, string>; before: Record<string, string>; after: Record<string, string>; changed: string[] }>;
  /** The hunk the rows are for (added). */
  hunk?: MatrixHunk;
  /**
   * Scenarios whose change the review attributes to this hunk (added). `rows[].changed`
   * compares the whole patch's before and after, so it can list more.
   */
  hunkScenarios?: string[];
  /** Every hunk of the document that ran scenarios, to switch between them (added). */
  hunks?: MatrixHunk[];
  /** Display names of the outcome fields, in column order (added). */
  fieldLabels?: Record<string, string>;
  /** Profile and scenario set, for the view's header (added). */
  profile?: string;
  scenarioSource?: string;
}

/** A hunk as the scenarios view lists it. */
export interface MatrixHunk {
  /** 0-based document line of the `@@`. */
  line: number;
  path: string;
  header: string;
  functions: string[];
  summary: string;
  scenariosRun: number;
  scenariosChanged: number;
}

/**
 * What the VS Code client adds to `ClientCapabilities.experimental[CLIENT_ID]`: rendering
 * it supports beyond plain LSP, so other clients (Neovim) keep plain text.
 */
export interface ClientExtras {
  /** `$(icon)` in code lens titles is drawn as an icon. */
  codicons?: boolean;
  /**
   * Optional client commands it implements (values of OPTIONAL_CLIENT_COMMANDS, added).
   * The extras object itself, whatever its fields, says the client implements
   * CLIENT_COMMANDS: hovers then carry `command:` links and lenses and code actions the
   * client commands; without it they carry SERVER_COMMANDS text commands and no links.
   */
  commands?: string[];
}

/** Server → client notification with the summary for a document (status bar). */
export const STATUS_NOTIFICATION = 'ext4WritePath/status';
export interface StatusParams {
  uri: string;
  text: string;
  /** `ok` | `warning` | `error` | `busy` | `no-kernel` */
  state: string;
  /** Markdown with more than fits in the status bar (tooltip; added). */
  detail?: string;
  /** The kind of document: `patch` or `c` (added; the client shows views for patches). */
  kind?: 'patch' | 'c';
  /** While busy: the fraction of scenario runs done, 0..1 (added). */
  progress?: number;
}

/** Compact names of i_rwsem operations (model LockOp) for tables: S/X = shared/exclusive. */
const LOCK_OP_SHORT: Record<string, string> = {
  shared: 'S',
  exclusive: 'X',
  'unlock-shared': '−S',
  'unlock-exclusive': '−X',
  'trylock-shared-failed': 'S✗',
  'trylock-exclusive-failed': 'X✗',
  downgrade: 'X↓S',
};

/**
 * A `lockSequence` outcome value (`shared unlock-shared exclusive unlock-exclusive`) in the
 * compact form hovers and the scenarios view use (`S −S X −X`): the full words make a
 * table row too wide to read at a glance. Shared so both sides print the same notation;
 * {@link LOCK_SEQUENCE_LEGEND} explains it.
 */
export function compactLockSequence(value: string): string {
  if (value === 'none' || value === 'inconclusive') return value;
  return value
    .split(' ')
    .map((op) => LOCK_OP_SHORT[op] ?? op)
    .join(' ');
}

/**
 * Two `timeline` outcome values (`A → B → C`) cut to where they differ, with one event of
 * context each side and `…` for the rest: a whole timeline of a DIO into an unwritten
 * extent runs to a dozen events, which wrapped a hover row over five lines while the
 * difference was one `journal handle` event. Values of at most `keepWhole` characters
 * each are returned as they are.
 */
export function compactTimelines(before: string, after: string, keepWhole = 60): [string, string] {
  if (before.length <= keepWhole && after.length <= keepWhole) return [before, after];
  const b = before.split(' → ');
  const a = after.split(' → ');
  let p = 0;
  while (p < b.length && p < a.length && b[p] === a[p]) p++;
  let s = 0;
  while (s < b.length - p && s < a.length - p && b[b.length - 1 - s] === a[a.length - 1 - s]) s++;
  const cut = (xs: string[]) => {
    const from = Math.max(0, p - 1);
    const to = xs.length - Math.max(0, s - 1);
    return `${from > 0 ? '… → ' : ''}${xs.slice(from, to).join(' → ')}${to < xs.length ? ' → …' : ''}`;
  };
  return [cut(b), cut(a)];
}

/** How to read {@link compactLockSequence}. */
export const LOCK_SEQUENCE_LEGEND = '`i_rwsem` taken S(hared) or X(clusive), −S/−X released, S✗/X✗ trylock failed, X↓S downgraded';
