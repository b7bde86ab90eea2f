// The precision suite (issue 13 §7): behaviour-preserving edits of the write-path C of
// the real Debian trees, generated here at run time, each reviewed as a patch against
// its own tree. A behaviour-preserving edit must report no change and no finding in any
// scenario; every one that does is a false change, and the target is zero.
//
//   npm run precision [-- --per-kind N] [--trees 6.1,6.12,7.2] [--json]
//
// Edit kinds (each applied to one function the default matrix runs, in fs/ext4/file.c or
// fs/ext4/inode.c):
//   rename      a static function and every use of it in its file get a new name
//   extract     a function's body moves into a new static helper it calls (the refactor
//               of issue 13's first example)
//   reorder     two adjacent declarations that do not refer to each other swap places
//   split-and   `if (a && b) S` without an else becomes `if (a) { if (b) S }`
//   invert-else `if (c) A else B` becomes `if (!(c)) { B } else { A }`
//   parens      an `if` condition gets a redundant pair of parentheses
//   comments    comments and blank lines are added and the body is re-indented
//
// Nothing of the kernel is written into the repository: the edits live in memory and in a
// temporary directory for `diff -u`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../fuzz/lib/prng.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export const KINDS = ['rename', 'extract', 'reorder', 'split-and', 'invert-else', 'parens', 'comments'];
const FILES = ['fs/ext4/file.c', 'fs/ext4/inode.c'];

function walk(node, visit) {
  visit(node);
  for (const c of node.namedChildren) if (c) walk(c, visit);
}

/** Function definitions of a parsed file: name, node, body node, declarator text. */
function functionsOf(tree) {
  const out = [];
  for (const n of tree.rootNode.namedChildren) {
    if (!n || n.type !== 'function_definition') continue;
    let d = n.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c?.type === 'function_declarator');
    const name = d?.childForFieldName('declarator');
    const body = n.childForFieldName('body');
    if (!d || !name || name.type !== 'identifier' || !body) continue;
    out.push({ name: name.text, node: n, decl: d, body, isStatic: /^\s*static\b/.test(n.text) });
  }
  return out;
}

/** Parameter names of a function declarator, or undefined when one is unnamed or variadic. */
function paramNames(decl) {
  const list = decl.childForFieldName('parameters');
  const names = [];
  for (const p of list?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'variadic_parameter') return undefined;
    if (p.type !== 'parameter_declaration') return undefined;
    if (p.text.trim() === 'void') continue;
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'pointer_declarator');
    if (!d) return undefined;
    names.push(d.text);
  }
  return names;
}

const splice = (text, start, end, repl) => text.slice(0, start) + repl + text.slice(end);

/**
 * Every candidate edit of one kind on one function, as `{ kind, fn, what, apply(text) }`.
 * `apply` returns the edited file text (the parse is of the unedited text).
 */
