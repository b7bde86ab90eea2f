// The default matrix on one tree, alone in this process (`node bench/matrix.mjs 7.2`), as
// the CLI runs it: one tree's image in memory, not the three the main bench loads (their
// heap made every young-generation GC of the matrix slower), with the CLI's V8 flags
// (CLI_NODE_FLAGS). Prints one JSON line.
//
// Three numbers, because this machine's speed drifts by 2× within a minute (shared host):
//   medianMs / bestMs — whole-matrix rounds, GC included;
//   minSumMs — the sum over scenarios of each one's fastest run: the CPU cost of a run
//   with the drift and GC pauses filtered out (timeit's "min is the least noisy estimate").
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const api = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'api.js'));
const v = process.argv[2];
const rounds = Number(process.argv[3] ?? 15);
const parser = await api.getParser();
const k = api.loadKernelTree(api.cachedKernel(v), parser);
const matrix = api.defaultMatrix();
const ctx = { image: k.image, profile: k.profile, constant: k.constant };
for (let i = 0; i < 3; i++) api.simulateAll(matrix, ctx); // warm the lowered ASTs and the JIT
const whole = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  api.simulateAll(matrix, ctx);
  whole.push(performance.now() - t0);
}
const fastest = matrix.map(() => Infinity);
for (let i = 0; i < rounds; i++) {
  matrix.forEach((s, j) => {
    const t0 = performance.now();
    api.simulate(s, ctx);
    fastest[j] = Math.min(fastest[j], performance.now() - t0);
  });
}
whole.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ v, scenarios: matrix.length, medianMs: whole[whole.length >> 1], bestMs: whole[0], minSumMs: fastest.reduce((a, b) => a + b, 0) })}\n`);
