// Is the `workload --format sh` script safe to run? Three checks on the printed text:
// 1. `bash -n`: the script parses (an input that breaks the quoting breaks the syntax);
// 2. static: no marker an input carried (`fuzzpwned`) stands where the shell would run it
//    — outside comments and single quotes, or inside double quotes next to `$(`/backticks;
// 3. dynamic: the script is run with bash and with sh, every tool variable it declares
//    (`: "${MKFS_EXT4:=mkfs.ext4}"`…) set to `true`, DEV and MNT pointing into the input's
//    scratch directory; a `fuzzpwned-*` file appearing there is an injection.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMonitored } from './exec.mjs';
import { MARKER } from './scen.mjs';

/**
 * 1-based line where an input's marker command (`touch fuzzpwned…`) stands in code
 * position, or 0. The script is projected onto its code: comments and single-quoted text
 * are blanked, double-quoted text too unless it holds a command substitution.
 */
export function markerInCode(script, marker = MARKER) {
  const code = script.split(''); // UTF-16 units, as the loop indexes
  let state = 'n';
  let dqStart = 0;
  const blank = (a, b) => {
    for (let k = a; k < b; k++) if (code[k] !== '\n') code[k] = ' ';
  };
  let sqStart = 0;
  let cStart = 0;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (state === 'n') {
      if (c === "'") {
        state = 'sq';
        sqStart = i;
      } else if (c === '"') {
        state = 'dq';
        dqStart = i;
      } else if (c === '#' && (i === 0 || /\s|;/.test(script[i - 1]))) {
        state = 'c';
        cStart = i;
      } else if (c === '\\') i++;
    } else if (state === 'sq') {
      if (c === "'") {
        blank(sqStart, i + 1);
        state = 'n';
      }
    } else if (state === 'dq') {
      if (c === '\\') i++;
      else if (c === '"') {
        if (!/\$\(|`/.test(script.slice(dqStart, i))) blank(dqStart, i + 1);
        state = 'n';
      }
    } else if (c === '\n') {
      blank(cStart, i);
      state = 'n';
    }
  }
  if (state === 'sq') blank(sqStart, script.length);
  if (state === 'c') blank(cStart, script.length);
  const m = new RegExp(`touch(\\s+|\\$\\{IFS\\})${marker}`).exec(code.join(''));
  return m ? script.slice(0, m.index).split('\n').length : 0;
}

/** Run the checks in `dir` (the input's scratch directory). Returns {injection?, hang?, notes}. */
export async function checkWorkloadScript(dir, script, { timeoutMs = 10000 } = {}) {
  writeFileSync(join(dir, 'workload.sh'), script);
  const notes = [];
  const env = { PATH: process.env.PATH, HOME: dir, LC_ALL: 'C', DEV: join(dir, 'dev'), MNT: join(dir, 'mnt') };
  for (const m of script.matchAll(/^: "\$\{([A-Z][A-Z0-9_]*):=/gm)) if (m[1] !== 'MNT') env[m[1]] = 'true';
  // One process for the three steps (spawning from Node is the cost here).
  const secs = Math.max(1, Math.floor(timeoutMs / 1000));
  const steps = `if bash -n workload.sh 2>syntax.err; then
  timeout -s KILL ${secs} bash workload.sh >/dev/null 2>bash.err; echo "bash $?"
  timeout -s KILL ${secs} sh workload.sh >/dev/null 2>sh.err; echo "sh $?"
else echo "syntax $?"; fi`;
  const r = await runMonitored('sh', ['-c', steps], { cwd: dir, env, timeoutMs: 3 * timeoutMs });
  const out = r.stdout.toString('utf8');
  const read = (n) => (existsSync(join(dir, n)) ? readFileSync(join(dir, n), 'utf8') : '');
  const found = [];
  for (const d of [dir, join(dir, 'mnt')]) if (existsSync(d)) for (const n of readdirSync(d)) if (n.startsWith(MARKER)) found.push(n);
  const runs = [...out.matchAll(/^(bash|sh) (\d+)$/gm)].map((m) => ({ sh: m[1], code: Number(m[2]) }));
  for (const x of runs) if (x.code !== 0) notes.push(`${x.sh} workload.sh: ${x.code === 137 ? 'timed out' : `exit ${x.code}`}: ${read(`${x.sh}.err`).trim().split('\n').pop()?.slice(0, 160)}`);
  if (found.length) return { injection: `marker file(s) created by running the script: ${[...new Set(found)].join(', ')}`, notes };
  if (/^syntax /m.test(out)) return { injection: `bash -n rejects the script: ${read('syntax.err').trim().split('\n')[0]?.slice(0, 200)}`, notes };
  const line = markerInCode(script);
  if (line) return { injection: `an input's marker stands in code position at line ${line}: ${script.split('\n')[line - 1].slice(0, 160)}`, notes };
  const hung = runs.find((x) => x.code === 137) ?? (r.timedOut ? { sh: 'sh -c' } : undefined);
  if (hung) return { hang: `the generated script did not finish under ${hung.sh} with every tool set to true`, notes };
  return { notes };
}
