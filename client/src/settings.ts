import * as path from 'node:path';
import * as vscode from 'vscode';
import { CLIENT_ID, DEFAULT_SETTINGS, Ext4WritePathSettings } from '../../server/src/protocol';

/** Lowest `ext4WritePath.timeBudget` the manifest allows (package.json `minimum`). */
const MIN_TIME_BUDGET = 200;

/**
 * The `ext4WritePath.*` settings as the server expects them (protocol.ts), for
 * `initializationOptions`. A mistyped value (settings.json is hand-edited) falls back to
 * its default, so the server never has to guess what a number-as-string meant.
 * In an untrusted workspace VS Code itself hides workspace values of the restricted
 * settings (package.json `capabilities.untrustedWorkspaces`), so nothing here checks trust.
 */
export function readSettings(): Ext4WritePathSettings {
  const config = vscode.workspace.getConfiguration(CLIENT_ID);
  const str = (key: 'kernelTree' | 'kernelVersion' | 'scenarios'): string => {
    const value = config.get<unknown>(key);
    return typeof value === 'string' ? value : DEFAULT_SETTINGS[key];
  };
  const budget = config.get<unknown>('timeBudget');
  return {
    kernelTree: str('kernelTree'),
    kernelVersion: str('kernelVersion') || DEFAULT_SETTINGS.kernelVersion,
    scenarios: str('scenarios') || DEFAULT_SETTINGS.scenarios,
    timeBudget: typeof budget === 'number' && Number.isFinite(budget) ? Math.max(MIN_TIME_BUDGET, budget) : DEFAULT_SETTINGS.timeBudget,
    // The server validates these two again (lsp/settings.ts); unknown values fall back there.
    codeLens: config.get<Ext4WritePathSettings['codeLens']>('codeLens') ?? DEFAULT_SETTINGS.codeLens,
    minSeverity: config.get<Ext4WritePathSettings['minSeverity']>('minSeverity') ?? DEFAULT_SETTINGS.minSeverity,
  };
}

/** Where {@link saveSetting} wrote a value, for the confirmation message. */
export type SettingTarget = 'workspace settings' | 'user settings' | 'workspace folder settings';

/**
 * Saves a setting chosen through a command (*Choose Scenario Set…*, *Pick Kernel Tree…*)
 * without ever creating a file inside a kernel tree: a reviewer's kernel checkout is a git
 * tree, where a new `.vscode/settings.json` shows up in `git status` and can slip into a
 * patch. The rule, in order:
 *
 * 1. a value the reviewer already put in the workspace (or folder) settings is updated
 *    where it is — written anywhere else it would stay shadowed by that one;
 * 2. no folder open, or an untrusted workspace (which ignores workspace values of
 *    `kernelTree` / `scenarios`): user settings;
 * 3. a workspace that is, or is inside, a kernel tree — a folder with `fs/ext4/file.c` or a
 *    top-level `Kbuild`, or the tree the setting names — or whose `.code-workspace` file
 *    lies in one: user settings;
 * 4. otherwise (a folder of patches and mails, say): the workspace settings, so the choice
 *    stays with that review.
 */
export async function saveSetting(key: keyof Ext4WritePathSettings, value: string | number): Promise<SettingTarget> {
  const config = vscode.workspace.getConfiguration(CLIENT_ID);
  const existing = config.inspect(key);
  const target = await settingTarget(existing, typeof value === 'string' && key === 'kernelTree' ? value : undefined);
  await config.update(key, value, target);
  return target === vscode.ConfigurationTarget.WorkspaceFolder ? 'workspace folder settings' : target === vscode.ConfigurationTarget.Workspace ? 'workspace settings' : 'user settings';
}

/** Where {@link saveSetting} writes (its rule, without the write). */
async function settingTarget(existing: { workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined, newTree: string | undefined): Promise<vscode.ConfigurationTarget> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length || !vscode.workspace.isTrusted) return vscode.ConfigurationTarget.Global;
  // A folder value exists only in a multi-root workspace; it wins over the workspace one.
  if (existing?.workspaceFolderValue !== undefined && folders.length > 1) return vscode.ConfigurationTarget.WorkspaceFolder;
  if (existing?.workspaceValue !== undefined) return vscode.ConfigurationTarget.Workspace;
  const trees = [readSettings().kernelTree, newTree].filter((t): t is string => !!t);
  const file = vscode.workspace.workspaceFile;
  const places = file?.scheme === 'file' ? [path.dirname(file.fsPath)] : folders.map((f) => f.uri.fsPath);
  for (const place of places) if (await inKernelTree(place, trees)) return vscode.ConfigurationTarget.Global;
  return vscode.ConfigurationTarget.Workspace;
}

/** Is `dir` a kernel tree or inside one (it or an ancestor has fs/ext4/file.c or Kbuild), or inside one of `trees`? */
export async function inKernelTree(dir: string, trees: readonly string[]): Promise<boolean> {
  const within = (child: string, parent: string) => {
    const rel = path.relative(path.resolve(parent), path.resolve(child));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  if (trees.some((t) => within(dir, t))) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((await isFile(path.join(d, 'fs', 'ext4', 'file.c'))) || (await isFile(path.join(d, 'Kbuild')))) return true;
    if (path.dirname(d) === d) return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(vscode.Uri.file(p))).type === vscode.FileType.File;
  } catch {
    return false;
  }
}
