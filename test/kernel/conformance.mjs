#!/usr/bin/env node
// npm run conformance: boot the real Debian kernels under QEMU, run every scenario of
// test/kernel/scenarios.json as a real workload, observe it with tracefs/kprobes, run the
// model on the same scenarios over the same version's C, and write docs/conformance.md and
// docs/conformance.json. Exit 1 on any unexplained disagreement, 2 when the harness
// cannot run (missing QEMU, kernel, tools…): never a silent skip.
//
//   node test/kernel/conformance.mjs [--kernels 6.1,6.12|PACKAGE|FILE.deb,…]
//        [--bzimage PATH --modules DIR --source DIR [--name LABEL]]
//        [--scenarios FILE] [--limitations FILE] [--only ID,…] [--out DIR] [--no-write]
//        [--timeout SECONDS] [--jobs N] [--reuse-results] [--write-delay MS]
//
// See docs/conformance-howto.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildInitramfs, cacheDir, checkHostTools, HarnessError, prepareKernel, readResults, ROOT, runGuest } from './guest.mjs';
import { observe } from './observe.mjs';
import { checkLimitations, compareScenario, FIELDS, modelTraceSummary, renderMarkdown } from './report.mjs';

const log = (msg) => process.stderr.write(`[conformance] ${msg}\n`);

function usage(msg) {
  process.stderr.write(`${msg ? `${msg}\n` : ''}usage: node test/kernel/conformance.mjs [--kernels 6.1,6.12] [--bzimage PATH --modules DIR --source DIR [--name LABEL]]
       [--scenarios FILE] [--limitations FILE] [--only ID,…] [--out DIR] [--no-write] [--timeout S] [--jobs N] [--reuse-results] [--write-delay MS]\n`);
  return 2;
}

