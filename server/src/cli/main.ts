import { MAX_SCENARIO_FILE_BYTES, readInputFile } from '../io/inputFile';
import { parseArgs } from 'node:util';
import { getParser } from '../io/grammar';
import { isKernelTree, loadKernelTree } from '../io/kernelTree';
import { profileConflict } from '../model/profiles';
import { defaultMatrix } from '../scenario/matrix';
import { parseScenarioFile } from '../scenario/normalize';
import type { Scenario } from '../scenario/types';
import { formatOutcomeRow, OUTCOME_HEADER, textTable } from '../engine/run';
import { simulate } from '../engine/simulate';
import { once } from 'node:events';
import { reviewCmd } from './review';
import { workloadCmd, WORKLOAD_USAGE } from './workload';

const USAGE = `usage:
  ext4-write-path simulate --kernel DIR [--scenarios FILE] [--format text|json] [--kernel-version 2.6.31|4.6|5.3|6.1|6.12|6.12-atomic|6.13] [--only ID[,ID…]] [--trace]
  ext4-write-path review PATCH...|DIR|- [--kernel DIR] [--format text|json|sarif|email] [--kernel-version 2.6.31|4.6|5.3|6.1|6.12|6.12-atomic|6.13]
                         [--scenarios default|core|FILE] [--time-budget MS] [--max-rows N] [--changed-only]
                         [--min-severity error|warning|information] [--strict]
${WORKLOAD_USAGE.trimEnd()}

  simulate   run the scenario matrix over the real fs/ext4 C in DIR
  review     annotate every hunk of PATCH (diff, format-patch, mbox, quoted reply; a directory
             of *.patch files; - for standard input) with before/after outcomes; exit status 1
             when an invariant is newly broken (with --strict also when a scenario cannot tell).
             Without --kernel the cached Debian trees are tried, newest first
`;

/** An error's message on one line (file names and messages may hold newlines). */
export function oneLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/\s*[\r\n]+\s*/g, ' ').slice(0, 500);
}

/** CLI entry. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  // `ext4-write-path review --help` is a question, not a usage error.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd === 'simulate') return simulateCmd(rest);
  if (cmd === 'review') return reviewCmd(rest);
  if (cmd === 'workload') return workloadCmd(rest);
  process.stderr.write(`unknown command ${cmd}\n${USAGE}`);
  return 2;
}

async function simulateCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      kernel: { type: 'string' },
      scenarios: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'kernel-version': { type: 'string' },
      only: { type: 'string' },
      trace: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.format !== 'text' && values.format !== 'json') {
    process.stderr.write(`simulate: --format must be text or json, not ${JSON.stringify(values.format)}\n`);
    return 2;
  }
  const unknownProfile = profileConflict(undefined, values['kernel-version']);
  if (unknownProfile) {
    process.stderr.write(`simulate: --kernel-version: ${unknownProfile}\n`);
    return 2;
  }
  if (!values.kernel) {
    process.stderr.write(`simulate: --kernel DIR is required\n${USAGE}`);
    return 2;
  }
  if (!isKernelTree(values.kernel)) {
    process.stderr.write(`simulate: ${values.kernel} has no fs/ext4/file.c (fetch trees with \`npm run fetch-kernels\`)\n`);
    return 2;
  }
  let scenarios: Scenario[] = defaultMatrix();
  if (values.scenarios) {
    let text: string;
    try {
      text = readInputFile(values.scenarios, MAX_SCENARIO_FILE_BYTES).toString('utf8');
    } catch (err) {
      process.stderr.write(`simulate: cannot read ${values.scenarios}: ${oneLine(err)}\n`);
      return 2;
    }
    const parsed = parseScenarioFile(text);
    for (const p of parsed.problems) process.stderr.write(`${values.scenarios}: scenario ${p.id ?? `#${p.index}`}: ${p.message}\n`);
    scenarios = parsed.scenarios;
  }
  if (values.only) {
    const ids = new Set(values.only.split(','));
    scenarios = scenarios.filter((s) => ids.has(s.id));
  }
  const parser = await getParser();
  const k = loadKernelTree(values.kernel, parser, { profile: values['kernel-version'] });
  if (k.profileConflict) {
    process.stderr.write(`simulate: --kernel-version ${values['kernel-version']}: ${k.profileConflict} (without --kernel-version the tree's own profile is used)\n`);
    return 2;
  }
  for (const p of k.problems) process.stderr.write(`warning: ${p}\n`);
  const ctx = { image: k.image, profile: k.profile, constant: k.constant };
  const kernel = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : 'unknown';
  if (values.format === 'json') {
    // One result at a time, each written (and released) before the next runs: a file of
    // thousands of scenarios must not become one string of hundreds of MB (issue 16).
    await write(`{\n "kernel": ${JSON.stringify(kernel)},\n "profile": ${JSON.stringify({ id: k.profile.id, why: k.profileWhy })},\n "results": [`);
    for (let i = 0; i < scenarios.length; i++) {
      const r = simulate(scenarios[i], ctx);
      await write(`${i ? ',' : ''}\n  ${JSON.stringify({ id: r.id, outcome: r.outcome, trace: r.trace })}`);
    }
    await write('\n ]\n}\n');
  } else {
    // The table needs every row; traces are kept only when asked for.
    const results = scenarios.map((s) => {
      const r = simulate(s, ctx);
      return values.trace ? r : { id: r.id, outcome: r.outcome, trace: [], linesRun: r.linesRun, functions: r.functions };
    });
    process.stdout.write(`kernel ${kernel} (profile ${k.profile.id}: ${k.profileWhy})\n\n`);
    process.stdout.write(`${textTable(OUTCOME_HEADER, results.map(formatOutcomeRow))}\n`);
    if (values.trace) {
      for (const r of results) {
        process.stdout.write(`\n== ${r.id}\n`);
        for (const st of r.trace) {
          const loc = st.file === 'model' ? 'model' : `${st.file}:${st.line}`;
          const vals = st.values ? `  [${Object.entries(st.values).map(([a, b]) => `${a}=${b}`).join(', ')}]` : '';
          process.stdout.write(`${'  '.repeat(st.depth)}${st.kind.padEnd(6)} ${loc}  ${st.text}${st.result !== undefined ? ` → ${st.result}` : ''}${vals}\n`);
        }
      }
    }
    const inconclusive = results.filter((r) => r.outcome.inconclusive).length;
    process.stdout.write(`\n${results.length} scenarios, ${inconclusive} inconclusive\n`);
  }
  return 0;
}

/** Write to stdout, waiting for the pipe to drain so output is never buffered whole in memory. */
async function write(chunk: string): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

if (require.main === module) {
  // `review … | head`: the reader went away. Nothing more can be said; end quietly (the
  // shell already has what it wanted), as cat and grep do, instead of an EPIPE stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  // Set exitCode rather than calling process.exit(): exit() can cut off piped stdout.
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // A bad option is the user's mistake: say what and how to use it, no stack trace.
      const e = err as Error & { code?: string };
      if (e.code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`ext4-write-path: ${e.message}\n${USAGE}`);
        process.exit(2);
      }
      // Anything else is our bug, still said in one line (the stack only on request), with
      // its own status so scripts tell it from "invariant broken" (1) and usage errors (2).
      process.stderr.write(`ext4-write-path: internal error: ${oneLine(err)}${process.env.EXT4WP_DEBUG ? `\n${e.stack}` : ' (EXT4WP_DEBUG=1 shows the stack)'}\n`);
      process.exit(3);
    },
  );
}
