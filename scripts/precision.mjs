// The precision suite (issue 13 §7): behaviour-preserving edits of the write-path C of
// the real Debian trees, generated here at run time, each reviewed as a patch against
// its own tree. A behaviour-preserving edit must report no change and no finding in any
// scenario; every one that does is a false change, and the target is zero.
//
//   npm run precision [-- --per-kind N] [--trees 6.1,6.12,7.2] [--json] [--no-recall]
//
// Then the recall half: every real per-function change between consecutive trees
// (realChangeEdits), applied alone to the older tree, should report a change; each that
// does not is listed with whether any scenario ran it.
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
      // Uses, not mentions: a comment naming the function (ext4_release_file()'s "from
      // ext4_file_open: …") is left as it is, or the rename would touch a function no
      // scenario runs and the edit could not be judged.
      const re = new RegExp(`\\b${f.name}\\b`, 'g');
      const apply = (t) => t.split(/(\/\*[\s\S]*?\*\/|\/\/[^\n]*)/).map((part, i) => (i % 2 ? part : part.replace(re, fresh))).join('');
      out.push({ kind, fn: f.name, what: `rename ${f.name}() → ${fresh}() and its uses in ${file}`, apply });
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
        // Scenarios that ran the edited code (0: no scenario reaches it).
        ran: Math.max(0, ...hunks.map((h) => h.scenariosRun ?? 0)),
        problems: session.result.problems.filter((p) => p.severity !== 'information').map((p) => p.message),
        summary: hunks.find((h) => h.changes.length || h.findings.length)?.summary ?? hunks.find((h) => h.functions.length)?.summary ?? hunks[0]?.summary ?? '(no hunk)',
      };
    } finally {
      session.dispose?.();
    }
  });
}

/** A function's text with comments and whitespace runs removed: what a real change must differ in. */
function normalised(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Names called in a node's text (identifiers before `(`), a superset of its callees. */
function calledNames(text) {
  return new Set([...text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]));
}

/**
 * The recall half of the suite: the real per-function changes between two Debian trees.
 * Every write-path function (run by the default matrix on either tree) of FILES that both
 * trees define and whose text differs beyond comments and whitespace is changed; changed
 * functions joined by a call to one whose parameter count changed form one group (6.12's
 * ext4_dio_write_checks() takes 4 arguments where 6.1's took 6, so its caller changes with
 * it: either alone does not build). One edit per group: the older file with the group's
 * functions replaced by the newer tree's versions, plus the newer file's functions they call
 * that the older file lacks (transitively), inserted before the first of them.
 * Returns `{ file, kind: 'real', fn, fns, what, before, after, added }[]`.
 */
export function realChangeEdits({ api, parser, older, newer, onPath }) {
  const edits = [];
  const arity = (f) => paramNames(f.decl)?.length ?? -1;
  for (const file of FILES) {
    const oldText = older.texts.get(file);
    const newText = newer.texts.get(file);
    if (!oldText || !newText) continue;
    const po = parser.parse(oldText);
    const pn = parser.parse(newText);
    try {
      const oldFns = new Map(functionsOf(po).map((f) => [f.name, f]));
      const newFns = new Map(functionsOf(pn).map((f) => [f.name, f]));
      const changed = [...newFns.keys()].filter((n) => oldFns.has(n) && onPath.has(n) && normalised(oldFns.get(n).node.text) !== normalised(newFns.get(n).node.text));
      // Union-find over "calls a changed function whose parameter count changed".
      const parent = new Map(changed.map((n) => [n, n]));
      const find = (n) => (parent.get(n) === n ? n : find(parent.get(n)));
      for (const f of changed) {
        for (const g of calledNames(newFns.get(f).node.text)) {
          if (g !== f && parent.has(g) && arity(oldFns.get(g)) !== arity(newFns.get(g))) parent.set(find(f), find(g));
        }
      }
      const groups = new Map();
      for (const f of changed) groups.set(find(f), [...(groups.get(find(f)) ?? []), f]);
      for (const members of groups.values()) {
        // New helpers the newer versions call, in the newer file's order.
        const need = new Set();
        const queue = members.flatMap((m) => [...calledNames(newFns.get(m).node.text)]);
        while (queue.length) {
          const c = queue.shift();
          if (need.has(c) || oldFns.has(c) || !newFns.has(c)) continue;
          need.add(c);
          queue.push(...calledNames(newFns.get(c).node.text));
        }
        const helpers = [...newFns.values()].filter((f) => need.has(f.name)).map((f) => f.node.text);
        // Replace from the end so earlier offsets stay valid; helpers go before the first member.
        const spans = members.map((m) => oldFns.get(m).node).sort((x, y) => y.startIndex - x.startIndex);
        let after = oldText;
        spans.forEach((n, i) => {
          const first = i === spans.length - 1;
          const name = members.find((m) => oldFns.get(m).node === n);
          after = splice(after, n.startIndex, n.endIndex, [...(first ? helpers : []), newFns.get(name).node.text].join('\n\n'));
        });
        const label = newer.version ? `${newer.version.version}.${newer.version.patchlevel}` : 'the newer tree';
        const names = members.map((m) => `${m}()`).join(' + ');
        edits.push({ file, kind: 'real', fn: members[0], fns: members, what: `${file} ${names} as in ${label}${helpers.length ? ` (+${helpers.length} new helper${helpers.length === 1 ? '' : 's'})` : ''}`, before: oldText, after, added: [...need] });
      }
    } finally {
      po.delete();
      pn.delete();
    }
  }
  return edits;
}

