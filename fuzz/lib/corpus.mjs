// The starting points the mutators work from, all made or read at run time:
// * the real 6.1 → 6.12 `diff -u` of fs/ext4/file.c and inode.c (as scripts/demo.sh makes it)
//   and each of its hunks as a one-hunk patch (small, fast inputs);
// * small patches written here at run time against the 6.12 tree's write-path functions,
//   in every envelope the product reads (plain diff, format-patch mail, mbox series with a
//   cover letter, quoted reply, one flattened line);
// * the five seed threads in ../shared/seeds/*.txt, read when the fuzzer starts and never
//   copied into the repository (reproducers in fuzz/out/ may hold mutated copies: out/ is
//   not committed);
// * the write-path functions of both trees and the lines the default matrix runs in them
//   (from a traced simulation through dist/api.js), where the C mutants strike.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const C_FILES = ['fs/ext4/file.c', 'fs/ext4/inode.c'];

/** `diff -u` of one file between two trees, with a/ b/ labels; jsdiff when diff(1) is missing. */
function unifiedDiff(rel, oldPath, newPath, root) {
  const r = spawnSync('diff', ['-u', '--label', `a/${rel}`, '--label', `b/${rel}`, oldPath, newPath], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status === 0 || r.status === 1) return r.stdout;
  const { createTwoFilesPatch } = require(join(root, 'node_modules', 'diff'));
  return createTwoFilesPatch(`a/${rel}`, `b/${rel}`, readFileSync(oldPath, 'utf8'), readFileSync(newPath, 'utf8')).replace(/^=+\n/m, '');
}

/** Split a multi-file unified diff into one patch per hunk (file header + that hunk). */
export function splitHunks(diff) {
  const out = [];
  let header = '';
  let cur;
  for (const line of diff.split('\n')) {
    if (line.startsWith('--- ')) {
      if (cur) out.push(cur);
      cur = undefined;
      header = `${line}\n`;
    } else if (line.startsWith('+++ ')) {
      header += `${line}\n`;
    } else if (line.startsWith('@@')) {
      if (cur) out.push(cur);
      cur = `${header}${line}\n`;
    } else if (cur !== undefined && line !== '') {
      cur += `${line}\n`;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Function ranges (1-based, inclusive) of named functions in C text: signature to the closing `}` at column 0. */
export function functionRanges(text, names) {
  const lines = text.split('\n');
  const out = [];
  for (const name of names) {
    const re = new RegExp(`^[A-Za-z_].*\\b${name}\\(`);
    for (let i = 0; i < lines.length; i++) {
      if (!re.test(lines[i]) || /;\s*$/.test(lines[i])) continue;
      let open = i;
      while (open < lines.length && !lines[open].startsWith('{') && !/\)\s*\{\s*$/.test(lines[open])) {
        if (/;\s*$/.test(lines[open])) break;
        open++;
      }
      if (open >= lines.length || /;\s*$/.test(lines[open])) continue;
      let end = open + 1;
      while (end < lines.length && lines[end] !== '}') end++;
      if (end >= lines.length) continue;
      // Parameter names from the signature, for recursion mutants.
      const sig = lines.slice(i, open + 1).join(' ');
      const params = (/\(([^)]*)\)/.exec(sig.slice(sig.indexOf(`${name}(`)))?.[1] ?? '')
        .split(',')
        .map((p) => /([A-Za-z_]\w*)\s*(\[\s*\])?\s*$/.exec(p.trim())?.[1])
        .filter((p) => p && p !== 'void');
      out.push({ name, start: i + 1, bodyStart: open + 2, end: end + 1, params, returnsVoid: /^\s*(static\s+)?(inline\s+)?void\b/.test(lines[i]) });
      break;
    }
  }
  return out;
}

/** Build the corpus. `api` is dist/api.js of the build under test. */
export async function buildCorpus({ root, api, cacheDir, seedsDir }) {
  const trees = {};
  for (const v of ['6.1', '6.12']) {
    const dir = join(cacheDir, `linux-${v}`);
    if (existsSync(join(dir, '.complete'))) trees[v] = dir;
  }
  const corpus = { trees, realDiff: undefined, realHunks: [], seeds: [], writePath: {}, matrixIds: [], matrix: [], problems: [] };
  if (trees['6.1'] && trees['6.12']) {
    corpus.realDiff = C_FILES.map((f) => unifiedDiff(f, join(trees['6.1'], f), join(trees['6.12'], f), root)).join('');
    corpus.realHunks = splitHunks(corpus.realDiff);
  } else corpus.problems.push(`kernel trees missing in ${cacheDir} (npm run fetch-kernels): no real diff, no C campaign`);

  if (seedsDir && existsSync(seedsDir)) {
    for (const name of readdirSync(seedsDir).filter((n) => n.endsWith('.txt')).sort()) corpus.seeds.push({ name, bytes: readFileSync(join(seedsDir, name)) });
  }
  if (!corpus.seeds.length) corpus.problems.push(`no seed threads in ${seedsDir ?? '(unset)'}: patch campaign uses the real diff and its own patches only`);

  corpus.matrix = api.defaultMatrix();
  corpus.matrixIds = corpus.matrix.map((s) => s.id);
  // Which write-path functions the default matrix runs, and which of their lines it decides on.
  const parser = await api.getParser();
  for (const [v, dir] of Object.entries(trees)) {
    const k = api.loadKernelTree(dir, parser);
    const results = api.simulateAll(corpus.matrix, { image: k.image, profile: k.profile, constant: k.constant });
    const fns = new Map(C_FILES.map((f) => [f, new Set()]));
    const lines = new Map(C_FILES.map((f) => [f, new Set()]));
    for (const r of results)
      for (const st of r.trace) {
        if (!fns.has(st.file)) continue;
        fns.get(st.file).add(st.fn);
        lines.get(st.file).add(st.line);
      }
    corpus.writePath[v] = {};
    for (const f of C_FILES) {
      const text = readFileSync(join(dir, f), 'utf8');
      corpus.writePath[v][f] = { text, functions: functionRanges(text, [...fns.get(f)]), tracedLines: [...lines.get(f)].sort((a, b) => a - b) };
    }
    for (const file of k.files) file.dispose?.();
  }
  return corpus;
}
