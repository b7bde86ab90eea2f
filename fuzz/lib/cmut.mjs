// Campaign "c": mutants of fs/ext4/file.c or inode.c inside the write-path functions (the
// ones the default matrix runs), simulated with `ext4-write-path simulate --kernel <copy>`.
// The copy is a directory of symlinks to the cached tree (Makefile, include/, arch/,
// fs/ext4/ext4.h, ext4_jbd2.h and the other C file: what io/kernelTree.ts reads) with the
// mutated file written in place.
import { C_FILES } from './corpus.mjs';

const OPS = [
  ['==', '!='], ['!=', '=='], ['<=', '>'], ['>=', '<'], ['<', '>='], ['>', '<='], ['&&', '||'], ['||', '&&'],
  ['&', '|'], ['|', '&'], ['+', '-'], ['-', '+'], ['<<', '>>'], ['>>', '<<'], ['!', ''], ['*', '/'], ['=', '+='],
];
const CONSTS = ['0', '1', '-1', '0x7fffffff', '0xffffffffffffffff', '0x10000000000000000000', '9223372036854775807', '-9223372036854775808', '4096', '65536', '1ULL << 63', '(1 << 200)', '077777777777777777777', "'\\0'", '1.5'];

const nest = (open, close, d, inner = '') => open.repeat(d) + inner + close.repeat(d);

/** Statement-level insertions; `f` is the enclosing function. */
const INSERTS = [
  [6, () => '{{{'],
  [2, () => '}}}'],
  [1, () => '{'],
  [1, () => '}'],
  [3, (rng) => nest('{', '}', rng.pick([64, 512, 4096, 32768]))],
  [2, (rng) => `ret = ${nest('(', ')', rng.pick([64, 512, 4096, 32768]), '1')};`],
  [2, (rng) => `${'if (1) '.repeat(rng.pick([64, 512, 4096]))};`],
  [1, (rng) => `ret = ${Array(rng.pick([100, 1000, 20000])).fill('ret').join(' + ')};`],
  [3, () => 'for (;;);'],
  [3, () => 'while (1) {}'],
  [2, () => 'do { } while (1);'],
  [2, () => 'fuzz_again: goto fuzz_again;'],
  [1, () => 'while (1) continue;'],
  [1, () => 'for (long fz = 0; fz < 4000000000L; fz++) { }'],
  [1, () => 'for (int fz = 0; fz != 3; fz += 2) { }'],
  [3, (rng, f) => (f.returnsVoid ? `${f.name}(${f.params.join(', ')}); return;` : `return ${f.name}(${f.params.join(', ')});`)],
  [2, (rng, f) => `${f.name}(${f.params.join(', ')});`],
  [1, (rng, f) => (f.params.includes('iocb') && f.params.includes('from') ? 'ext4_file_write_iter(iocb, from);' : `${f.name}(${f.params.join(', ')});`)],
  [1, () => 'return;'],
  [1, () => 'return -1;'],
  [1, () => 'goto no_such_label;'],
  [1, () => 'out: out: ;'],
  [1, () => '#if 0'],
  [1, () => '#endif'],
  [1, () => '#define if while'],
  [1, () => '#include "../../../../../../etc/passwd"'],
  [1, () => '"unterminated'],
  [1, () => "'"],
  [1, () => '/*'],
  [1, () => 'ret = 1 / 0;'],
  [1, () => 'ret = ret << 200;'],
  [1, () => 'ret = ret >> -1;'],
  [1, () => 'ret = *(int *)0;'],
  [1, () => 'switch (ret) { case 1: case 1: break; }'],
  [1, () => 'ret = sizeof(struct no_such_type);'],
  [1, () => '\0\0\0'],
  [1, () => '\\'],
  [1, (rng) => `ret = ${rng.pick(CONSTS)};`],
  [1, () => 'iocb = NULL;'],
  [1, () => 'inode_lock(inode); inode_lock(inode);'],
  [1, () => 'inode_unlock(inode);'],
];

/** One mutation of the file's lines at a write-path site. Returns a description. */
function mutateLines(rng, lines, f, site) {
  const i = site - 1;
  const kind = rng.weighted([[5, 'insert'], [3, 'delete'], [2, 'dup'], [3, 'operator'], [2, 'constant'], [1, 'swap'], [1, 'truncate'], [1, 'identifier']]);
  switch (kind) {
    case 'insert': {
      const [, make] = rng.weighted(INSERTS.map((x) => [x[0], x]));
      const text = make(rng, f);
      lines.splice(i, 0, `\t${text}`);
      return `insert@${site}:${text.length > 40 ? `${text.slice(0, 40)}…(${text.length})` : text}`;
    }
    case 'delete': {
      const n = rng.small(3);
      lines.splice(i, n);
      return `delete@${site}+${n}`;
    }
    case 'dup': {
      const n = rng.pick([1, 1, 2, 50, 1000]);
      lines.splice(i, 0, ...Array(n).fill(lines[i]));
      return `dup@${site}x${n}`;
    }
    case 'operator': {
      const cands = OPS.filter(([a]) => lines[i].includes(a));
      if (!cands.length) return mutateLines(rng, lines, f, site);
      const [a, b] = rng.pick(cands);
      lines[i] = lines[i].replace(a, b);
      return `op@${site}:${a}->${b}`;
    }
    case 'constant': {
      if (!/\b\d+\b|\b[A-Z][A-Z0-9_]{2,}\b/.test(lines[i])) return mutateLines(rng, lines, f, site);
      const c = rng.pick(CONSTS);
      lines[i] = lines[i].replace(/\b\d+\b|\b[A-Z][A-Z0-9_]{2,}\b/, c);
      return `const@${site}:${c}`;
    }
    case 'swap': {
      const j = Math.min(lines.length - 1, i + rng.range(1, 5));
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return `swap@${site}:${j + 1}`;
    }
    case 'truncate': {
      const cut = rng.int(lines[i].length + 1);
      lines.splice(i, lines.length - i, lines[i].slice(0, cut));
      return `truncate@${site}:${cut}`;
    }
    default: {
      const ids = lines[i].match(/\b[a-z_][a-z0-9_]{2,}\b/g);
      if (!ids || ids.length < 2) return mutateLines(rng, lines, f, site);
      const a = rng.pick(ids);
      const b = rng.pick(ids);
      lines[i] = lines[i].replace(new RegExp(`\\b${a}\\b`), b);
      return `ident@${site}:${a}->${b}`;
    }
  }
}

