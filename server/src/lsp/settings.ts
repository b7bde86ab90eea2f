import { CLIENT_ID, DEFAULT_SETTINGS, Ext4WritePathSettings } from '../protocol';

/** Smallest time budget the server accepts (ms): below it no scenario would ever finish. */
const MIN_BUDGET = 50;
/** Largest time budget (ms): an analysis must end, even with a mistyped setting. */
const MAX_BUDGET = 10 * 60 * 1000;

/**
 * Settings from whatever the client sent — `initializationOptions`, a
 * `workspace/configuration` answer, or `didChangeConfiguration` params — either flat
 * (`{ kernelTree, … }`) or nested under `ext4WritePath`. Unknown or mistyped values keep
 * the value from `fallback`, so a hand-edited settings.json cannot break the server.
 */
export function readSettings(raw: unknown, fallback: Ext4WritePathSettings = DEFAULT_SETTINGS): Ext4WritePathSettings {
  if (!raw || typeof raw !== 'object') return { ...fallback };
  const obj = raw as Record<string, unknown>;
  const src = obj[CLIENT_ID] && typeof obj[CLIENT_ID] === 'object' ? (obj[CLIENT_ID] as Record<string, unknown>) : obj;
  const str = (k: 'kernelTree' | 'kernelVersion' | 'scenarios'): string => (typeof src[k] === 'string' ? (src[k] as string).trim() : fallback[k]);
  const budget = typeof src.timeBudget === 'number' && Number.isFinite(src.timeBudget) ? Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, src.timeBudget)) : fallback.timeBudget;
  const oneOf = <K extends 'codeLens' | 'minSeverity'>(k: K, allowed: readonly Ext4WritePathSettings[K][]): Ext4WritePathSettings[K] =>
    (allowed as readonly unknown[]).includes(src[k]) ? (src[k] as Ext4WritePathSettings[K]) : fallback[k] ?? DEFAULT_SETTINGS[k];
  return {
    kernelTree: str('kernelTree'),
    kernelVersion: str('kernelVersion') || 'auto',
    scenarios: str('scenarios') || 'default',
    timeBudget: budget,
    codeLens: oneOf('codeLens', ['changes', 'all', 'off']),
    minSeverity: oneOf('minSeverity', ['error', 'warning', 'information']),
  };
}

/** The profile override for `kernelVersion`: undefined for `auto`. */
export function profileOverride(s: Ext4WritePathSettings): string | undefined {
  return s.kernelVersion && s.kernelVersion !== 'auto' ? s.kernelVersion : undefined;
}

/**
 * True when nothing the server does depends on the difference. CodeLens and minimum
 * severity only change what is shown, but a change re-publishes through the same path as
 * an analysis change (runs are cached: the re-review costs little).
 */
export function sameSettings(a: Ext4WritePathSettings, b: Ext4WritePathSettings): boolean {
  return a.kernelTree === b.kernelTree && a.kernelVersion === b.kernelVersion && a.scenarios === b.scenarios && a.timeBudget === b.timeBudget && a.codeLens === b.codeLens && a.minSeverity === b.minSeverity;
}