async function main(argv) {
  const opt = { perKind: 25, trees: ['6.1', '6.12', '7.2'], json: false, recall: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--per-kind') opt.perKind = Number(argv[++i]);
    else if (argv[i] === '--trees') opt.trees = argv[++i].split(',');
    else if (argv[i] === '--json') opt.json = true;
    else if (argv[i] === '--no-recall') opt.recall = false;
    else {
      process.stderr.write(`usage: node scripts/precision.mjs [--per-kind N] [--trees 6.1,6.12,7.2] [--json] [--no-recall]\n`);
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
    const reviewed = reviewEdits({ api, parser, base: api.toBase(tree), edits });
    for (const r of reviewed) rows.push({ tree: v, ...r });
    const bad = reviewed.filter((r) => r.changes || r.findings).length;
    perTree.push({ tree: v, edits: reviewed.length, falseChanges: bad, unknown: reviewed.filter((r) => r.unknown).length, seconds: (Date.now() - t0) / 1000 });
  }
  const falseChanges = rows.filter((r) => r.changes || r.findings);
  // The recall half: each real per-function change between consecutive trees, alone.
  const recall = [];
  if (opt.recall) {
    for (let i = 0; i + 1 < opt.trees.length; i++) {
      const [a, b] = [opt.trees[i], opt.trees[i + 1]];
      const [da, db] = [api.cachedKernel(a), api.cachedKernel(b)];
      if (!da || !db) continue;
      const older = api.loadKernelTree(da, parser);
      const newer = api.loadKernelTree(db, parser);
      const onPath = new Set([...matrixOn(api, older), ...matrixOn(api, newer)].flatMap((r) => r.functions));
      const edits = realChangeEdits({ api, parser, older, newer, onPath });
      for (const r of reviewEdits({ api, parser, base: api.toBase(older), edits })) {
        const verdict = r.changes || r.findings ? 'change' : r.unknown ? 'cannot tell' : r.ran ? 'no change (ran)' : 'no change (not run)';
        recall.push({ pair: `${a}→${b}`, verdict, ...r });
      }
    }
  }
  if (opt.json) process.stdout.write(`${JSON.stringify({ perTree, rows, recall }, null, 1)}\n`);
  else {
    process.stdout.write('precision suite: behaviour-preserving edits of the write-path C, each reviewed against its own tree\n\n');
    process.stdout.write('tree   edits  false changes  with unknowns  seconds\n');
    for (const p of perTree) process.stdout.write(p.skipped ? `${p.tree.padEnd(6)} skipped: ${p.unknown} default-matrix scenarios cannot tell on the unedited tree\n` : `${p.tree.padEnd(6)} ${String(p.edits).padStart(5)}  ${String(p.falseChanges).padStart(13)}  ${String(p.unknown).padStart(13)}  ${p.seconds.toFixed(1).padStart(7)}\n`);
    const byKind = KINDS.map((k) => `${k} ${rows.filter((r) => r.kind === k).length} (${rows.filter((r) => r.kind === k && (r.changes || r.findings)).length} false)`);
    process.stdout.write(`\nby kind: ${byKind.join(', ')}\n`);
    process.stdout.write(`total: ${rows.length} edits, ${falseChanges.length} false changes (target 0)\n`);
    for (const r of falseChanges) process.stdout.write(`  FALSE CHANGE ${r.tree} ${r.what}: ${r.summary}\n`);
    if (opt.recall) {
      process.stdout.write('\nrecall: each real per-function change between the trees, applied alone to the older tree\n\n');
      process.stdout.write('pair        functions  change  cannot tell  no change (ran)  no change (not run)\n');
      for (const pair of [...new Set(recall.map((r) => r.pair))]) {
        const rs = recall.filter((r) => r.pair === pair);
        const n = (v) => String(rs.filter((r) => r.verdict === v).length);
        process.stdout.write(`${pair.padEnd(10)}  ${String(rs.length).padStart(9)}  ${n('change').padStart(6)}  ${n('cannot tell').padStart(11)}  ${n('no change (ran)').padStart(15)}  ${n('no change (not run)').padStart(19)}\n`);
      }
      for (const r of recall.filter((x) => x.verdict !== 'change')) process.stdout.write(`  ${r.verdict.toUpperCase()} ${r.pair} ${r.what}: ${r.summary}\n`);
    }
  }
  return falseChanges.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((c) => (process.exitCode = c));
}
