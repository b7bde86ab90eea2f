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
  };
}

/** Where {@link saveSetting} wrote a value, for the confirmation message. */
export type SettingTarget = 'workspace settings' | 'user settings';

/**
 * Saves a setting chosen through a command. It goes to the workspace, as the commands
 * promise, except where a workspace value would be ignored or impossible: a window with
 * no folder has no workspace settings, and an untrusted workspace ignores workspace values
 * of `kernelTree` / `scenarios` — there the user's own settings are the only ones honoured.
 */
export async function saveSetting(key: keyof Ext4WritePathSettings, value: string | number): Promise<SettingTarget> {
  const inWorkspace = !!vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted;
  const target = inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(CLIENT_ID).update(key, value, target);
  return inWorkspace ? 'workspace settings' : 'user settings';
}
