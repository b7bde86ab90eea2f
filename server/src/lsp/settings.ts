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
  return {
    kernelTree: str('kernelTree'),
    kernelVersion: str('kernelVersion') || 'auto',
    scenarios: str('scenarios') || 'default',
    timeBudget: budget,
  };
}

/** The profile override for `kernelVersion`: undefined for `auto`. */
export function profileOverride(s: Ext4WritePathSettings): string | undefined {
  return s.kernelVersion && s.kernelVersion !== 'auto' ? s.kernelVersion : undefined;
}

export function sameSettings(a: Ext4WritePathSettings, b: Ext4WritePathSettings): boolean {
  return a.kernelTree === b.kernelTree && a.kernelVersion === b.kernelVersion && a.scenarios === b.scenarios && a.timeBudget === b.timeBudget;
}
