/**
 * Custom requests and commands between the VS Code client and the language server.
 * Everything else is plain LSP. Shared by both sides; no imports from either.
 */

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
}

export const DEFAULT_SETTINGS: Ext4WritePathSettings = { kernelTree: '', kernelVersion: 'auto', scenarios: 'default', timeBudget: 5000 };

/** `workspace/executeCommand` commands the server implements. */
export const SERVER_COMMANDS = {
  /** args: [uri: string, line: number (0-based), scenario?: string, side?: 'before'|'after'] → TraceResponse */
  trace: 'ext4WritePath.server.trace',
  /** args: [uri: string] → ScenarioMatrixResponse (the matrix for the active patch) */
  matrix: 'ext4WritePath.server.matrix',
} as const;

/** Client-side commands (package.json `contributes.commands`). */
export const CLIENT_COMMANDS = {
  restart: 'ext4WritePath.restartServer',
  showOutput: 'ext4WritePath.showOutput',
  chooseScenarios: 'ext4WritePath.chooseScenarioSet',
  showTrace: 'ext4WritePath.showTrace',
  pickKernelTree: 'ext4WritePath.pickKernelTree',
} as const;

/** A scenario trace rendered for display. */
export interface TraceResponse {
  scenario: string;
  side: 'before' | 'after';
  /** Markdown: the decision steps with C locations. */
  markdown: string;
  /** Scenario ids available for this hunk (for a quick pick). */
  scenarios: string[];
}

/** The matrix of a patch: for each scenario, its before/after outcome summary per hunk. */
export interface ScenarioMatrixResponse {
  uri: string;
  rows: Array<{ scenario: string; dimensions: Record<string, string>; before: Record<string, string>; after: Record<string, string>; changed: string[] }>;
}

/** Server → client notification with the summary for a document (status bar). */
export const STATUS_NOTIFICATION = 'ext4WritePath/status';
export interface StatusParams {
  uri: string;
  text: string;
  /** `ok` | `warning` | `error` | `busy` | `no-kernel` */
  state: string;
}
