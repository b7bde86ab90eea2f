// The review of the real 6.12 → 7.2 diff against the 6.12 tree, alone in this process
// (`node bench/review72.mjs`), as the CLI runs it: one tree loaded, the CLI's V8 flags
// (CLI_NODE_FLAGS). In the main bench's process, with three trees, two other reviews and
// the language server's traffic behind it, every garbage collection of the review had that
// heap to deal with too. Prints one JSON line: cold (tree read and parsed in the run) and
// warm (tree loaded), median and best.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { time } from './time.mjs';

const require = createRequire(import.meta.url);
const api = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'api.js'));
const parser = await api.getParser();
const tree = api.cachedKernel('6.12');
const tree72 = api.cachedKernel('7.2');
// Every interpreted file and the headers their C reads, as `npm run demo` makes the diff.
const HEADERS = ['fs/ext4/ext4.h', 'fs/ext4/ext4_jbd2.h', 'fs/ext4/extents_status.h', 'include/linux/iomap.h', 'include/linux/fserror.h'];
let diff = '';
for (const f of [...api.INTERPRETED_FILES, ...HEADERS]) {
  const isNew = !existsSync(join(tree, f));
  const r = spawnSync('diff', ['-u', '--label', isNew ? '/dev/null' : `a/${f}`, '--label', `b/${f}`, isNew ? '/dev/null' : join(tree, f), join(tree72, f)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  diff += r.stdout;
}
const matrix = api.defaultMatrix();
const opts = (k) => ({ parser, base: api.toBase(k), scenarios: matrix, scenarioSource: 'default matrix' });

const cold = time(() => {
  const k = api.loadKernelTree(tree, parser);
  api.reviewPatch(diff, opts(k)).dispose();
  k.files.forEach((f) => f.dispose());
}, 3);
const k = api.loadKernelTree(tree, parser);
api.reviewPatch(diff, opts(k)).dispose(); // the base side's runs, kept by the tree (BaseTree.memo), and the JIT
const warm = time(() => api.reviewPatch(diff, opts(k)).dispose(), 5);
const hunks = diff.split('\n').filter((l) => l.startsWith('@@')).length;
process.stdout.write(`${JSON.stringify({ hunks, coldMs: cold.median, warmMs: warm.median, warmBestMs: warm.min })}\n`);
