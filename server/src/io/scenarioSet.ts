import { MAX_SCENARIO_FILE_BYTES, readInputFile } from './inputFile';
import { coreGrid, defaultMatrix } from '../scenario/matrix';
import { normalizeScenario, parseScenarioFile } from '../scenario/normalize';
import type { Scenario } from '../scenario/types';

/** Resolve a scenario-set name (`default`, `core`) or a scenario file path. */
export function scenarioSet(spec: string): { scenarios: Scenario[]; source: string; problems: string[] } {
  if (spec === 'default' || spec === '') return { scenarios: defaultMatrix(), source: 'default matrix', problems: [] };
  if (spec === 'core') return { scenarios: coreGrid().map((s, i) => normalizeScenario(s, i)), source: 'core DIO grid', problems: [] };
  let text: string;
  try {
    text = readInputFile(spec, MAX_SCENARIO_FILE_BYTES).toString('utf8');
  } catch (err) {
    return { scenarios: defaultMatrix(), source: 'default matrix', problems: [`cannot read scenario file ${spec}: ${(err as Error).message}; using the default matrix`] };
  }
  const { scenarios, problems } = parseScenarioFile(text);
  return { scenarios, source: spec, problems: problems.map((p) => `${spec}: ${p.id ?? `#${p.index}`}: ${p.message}`) };
}