/** The model tree for a kernel spec: Debian's source of the same version. */
function modelTreeFor(spec, api, explicit) {
  if (explicit) {
    if (!api.isKernelTree(explicit)) throw new HarnessError(`--source ${explicit} has no fs/ext4/file.c`);
    return explicit;
  }
  const m = /^(?:linux-image-)?(\d+\.\d+)/.exec(typeof spec === 'string' ? spec.split('/').pop() : '');
  const version = m ? m[1] : undefined;
  if (!version) throw new HarnessError(`cannot tell which source tree matches ${JSON.stringify(spec)}: pass --source DIR`);
  let dir = api.cachedKernel(version);
  if (!dir) {
    log(`fetching linux-source-${version} (npm run fetch-kernels)`);
    try {
      execFileSync('bash', [join(ROOT, 'scripts', 'fetch-kernels.sh')], { env: { ...process.env, EXT4WP_KERNELS: version }, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      throw new HarnessError(`cannot fetch linux-source-${version}; fetch a tree and pass --source DIR`);
    }
    dir = api.cachedKernel(version);
  }
  if (!dir) throw new HarnessError(`no source tree for ${version}`);
  return dir;
}

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kernels: { type: 'string', default: '6.1,6.12' },
        bzimage: { type: 'string' },
        modules: { type: 'string' },
        source: { type: 'string' },
        name: { type: 'string' },
        scenarios: { type: 'string', default: join(ROOT, 'test', 'kernel', 'scenarios.json') },
        limitations: { type: 'string', default: join(ROOT, 'test', 'kernel', 'limitations.json') },
        analysis: { type: 'string', default: join(ROOT, 'test', 'kernel', 'analysis.json') },
        only: { type: 'string' },
        out: { type: 'string', default: join(ROOT, 'docs') },
        'no-write': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '1500' },
        jobs: { type: 'string', default: '2' },
        'reuse-results': { type: 'boolean', default: false },
        'write-delay': { type: 'string', default: '30' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    return usage(err.message);
  }
  if (values.help) {
    usage();
    return 0;
  }
  const started = Date.now();
  const require = createRequire(import.meta.url);
  const apiPath = join(ROOT, 'dist', 'api.js');
  const cliPath = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(apiPath) || !existsSync(cliPath)) throw new HarnessError('dist/api.js or dist/cli.js missing: run `npm run build` first');
  const api = require(apiPath);
  checkHostTools();

  // Scenarios, their workloads, limitations.
  const scenarioFile = resolve(values.scenarios);
  const only = values.only ? ['--only', values.only] : [];
  const workloadsJson = JSON.parse(execFileSync(process.execPath, [cliPath, 'workload', '--scenarios', scenarioFile, '--format', 'json', ...only], { encoding: 'utf8' }));
  const jobs = execFileSync(process.execPath, [cliPath, 'workload', '--scenarios', scenarioFile, '--format', 'sh', ...only], { encoding: 'utf8' });
  const parsed = api.parseScenarioFile(readFileSync(scenarioFile, 'utf8'));
  if (parsed.problems.length) throw new HarnessError(`scenario file problems:\n${parsed.problems.map((p) => `  ${p.id ?? `#${p.index}`}: ${p.message}`).join('\n')}`);
  const onlyIds = values.only ? new Set(values.only.split(',')) : undefined;
  const scenarios = parsed.scenarios.filter((s) => !onlyIds || onlyIds.has(s.id));
  const workloads = new Map(workloadsJson.workloads.map((w) => [w.id, w]));
  const limitations = existsSync(values.limitations) ? JSON.parse(readFileSync(values.limitations, 'utf8')) : [];
  const limProblems = checkLimitations(limitations);
  if (limProblems.length) throw new HarnessError(`${values.limitations}:\n  ${limProblems.join('\n  ')}`);
  const analysis = existsSync(values.analysis) ? JSON.parse(readFileSync(values.analysis, 'utf8')) : [];

  // Kernels.
  const specs = values.bzimage
    ? [{ bzImage: resolve(values.bzimage), modules: resolve(values.modules ?? ''), label: values.name ?? 'local' }]
    : values.kernels.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.bzimage && (!values.modules || !values.source)) return usage('--bzimage needs --modules DIR and --source DIR');
  const parser = await api.getParser();
  const timeoutMs = Number(values.timeout) * 1000;

  async function oneKernel(spec) {
    const id = typeof spec === 'object' ? spec.label : spec.endsWith('.deb') ? spec.split('/').pop().replace(/_.*$/, '') : spec;
    const tag = (m) => log(`${id}: ${m}`);
    const treeDir = modelTreeFor(typeof spec === 'object' ? '' : spec, api, values.source ?? (typeof spec === 'object' ? values.source : undefined));
    const k = api.loadKernelTree(treeDir, parser);
    const treeVersion = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : 'unknown';
    tag(`model: ${treeDir} (${treeVersion}, profile ${k.profile.id})`);
    const fileC = k.files.find((f) => f.path === 'fs/ext4/file.c');
    const fileFns = new Set(fileC ? [...fileC.functions.keys()] : []);
    const modelResults = new Map(api.simulateAll(scenarios, { image: k.image, profile: k.profile, constant: k.constant }).map((r) => [r.id, r]));

    const kernel = prepareKernel(spec, tag);
    const initramfs = buildInitramfs(kernel, tag);
    const workDir = join(cacheDir(), 'conformance', kernel.kver);
    let guest;
    const previous = join(workDir, 'results');
    if (values['reuse-results'] && existsSync(join(previous, 'END'))) {
      tag(`re-reading the results of the last run in ${previous} (--reuse-results)`);
      const meta = existsSync(join(workDir, 'run.json')) ? JSON.parse(readFileSync(join(workDir, 'run.json'), 'utf8')) : {};
      guest = { resultsDir: previous, seconds: meta.seconds ?? 0 };
    } else {
      // A guest that dies without finishing (seen once in ~10 runs: an oops while the kernel
      // was still booting, before any scenario) is retried, loudly; a second failure fails the run.
      for (let attempt = 1; ; attempt++) {
        try {
          guest = await runGuest({ kernel, initramfs, jobs, workDir, timeoutMs, log: tag, writeDelayMs: Number(values['write-delay']) });
          break;
        } catch (err) {
          const retriable = err instanceof HarnessError && /no END marker|QEMU exited|wrote no readable results/.test(err.message);
          if (!retriable || attempt >= 2) throw err;
          tag(`guest run ${attempt} failed, retrying once: ${err.message.split('\n').slice(0, 12).join('\n')}`);
        }
      }
      writeFileSync(join(workDir, 'run.json'), `${JSON.stringify({ seconds: guest.seconds, jobs: scenarios.map((x) => x.id) })}\n`);
      tag(`guest finished in ${guest.seconds.toFixed(1)} s`);
    }
    const res = readResults(guest.resultsDir);
    const failedProbes = res.probeErrors.split('\n').filter((l) => /^\w+: [pr]:/.test(l));
    if (failedProbes.length) throw new HarnessError(`${kernel.kver}: kprobes could not be placed (the observation would be incomplete):\n  ${res.probeErrors.trim().split('\n').join('\n  ')}`);
    if (res.probeErrors.trim()) tag(`probe notes: ${res.probeErrors.trim().split('\n').join('; ')}`);

    const rows = [];
    for (const s of scenarios) {
      const w = workloads.get(s.id);
      const r = modelResults.get(s.id);
      const rec = res.scenarios.get(s.id);
      let observed;
      if (w?.unsupported.length) observed = { outcome: {}, problems: [`not made: ${w.unsupported.join('; ')}`], log: [] };
      else if (!rec) observed = { outcome: {}, problems: ['the guest did not run this scenario'], log: [] };
      else observed = observe(rec, { kallsyms: res.kallsyms, fileFns, write: w.write, expect: w.expect, blockSize: s.mount.blockSize });
      const model = r && !r.outcome.inconclusive ? r.outcome : undefined;
      const cmp = compareScenario({ id: s.id, kernel: id, model, observed, limitations });
      const row = {
        id: s.id,
        ...(s.description ? { description: s.description } : {}),
        agree: cmp.agree,
        unexplained: cmp.unexplained,
        explained: cmp.explained,
        fields: cmp.fields,
        model: model ? Object.fromEntries([...FIELDS, 'completionRet', 'dioBytes', 'bufferedBytes', 'mapBlocksFlags', 'iomapTypes', 'fallbackReason'].filter((f) => model[f] !== undefined).map((f) => [f, model[f]])) : undefined,
        ...(r?.outcome.inconclusive ? { modelInconclusive: r.outcome.inconclusive } : {}),
        observed: observed.outcome,
        observedExtra: observed.extra,
        events: observed.log,
      };
      if (!cmp.agree) {
        row.modelTrace = r ? modelTraceSummary(r.trace) : ['(no model result)'];
        row.workload = (w?.steps ?? []).filter((st) => ['mkfs', 'mount', 'prepare', 'warm', 'dirty', 'cache', 'write'].includes(st.phase)).map((st) => `[${st.phase}] ${st.argv.join(' ')}`).join('\n');
        const a = analysis.find((x) => (x.scenario === s.id || new RegExp(`^${x.scenario.replace(/\*/g, '.*')}$`).test(s.id)) && (!x.kernel || x.kernel === id || x.kernel === '*'));
        if (a) row.analysis = a.analysis;
      }
      rows.push(row);
    }
    const bad = rows.filter((x) => x.unexplained).length;
    tag(`${rows.length} scenarios: ${rows.filter((x) => x.agree).length} agree, ${rows.filter((x) => !x.agree && !x.unexplained).length} explained, ${bad} unexplained`);
    return { id, package: kernel.pkg, uname: res.uname, device: res.device, modelTree: `linux-${treeVersion} (${k.profile.id})`, guestSeconds: guest.seconds, scenarios: rows };
  }

  const parallel = Math.max(1, Number(values.jobs) || 1);
  const kernels = [];
  for (let i = 0; i < specs.length; i += parallel) kernels.push(...(await Promise.all(specs.slice(i, i + parallel).map(oneKernel))));
  const stale = limitations.filter((l) => !l.used).map(({ used, ...l }) => l);
  const report = { scenarios: scenarioFile.replace(`${ROOT}/`, ''), fields: FIELDS, kernels, staleLimitations: stale };
  if (!values['no-write']) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'conformance.json'), `${JSON.stringify(report, null, 1)}\n`);
    writeFileSync(join(values.out, 'conformance.md'), renderMarkdown(report));
    log(`wrote ${join(values.out, 'conformance.md')} and conformance.json`);
  }
  for (const l of stale) log(`warning: limitation matched nothing: ${l.scenario} / ${l.kernel} / ${l.field}`);
  const unexplained = kernels.flatMap((k) => k.scenarios.filter((s) => s.unexplained).map((s) => `${k.id} ${s.id}: ${Object.entries(s.fields).filter(([, v]) => !v.agree && !v.explained).map(([f, v]) => `${f} model=${JSON.stringify(v.model)} observed=${JSON.stringify(v.observed)}`).join('; ')}`));
  const total = kernels.reduce((n, k) => n + k.scenarios.length, 0);
  const agreeing = kernels.reduce((n, k) => n + k.scenarios.filter((s) => s.agree).length, 0);
  const explainedN = kernels.reduce((n, k) => n + k.scenarios.filter((s) => !s.agree && !s.unexplained).length, 0);
  for (const u of unexplained) log(`UNEXPLAINED ${u}`);
  log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // The plain closing line CI reads.
  process.stdout.write(`conformance: ${agreeing + explainedN} passed, ${unexplained.length} failed\n`);
  return unexplained.length ? 1 : 0;
}

// node --test runs every .mjs under test/: only run when invoked directly, not as a test file.
if (process.env.NODE_TEST_CONTEXT) {
  process.stdout.write('test/kernel/conformance.mjs: not a unit test; run `npm run conformance`\n');
} else {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => {
      process.stderr.write(`[conformance] FAILED: ${err instanceof HarnessError ? err.message : err.stack}\n`);
      process.exitCode = 2;
    },
  );
}
