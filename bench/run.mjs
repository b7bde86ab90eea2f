// `npm run bench`: performance numbers for the engine on the real Debian trees.
// Targets live here, never in unit tests. Prints a table; `--json` prints JSON.
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { lspLatency } from './lsp.mjs';
import { robustness } from './robustness.mjs';
import { time } from './time.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const api = require(join(root, 'dist', 'api.js'));
const asJson = process.argv.includes('--json');

for (const v of ['6.1', '6.12', '7.2']) {
  if (!api.cachedKernel(v)) execFileSync('bash', [join(root, 'scripts', 'fetch-kernels.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const tree = api.cachedKernel('6.12');
const parser = await api.getParser();

const k = api.loadKernelTree(tree, parser);
const texts = ['fs/ext4/file.c', 'fs/ext4/inode.c'].map((f) => k.texts.get(f));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const N = 15;
const names = ['fs/ext4/file.c', 'fs/ext4/inode.c'];
time(() => texts.forEach((t) => parser.parse(t).delete()), 3); // warm-up
const raw = time(() => texts.forEach((t) => parser.parse(t).delete()), N);
const frontIndexOnly = time(() => texts.forEach((t, i) => new api.SourceFile(names[i], t, parser).dispose()), N);
const front = time(() => texts.forEach((t, i) => {
  const f = new api.SourceFile(names[i], t, parser);
  f.lowerAll();
  f.dispose();
}), N);

const matrix = api.defaultMatrix();
const ctx = { image: k.image, profile: k.profile, constant: k.constant };
api.simulateAll(matrix, ctx); // warm the lowered-AST cache and the JIT
const sim = time(() => api.simulateAll(matrix, ctx), 5);
// Review of the real 6.1 → 6.12 diff against the 6.1 tree: cold (tree read and parsed in the
// run) and warm (tree already loaded; the review parses the post-image and simulates).
const tree61 = api.cachedKernel('6.1');
let diffText = '';
for (const f of ['fs/ext4/file.c', 'fs/ext4/inode.c']) {
  const r = spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(tree61, f), join(tree, f)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  diffText += r.stdout;
}
// The product's own adapter (headers' C included), as the CLI passes it.
const toBase = (kk) => api.toBase(kk);
const reviewOpts = (base) => ({ parser, base, scenarios: matrix, scenarioSource: 'default matrix' });
const cold = time(() => {
  const kk = api.loadKernelTree(tree61, parser);
  api.reviewPatch(diffText, reviewOpts(toBase(kk))).dispose();
  kk.files.forEach((f) => f.dispose());
}, 3);
const k61 = api.loadKernelTree(tree61, parser);
const warm = time(() => api.reviewPatch(diffText, reviewOpts(toBase(k61))).dispose(), 5);
// Per tree (issue 11): a raw parse of every interpreted file, and the default matrix.
const perTree = ['6.1', '6.12', '7.2'].map((v) => {
  const kk = api.loadKernelTree(api.cachedKernel(v), parser);
  const all = [...kk.texts.values()];
  const parse = time(() => all.forEach((t) => parser.parse(t).delete()), 5);
  kk.files.forEach((f) => f.dispose());
  // The matrix in a process of its own, with the CLI's V8 flags (bench/matrix.mjs says why).
  const r = spawnSync(process.execPath, [...api.CLI_NODE_FLAGS, join(root, 'bench', 'matrix.mjs'), v], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const m = JSON.parse(r.stdout);
  return { v, files: all.length, kib: all.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1024, parseMs: parse.median, matrixMs: m.medianMs, perSec: m.scenarios / (m.medianMs / 1000), bestPerSec: m.scenarios / (m.bestMs / 1000), runCostMs: m.minSumMs / m.scenarios, cpuPerSec: m.scenarios / (m.minSumMs / 1000) };
});
// The real 6.12 → 7.2 diff reviewed against the 6.12 tree, in a process of its own with the
// CLI's V8 flags (bench/review72.mjs says why).
const r72 = spawnSync(process.execPath, [...api.CLI_NODE_FLAGS, join(root, 'bench', 'review72.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const review72 = JSON.parse(r72.stdout);
const lsp = await lspLatency(root, tree61, tree, 12);
const rssMiB = process.resourceUsage().maxRSS / 1024;
const robust = robustness(root, tree);

const rows = [
  ['raw tree-sitter parse, file.c + inode.c', `${raw.median.toFixed(1)} ms`, `${(bytes / 1024).toFixed(0)} KiB`],
  ['front end: parse + function index', `${frontIndexOnly.median.toFixed(1)} ms`, `${(frontIndexOnly.median / raw.median).toFixed(2)}× raw`],
  ['front end: parse + index + lower all functions', `${front.median.toFixed(1)} ms`, `${(front.median / raw.median).toFixed(2)}× raw`],
  [`default matrix on 6.12 (${matrix.length} scenarios)`, `${sim.median.toFixed(1)} ms`, `${(matrix.length / (sim.median / 1000)).toFixed(0)} scenarios/s`],
  ...perTree.map((t) => [`${t.v}: raw parse of the ${t.files} interpreted files`, `${t.parseMs.toFixed(1)} ms`, `${t.kib.toFixed(0)} KiB`]),
  ...perTree.map((t) => [`${t.v}: default matrix (${matrix.length} scenarios), median of 15 rounds`, `${t.matrixMs.toFixed(1)} ms`, `${t.perSec.toFixed(0)} scenario-runs/s (target ≥ 2,000); best round ${t.bestPerSec.toFixed(0)}/s`]),
  ...perTree.map((t) => [`${t.v}: CPU cost of a run (each scenario's fastest of 15)`, `${t.runCostMs.toFixed(2)} ms`, `${t.cpuPerSec.toFixed(0)} scenario-runs/s without GC pauses or machine drift`]),
  [`review 6.12→7.2 diff (${review72.hunks} hunks: interpreted files and headers) against 6.12, cold`, `${review72.coldMs.toFixed(0)} ms`, 'own process, as the CLI runs it'],
  ['review 6.12→7.2 diff, warm (tree loaded), median of 5', `${review72.warmMs.toFixed(0)} ms`, `target ≤ 1,500 ms; best ${review72.warmBestMs.toFixed(0)} ms`],
  [`review 6.1→6.12 diff (${diffText.split('\n').filter((l) => l.startsWith('@@')).length} hunks), cold`, `${cold.median.toFixed(0)} ms`, `${(cold.median / raw.median).toFixed(1)}× raw parse of file.c+inode.c`],
  ['review 6.1→6.12 diff, warm (tree loaded)', `${warm.median.toFixed(0)} ms`, `${(warm.median / raw.median).toFixed(1)}× raw parse`],
  [`LSP: diagnostics after a one-line edit (p50/p95, ${lsp.edits} edits)`, `${lsp.diagP50.toFixed(0)}/${lsp.diagP95.toFixed(0)} ms`, 'a hover sent with the edit starts the analysis at once (no 300 ms debounce); unchanged runs come from the document\'s RunCache'],
  ['LSP: hover after a one-line edit (p50/p95)', `${lsp.hoverP50.toFixed(0)}/${lsp.hoverP95.toFixed(0)} ms`, 'waits for the re-analysis'],
  [`LSP: edit storm, answered hovers (p50/p95, ${lsp.stormAnswered} of ${lsp.stormEdits})`, lsp.stormAnswered ? `${lsp.stormHoverP50.toFixed(0)}/${lsp.stormHoverP95.toFixed(0)} ms` : 'none', 'target p95 ≤ 500 ms; each hover cancels the one before'],
  ['LSP: edit storm, hovers answered RequestCancelled (-32800)', `${lsp.stormCancelled}`, `other answers ${lsp.stormOther}, unanswered ${lsp.stormUnanswered}`],
  ['peak RSS (bench process)', `${rssMiB.toFixed(0)} MiB`, ''],
  ...robust.rows,
];
if (asJson) {
  process.stdout.write(JSON.stringify({ lsp, perTree, review72ColdMs: review72.coldMs, review72WarmMs: review72.warmMs, review72WarmBestMs: review72.warmBestMs, reviewColdMs: cold.median, reviewWarmMs: warm.median, rawParseMs: raw.median, frontIndexMs: frontIndexOnly.median, frontLowerAllMs: front.median, matrixMs: sim.median, scenarios: matrix.length, scenariosPerSec: matrix.length / (sim.median / 1000), peakRssMiB: rssMiB, robustness: robust.json }, null, 1) + '\n');
} else {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(`ext4-write-path bench (${tree}, median of runs)\n\n`);
  for (const r of rows) process.stdout.write(`${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}\n`);
}