function candidates(kind, f, text, file) {
  const out = [];
  const fnText = f.node.text;
  if (kind === 'rename' && f.isStatic) {
    const fresh = `${f.name}_renamed`;
    if (!text.includes(fresh)) {
      out.push({ kind, fn: f.name, what: `rename ${f.name}() → ${fresh}() and its uses in ${file}`, apply: (t) => t.replace(new RegExp(`\\b${f.name}\\b`, 'g'), fresh) });
    }
  }
  if (kind === 'extract') {
    const names = paramNames(f.decl);
    const headEnd = f.body.startIndex - f.node.startIndex;
    const head = fnText.slice(0, headEnd);
    // A function-like macro in the head, attributes or `inline` asm are left alone.
    if (names && !/__attribute__|\basm\b/.test(head)) {
      const isVoid = /^\s*(?:static\s+)?(?:inline\s+)?void\s/.test(head) && !/\*\s*\w+\s*\(/.test(head.split('(')[0]);
      const helper = `${f.name}__body`;
      if (!text.includes(helper)) {
        const helperHead = head.replace(new RegExp(`\\b${f.name}\\s*\\(`), `${helper}(`).replace(/^\s*(?:static\s+)?/, 'static ');
        const call = `${helper}(${names.join(', ')})`;
        const wrapper = `${head}{\n\t${isVoid ? `${call};` : `return ${call};`}\n}`;
        const [s0, e0, bodyText] = [f.node.startIndex, f.node.endIndex, f.body.text];
        out.push({ kind, fn: f.name, what: `move the body of ${f.name}() into a new static ${helper}() it calls`, apply: (t) => splice(t, s0, e0, `${helperHead}${bodyText}\n\n${wrapper}`) });
      }
    }
  }
  if (kind === 'reorder') {
    const decls = f.body.namedChildren.filter((c) => c?.type === 'declaration');
    for (let i = 0; i + 1 < decls.length; i++) {
      const [a, b] = [decls[i], decls[i + 1]];
      if (a.nextNamedSibling?.id !== b.id) continue;
      // Only declarations whose initialisers (if any) are literals: nothing read, nothing run.
      const plain = (d) => !/=/.test(d.text) || /=\s*(?:-?\d+[uUlL]*|NULL|false|true|0x[0-9a-fA-F]+)\s*[;,]/.test(d.text) && (d.text.match(/=/g) ?? []).length === 1;
      if (!plain(a) || !plain(b)) continue;
      const between = text.slice(a.endIndex, b.startIndex);
      const [s0, e0, at, bt] = [a.startIndex, b.endIndex, a.text, b.text];
      out.push({ kind, fn: f.name, what: `swap declarations \`${at}\` and \`${bt}\` in ${f.name}()`, apply: (t) => splice(t, s0, e0, `${bt}${between}${at}`) });
    }
  }
  if (kind === 'split-and') {
    walk(f.body, (n) => {
      if (n.type !== 'if_statement' || n.childForFieldName('alternative')) return;
      const cond = n.childForFieldName('condition');
      const inner = cond?.namedChildren[0];
      if (!inner || inner.type !== 'binary_expression' || inner.childForFieldName('operator')?.type !== '&&') return;
      const left = inner.childForFieldName('left');
      const right = inner.childForFieldName('right');
      const cons = n.childForFieldName('consequence');
      if (!left || !right || !cons) return;
      const repl = `if (${left.text}) {\n\t\tif (${right.text})\n\t\t\t${cons.text}\n\t}`;
      const [s0, e0] = [n.startIndex, n.endIndex];
      out.push({ kind, fn: f.name, what: `split \`if (${inner.text.replace(/\s+/g, ' ').slice(0, 60)})\` in ${f.name}() into nested ifs`, apply: (t) => splice(t, s0, e0, repl) });
    });
  }
  if (kind === 'invert-else') {
    walk(f.body, (n) => {
      if (n.type !== 'if_statement') return;
      const alt = n.childForFieldName('alternative');
      const cond = n.childForFieldName('condition');
      const cons = n.childForFieldName('consequence');
      const other = alt?.type === 'else_clause' ? alt.namedChildren[0] : alt;
      if (!alt || !cond || !cons || !other) return;
      // Braces keep a dangling `else` where it was; a compound body in braces is the same code.
      const repl = `if (!${cond.text}) {\n${other.text}\n} else {\n${cons.text}\n}`;
      const [s0, e0] = [n.startIndex, n.endIndex];
      out.push({ kind, fn: f.name, what: `invert \`if ${cond.text.replace(/\s+/g, ' ').slice(0, 60)} … else …\` in ${f.name}()`, apply: (t) => splice(t, s0, e0, repl) });
    });
  }
  if (kind === 'parens') {
    walk(f.body, (n) => {
      if (n.type !== 'if_statement') return;
      const cond = n.childForFieldName('condition');
      if (!cond || cond.type !== 'parenthesized_expression') return;
      const [s0, e0, text0] = [cond.startIndex, cond.endIndex, cond.text];
      out.push({ kind, fn: f.name, what: `parenthesise \`if ${text0.replace(/\s+/g, ' ').slice(0, 60)}\` in ${f.name}()`, apply: (t) => splice(t, s0, e0, `(${text0})`) });
    });
  }
  if (kind === 'comments') {
    const [bs, be, bodyText] = [f.body.startIndex, f.body.endIndex, f.body.text];
    out.push({
      kind,
      fn: f.name,
      what: `comments, blank lines and indentation added in ${f.name}()`,
      apply: (t) => {
        const lines = bodyText.split('\n');
        const edited = lines.map((l, i) => (i > 0 && i < lines.length - 1 && /;\s*$/.test(l) && i % 3 === 0 ? `${l} /* reviewed */\n` : i > 0 && i < lines.length - 1 && l.trim() ? ` ${l}` : l)).join('\n');
        return splice(t, bs, be, `/* precision suite: comment before the body */\n${edited}`);
      },
    });
  }
  return out;
}

/** The default matrix simulated on a loaded tree (ScenarioResult[]). */
export function matrixOn(api, tree) {
  return api.simulateAll(api.defaultMatrix(), { image: tree.image, profile: tree.profile, constant: tree.constant });
}

/**
 * Behaviour-preserving edits of the write-path functions of a loaded tree: `perKind`
 * per kind (fewer where the tree has fewer candidates), chosen deterministically.
 * Returns `{ file, kind, fn, what, before, after }[]` (file texts).
 */
export function generateEdits({ api, parser, tree, perKind, seed = 13, results = matrixOn(api, tree) }) {
  // The functions the default matrix runs, from a simulation of the tree's own C.
  const onPath = new Set(results.flatMap((r) => r.functions));
  const rng = mulberry32(seed); // deterministic: the same edits on every run
  const edits = [];
  for (const kind of KINDS) {
    const pool = [];
    for (const file of FILES) {
      const text = tree.texts.get(file);
      if (!text) continue;
      const parsed = parser.parse(text);
      try {
        for (const f of functionsOf(parsed)) if (onPath.has(f.name)) for (const c of candidates(kind, f, text, file)) pool.push({ file, text, ...c });
      } finally {
        parsed.delete();
      }
    }
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    for (const c of pool.slice(0, perKind)) {
      const after = c.apply(c.text);
      if (after !== c.text) edits.push({ file: c.file, kind: c.kind, fn: c.fn, what: c.what, before: c.text, after });
    }
  }
  return edits;
}

/** `diff -u` of one file's two texts, labelled as a git patch would be. */
export function unifiedDiff(file, before, after) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-precision-'));
  try {
    writeFileSync(join(dir, 'a'), before);
    writeFileSync(join(dir, 'b'), after);
    const r = spawnSync('diff', ['-u', '--label', `a/${file}`, '--label', `b/${file}`, join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 1) throw new Error(`diff -u: status ${r.status} ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Review each edit against its tree. Returns one row per edit:
 * `{ kind, fn, what, changes, findings, unknown, summary }` where `changes`/`findings`
 * count what the review reported (both must be 0 for a behaviour-preserving edit).
 */
export function reviewEdits({ api, parser, base, edits }) {
  return edits.map((e) => {
    const session = api.reviewPatch(unifiedDiff(e.file, e.before, e.after), { parser, base, scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
    try {
      const hunks = session.result.files.flatMap((f) => f.hunks);
      return {
        kind: e.kind,
        fn: e.fn,
        what: e.what,
        changes: hunks.reduce((n, h) => n + h.changes.length, 0),
        findings: hunks.reduce((n, h) => n + h.findings.filter((x) => x.status !== 'still').length, 0),
        unknown: session.result.unknownScenarios,
        problems: session.result.problems.filter((p) => p.severity !== 'information').map((p) => p.message),
        summary: hunks.find((h) => h.changes.length || h.findings.length)?.summary ?? hunks[0]?.summary ?? '(no hunk)',
      };
    } finally {
      session.dispose?.();
    }
  });
}

function toBase(k) {
  const v = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : undefined;
  return { root: k.root, version: v, texts: k.texts, files: k.files, profile: k.profile, profileWhy: k.profileWhy, constant: k.constant, headers: k.image.headers };
}

async function main(argv) {
  const opt = { perKind: 25, trees: ['6.1', '6.12', '7.2'], json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--per-kind') opt.perKind = Number(argv[++i]);
    else if (argv[i] === '--trees') opt.trees = argv[++i].split(',');
    else if (argv[i] === '--json') opt.json = true;
    else {
      process.stderr.write(`usage: node scripts/precision.mjs [--per-kind N] [--trees 6.1,6.12,7.2] [--json]\n`);
      return 2;
    }
  }
  const api = require(join(ROOT, 'dist', 'api.js'));
  const parser = await api.getParser();
  const rows = [];
  const perTree = [];
  for (const v of opt.trees) {
    const dir = api.cachedKernel(v);
    if (!dir) {
      process.stderr.write(`precision: no cached ${v} tree (npm run fetch-kernels); skipped\n`);
      continue;
    }
    const tree = api.loadKernelTree(dir, parser);
    const t0 = Date.now();
    const results = matrixOn(api, tree);
    const unknown = results.filter((r) => r.outcome.inconclusive || r.outcome.unknowns?.length);
    if (unknown.length) {
      // Edits there review as "cannot tell" (correctly), which measures nothing.
      process.stderr.write(`precision: ${v}: ${unknown.length} of ${results.length} default-matrix scenarios cannot tell on the unedited tree; skipped\n`);
      perTree.push({ tree: v, edits: 0, falseChanges: 0, unknown: unknown.length, seconds: (Date.now() - t0) / 1000, skipped: true });
      continue;
    }
    const edits = generateEdits({ api, parser, tree, perKind: opt.perKind, results });
    const reviewed = reviewEdits({ api, parser, base: toBase(tree), edits });
    for (const r of reviewed) rows.push({ tree: v, ...r });
    const bad = reviewed.filter((r) => r.changes || r.findings).length;
    perTree.push({ tree: v, edits: reviewed.length, falseChanges: bad, unknown: reviewed.filter((r) => r.unknown).length, seconds: (Date.now() - t0) / 1000 });
  }
  const falseChanges = rows.filter((r) => r.changes || r.findings);
  if (opt.json) process.stdout.write(`${JSON.stringify({ perTree, rows }, null, 1)}\n`);
  else {
    process.stdout.write('precision suite: behaviour-preserving edits of the write-path C, each reviewed against its own tree\n\n');
    process.stdout.write('tree   edits  false changes  with unknowns  seconds\n');
    for (const p of perTree) process.stdout.write(p.skipped ? `${p.tree.padEnd(6)} skipped: ${p.unknown} default-matrix scenarios cannot tell on the unedited tree\n` : `${p.tree.padEnd(6)} ${String(p.edits).padStart(5)}  ${String(p.falseChanges).padStart(13)}  ${String(p.unknown).padStart(13)}  ${p.seconds.toFixed(1).padStart(7)}\n`);
    const byKind = KINDS.map((k) => `${k} ${rows.filter((r) => r.kind === k).length} (${rows.filter((r) => r.kind === k && (r.changes || r.findings)).length} false)`);
    process.stdout.write(`\nby kind: ${byKind.join(', ')}\n`);
    process.stdout.write(`total: ${rows.length} edits, ${falseChanges.length} false changes (target 0)\n`);
    for (const r of falseChanges) process.stdout.write(`  FALSE CHANGE ${r.tree} ${r.what}: ${r.summary}\n`);
  }
  return falseChanges.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((c) => (process.exitCode = c));
}
