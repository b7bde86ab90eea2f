import { MAX_SCENARIO_FILE_BYTES, readInputFile } from '../io/inputFile';
import { parseArgs } from 'node:util';
import { parseScenarioFile } from '../scenario/normalize';
import { formatJson, formatShell, workloadFor } from '../workload';

export const WORKLOAD_USAGE = `  ext4-write-path workload --scenarios FILE [--format sh|json] [--only ID[,ID…]]
`;

/**
 * `ext4-write-path workload`: print the real commands (mkfs, mount, xfs_io/fio…) that make
 * each scenario of FILE happen on a real ext4 filesystem. Exit 0, or 2 on usage errors.
 */
export async function workloadCmd(args: string[]): Promise<number> {
  let values: { scenarios?: string; format?: string; only?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { scenarios: { type: 'string' }, format: { type: 'string', default: 'sh' }, only: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`workload: ${(err as Error).message}\nusage:\n${WORKLOAD_USAGE}`);
    return 2;
  }
  if (!values.scenarios) {
    process.stderr.write(`workload: --scenarios FILE is required\nusage:\n${WORKLOAD_USAGE}`);
    return 2;
  }
  if (values.format !== 'sh' && values.format !== 'json') {
    process.stderr.write(`workload: --format must be sh or json\n`);
    return 2;
  }
  let text: string;
  try {
    text = readInputFile(values.scenarios, MAX_SCENARIO_FILE_BYTES).toString('utf8');
  } catch (err) {
    process.stderr.write(`workload: cannot read ${values.scenarios}: ${(err as Error).message}\n`);
    return 2;
  }
  const parsed = parseScenarioFile(text);
  for (const p of parsed.problems) process.stderr.write(`${values.scenarios}: scenario ${p.id ?? `#${p.index}`}: ${p.message}\n`);
  let scenarios = parsed.scenarios;
  if (values.only) {
    const ids = new Set(values.only.split(','));
    scenarios = scenarios.filter((s) => ids.has(s.id));
  }
  const workloads = scenarios.map(workloadFor);
  process.stdout.write(values.format === 'json' ? formatJson(workloads) : formatShell(workloads, values.scenarios));
  return 0;
}