/** Scenario ids worth running on a mutant (filtered to what the matrix has). */
const ONLY = ['dio-sync-al-written-warm', 'dio-sync-un-hole-cold', 'dio-aio-al-beyond-warm', 'dio-sync-al-unwritten-nowait-warm', 'dio-sync-al-straddle-cold', 'dio-aio-un-unwritten-warm', 'buf-extend', 'buf-hole-delalloc', 'dio-append', 'dio-atomic', 'dio-datajournal', 'ind-dio-sync-hole', 'dax-write', 'dio-inline-data', 'dio-misaligned-buffer', 'dio-contended-nowait', 'dio-short-write', 'dio-enospc-hole'];

export function cInput(rng, corpus) {
  const versions = Object.keys(corpus.writePath);
  const v = rng.pick(versions.includes('6.12') && rng.chance(0.7) ? ['6.12'] : versions);
  const rel = rng.chance(0.45) ? C_FILES[0] : C_FILES[1];
  const { text, functions, tracedLines } = corpus.writePath[v][rel];
  const lines = text.split('\n');
  const muts = [];
  const n = rng.weighted([[8, 1], [2, 2], [1, 3]]);
  // Mutate bottom-up so earlier sites keep their line numbers.
  const sites = [];
  for (let k = 0; k < n; k++) {
    const f = rng.pick(functions);
    const inF = tracedLines.filter((l) => l >= f.bodyStart && l < f.end);
    sites.push({ f, site: inF.length && rng.chance(0.7) ? rng.pick(inF) : rng.range(f.bodyStart, f.end - 1) });
  }
  sites.sort((a, b) => b.site - a.site);
  for (const { f, site } of sites) muts.push(`${f.name}:${mutateLines(rng, lines, f, site)}`);
  const known = new Set(corpus.matrixIds);
  const only = ONLY.filter((id) => known.has(id));
  const ids = [];
  for (let k = rng.range(2, 4); k > 0; k--) ids.push(rng.pick(only));
  const argv = ['simulate', '--kernel', 'tree', '--format', rng.chance(0.9) ? 'json' : 'text'];
  // A few scenarios keep most runs short; the whole matrix (118) now and then, since some
  // mutants cost per scenario (memory grows with every scenario run and traced).
  if (rng.chance(0.8)) argv.push('--only', [...new Set(ids)].join(','));
  if (rng.chance(0.05)) argv.push('--trace');
  return {
    files: [],
    tree: { base: corpus.trees[v], dir: 'tree', replace: { [rel]: Buffer.from(lines.join('\n'), 'utf8') } },
    argv,
    what: `${v} ${rel} ${muts.join(' ; ')}`,
    expectJson: argv.includes('json'),
  };
}

/**
 * The first inputs of the campaign: fixed mutants of the known-hard kinds (so a short run
 * meets them every time), then random ones. Each: (rng, corpus) → input.
 */
function fixedMutant(corpus, v, rel, fnName, make, only) {
  const wp = corpus.writePath[v]?.[rel] ?? corpus.writePath[Object.keys(corpus.writePath)[0]][rel];
  const f = wp.functions.find((x) => x.name === fnName) ?? wp.functions[0];
  const lines = wp.text.split('\n');
  const at = f.bodyStart + 1;
  lines.splice(at - 1, 0, `\t${make(f)}`);
  const argv = ['simulate', '--kernel', 'tree', '--format', 'json'];
  if (only) argv.push('--only', only.filter((id) => corpus.matrixIds.includes(id)).join(','));
  return { files: [], tree: { base: corpus.trees[v] ?? Object.values(corpus.trees)[0], dir: 'tree', replace: { [rel]: Buffer.from(lines.join('\n'), 'utf8') } }, argv, what: `fixed: ${v} ${rel} ${f.name}:insert@${at}:${make(f).slice(0, 40)}`, expectJson: true };
}
export const C_SENTINELS = [
  // An unbalanced `{{{` in ext4_iomap_begin: memory grows with every scenario run.
  (rng, corpus) => fixedMutant(corpus, '6.12', C_FILES[1], 'ext4_iomap_begin', () => '{{{', corpus.matrixIds.slice(0, 40)),
  (rng, corpus) => fixedMutant(corpus, '6.12', C_FILES[0], 'ext4_dio_write_iter', () => 'for (;;);', ['dio-sync-al-written-warm', 'dio-aio-al-beyond-warm']),
  (rng, corpus) => fixedMutant(corpus, '6.12', C_FILES[0], 'ext4_file_write_iter', (f) => `return ${f.name}(${f.params.join(', ')});`, ['dio-sync-al-written-warm', 'buf-extend']),
  (rng, corpus) => fixedMutant(corpus, '6.1', C_FILES[1], 'ext4_iomap_alloc', () => `ret = ${'('.repeat(20000)}1${')'.repeat(20000)};`, ['dio-sync-al-hole-warm', 'dio-aio-al-beyond-warm']),
];
