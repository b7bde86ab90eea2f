// Header C from the tree (issue 11): the static inlines and macros of the headers the
// interpreted files include run as C — after the TypeScript model, before an assumption —
// and what header code cannot evaluate is "cannot tell", never a 0. First on a small tree
// written here (our own C), then on the fetched Debian 7.2 tree and a scratch copy of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, editedTree, fetchedVersions, kernelDir, lineOf, need, parser } from './helpers.mjs';

// ------------------------------------------------------------------ a tree written here

const HEADER = `#ifndef _T_EXT4_H
#define _T_EXT4_H
#include <linux/t_fs.h>

/* A comment with a fake #define NOT_A_MACRO(x) 1 inside. */
#define TWICE(v)	((v) * 2)
#define SUM2(p, q)	((p) + (q))
#define ADD3(a, ...)	((a) + SUM2(__VA_ARGS__))
#define TO_BYTES(b, bits) ((loff_t)(b) << (bits))
#define SET_TO(var, v) \\
	do { (var) = (v) + 1; } while (0)
#define NEEDS_UNKNOWN(x) ((x) + ext4wp_no_such_symbol)
#define BLKBITS(i)	((i)->i_blkbits)
#define NOT_HELD(i)	((i)->i_no_such_field)
#define recur(x)	(recur(x) + 100)
#define MAXI(a, b)	({ int _a = (a); int _b = (b); _a > _b ? _a : _b; })
#ifdef CONFIG_FS_DAX
#define CFG_VALUE 1
#else
#define CFG_VALUE 2
#endif

#if BITS_PER_LONG == 32
static inline int helper_inline(int x)
{
	return -1;
}
#else
static __always_inline int helper_inline(int x)
{
	if (x > 10)
		return x - 10;
	return TWICE(x);
}
#endif

static inline int recur(int x) { return x; }
static inline int shadowed(void) { return 2; }
/* Stands in for the model's i_size_read(): must not be used (the model is the substrate). */
static inline long long i_size_read(const struct inode *inode) { return 12345; }
static inline int calls_nothing_known(int x) { return ext4wp_no_such_function(x); }
#endif
`;

const FILE_C = `#include <linux/t_fs.h>
#include "ext4.h"

int t_macro(int x) { return TWICE(x) + ADD3(x, 1, 2); }
long long t_cast(unsigned int b) { return TO_BYTES(b, 40); }
int t_inline(int x) { return helper_inline(x); }
int t_config(void) { return CFG_VALUE; }
int t_stmt(int x) { int y = 0; SET_TO(y, x); return y; }
int t_stmtexpr(int x) { return MAXI(x, 7) + MAXI(1, x); }
int t_comment(int x) { return TWICE(x // a comment in the argument
); }
int t_recur(int x) { return recur(x); }
int shadowed(void) { return 1; }
int t_shadowed(void) { return shadowed(); }
long long t_model(struct inode *inode) { return i_size_read(inode); }
int t_blkbits(struct inode *inode) { return BLKBITS(inode); }
int t_not_held(struct inode *inode) { return NOT_HELD(inode); }
int t_unknown(int x) { return NEEDS_UNKNOWN(x); }
int t_unknown_call(int x) { return calls_nothing_known(x); }
int t_nothing(int x) { return no_header_has_this(x); }
`;

/** A minimal tree: Makefile, fs/ext4/{file,inode}.c, fs/ext4/ext4.h and one linux header. */
function smallTree(t) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-headers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'fs', 'ext4'), { recursive: true });
  mkdirSync(join(dir, 'include', 'linux'), { recursive: true });
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n');
  writeFileSync(join(dir, 'fs', 'ext4', 'file.c'), FILE_C);
  writeFileSync(join(dir, 'fs', 'ext4', 'inode.c'), '#include "ext4.h"\n');
  writeFileSync(join(dir, 'fs', 'ext4', 'ext4.h'), HEADER);
  writeFileSync(join(dir, 'include', 'linux', 't_fs.h'), '#define T_FS_MACRO(x) ((x) + 7)\n');
  return dir;
}

/** Run `fn(args)` of the small tree through the engine's interpreter and host. */
async function call(t, fn, args = []) {
  const k = api.loadKernelTree(smallTree(t), await parser());
  const s = api.normalizeScenario({ id: 't', inode: { size: 65536 } });
  const w = new api.World(s, k.profile, (n) => k.constant(n) ?? 0n);
  const host = api.makeHostForTest(w, k.constant);
  const it = new api.Interpreter(k.image, host, new api.Trace(), api.DEFAULT_LIMITS);
  host.bind(it);
  const vals = args.map((a) => (a === 'inode' ? { k: 'obj', obj: w.objects.inode } : { k: 'int', v: BigInt(a), t: { bits: 32, signed: true, name: 'int' } }));
  const v = it.call(fn, vals);
  return { value: v.k === 'int' ? v.v : v, it, k };
}

test('#if conditions: integer comparisons of known values, three-valued with unknown symbols', () => {
  const c = api.DEFAULT_PREPROC_CONFIG;
  const ev = (x) => api.evalPreprocCondition(x, c);
  assert.equal(ev('BITS_PER_LONG == 32 && defined(CONFIG_SMP)'), false);
  assert.equal(ev('BITS_PER_LONG > 32'), true);
  assert.equal(ev('CONFIG_PAGE_SHIFT == 12'), true);
  assert.equal(ev('defined(__KERNEL__)'), true);
  assert.equal(ev('CONFIG_EXT4WP_NOT_SET'), false, 'an undefined CONFIG_ symbol is 0, as cpp reads it');
  assert.equal(ev('SOME_HEADER_MACRO > 1'), 'unknown', 'a symbol the config does not know is not guessed');
  assert.equal(ev('0 && SOME_HEADER_MACRO'), false);
  assert.equal(ev('defined(CONFIG_FS_DAX) || SOME_HEADER_MACRO'), true);
  assert.equal(ev('SOME_HEADER_MACRO || 0'), 'unknown');
});

test('header scan: the includes are followed from the interpreted files, comments and false #if branches are not the tree\'s', async (t) => {
  const k = api.loadKernelTree(smallTree(t), await parser());
  const h = k.image.headers;
  assert.deepEqual([...h.headers()], ['include/linux/t_fs.h', 'fs/ext4/ext4.h']);
  assert.equal(h.lookupMacro('NOT_A_MACRO'), undefined, 'a #define inside a comment is not a macro');
  assert.equal(h.lookupMacro('CFG_VALUE').body, '1', 'CONFIG_FS_DAX is set: the #else alternative is not taken');
  const helper = h.lookupFunction('helper_inline');
  assert.equal(helper.displayPath, 'fs/ext4/ext4.h');
  assert.equal(helper.def.row + helper.lineBase, HEADER.split('\n').indexOf('static __always_inline int helper_inline(int x)') + 1, 'the 64-bit definition, at its line in the header');
  assert.deepEqual(h.lookupMacro('ADD3').params, ['a', '__VA_ARGS__']);
  assert.equal(h.lookupMacro('T_FS_MACRO').path, 'include/linux/t_fs.h');
});

test('function-like macros expand at the call and evaluate in the caller\'s scope', async (t) => {
  assert.equal((await call(t, 't_macro', [5])).value, 10n + 8n, 'TWICE(5) + ADD3(5, 1, 2) through SUM2(__VA_ARGS__)');
  assert.equal((await call(t, 't_cast', [1])).value, 1n << 40n, '(loff_t)(b) is a cast, not a call: 64-bit shift');
  assert.equal((await call(t, 't_stmt', [4])).value, 5n, 'a do { } while (0) macro writes the caller\'s local');
  assert.equal((await call(t, 't_config')).value, 1n, 'object-like macro from the header');
  assert.equal((await call(t, 't_stmtexpr', [3])).value, 7n + 3n, 'a ({ … }) statement expression gives its last expression');
  assert.equal((await call(t, 't_comment', [4])).value, 8n, 'a // comment in an argument does not swallow the expansion');
  assert.equal((await call(t, 't_recur', [1])).value, 101n, 'a macro is not expanded inside itself: the inner recur() is the inline');
  const r = await call(t, 't_macro', [5]);
  const step = r.it.trace.steps.find((s) => s.kind === 'call' && s.fn === 'TWICE');
  assert.equal(step.file, 'fs/ext4/ext4.h');
  assert.equal(step.line, HEADER.split('\n').findIndex((l) => l.startsWith('#define TWICE(')) + 1);
  assert.deepEqual(r.it.assumptions, []);
});

test('static inlines of the headers run as C, after the model and after the image\'s own C', async (t) => {
  assert.equal((await call(t, 't_inline', [3])).value, 6n);
  assert.equal((await call(t, 't_inline', [15])).value, 5n);
  assert.equal((await call(t, 't_shadowed')).value, 1n, 'the .c definition wins over a header inline of the same name');
  assert.equal((await call(t, 't_model', ['inode'])).value, 65536n, 'i_size_read() stays the model (the header inline says 12345)');
  assert.equal((await call(t, 't_blkbits', ['inode'])).value, 12n, 'a field the model holds');
  const r = await call(t, 't_inline', [3]);
  assert.ok(r.it.entered.has('helper_inline'));
  assert.ok(r.it.linesRun.get('fs/ext4/ext4.h')?.size > 0, 'header lines are recorded as run');
});

test('header code that needs what cannot be evaluated is "cannot tell", never 0', async (t) => {
  await assert.rejects(call(t, 't_unknown', [1]), (e) => e instanceof api.Inconclusive && /cannot tell what NEEDS_UNKNOWN\(\) gives: identifier ext4wp_no_such_symbol is unknown/.test(e.message));
  await assert.rejects(call(t, 't_not_held', ['inode']), (e) => e instanceof api.Inconclusive && /cannot tell what NOT_HELD\(\) gives: .*i_no_such_field/.test(e.message));
  await assert.rejects(call(t, 't_unknown_call', [1]), (e) => e instanceof api.Inconclusive && /cannot tell what calls_nothing_known\(\) gives: ext4wp_no_such_function\(\) has no C and no model/.test(e.message));
  // Outside header code a name nobody has stays what it was: an explicit assumption.
  const r = await call(t, 't_nothing', [1]);
  assert.ok(r.it.assumptions.some((a) => a.startsWith('no_header_has_this(): no C and no model')));
});

// ------------------------------------------------------------------ Linux 7.2 (Debian sid)

test('fetch-kernels records the versions it fetched, 7.2 included', (t) => {
  const v = fetchedVersions();
  if (!need(t, v && kernelDir('7.2'), 'Debian linux-source-7.2 tree (npm run fetch-kernels)')) return;
  for (const tree of ['6.1', '6.12', '7.2']) {
    if (!kernelDir(tree)) continue;
    const m = readFileSync(join(kernelDir(tree), 'Makefile'), 'utf8');
    const kv = ['VERSION', 'PATCHLEVEL', 'SUBLEVEL'].map((f) => new RegExp(`^${f} = (\\d+)`, 'm').exec(m)[1]).join('.');
    assert.equal(v[tree].kernel, kv, `${tree}: versions.json agrees with the tree's Makefile`);
    assert.ok(v[tree].kernel.startsWith(`${tree}.`), `${tree}: a ${tree} point release (${v[tree].kernel})`);
  }
  assert.equal(v['7.2'].suite, 'sid');
});

test('7.2: EXT4_LBLK_TO_B() is evaluated from the tree\'s ext4.h; no DIO scenario of the default matrix is inconclusive', async (t) => {
  if (!need(t, kernelDir('7.2'), 'Debian linux-source-7.2 tree')) return;
  const k = api.loadKernelTree(kernelDir('7.2'), await parser());
  const m = k.image.headers.lookupMacro('EXT4_LBLK_TO_B');
  assert.equal(m.path, 'fs/ext4/ext4.h');
  const headerLines = readFileSync(join(kernelDir('7.2'), 'fs/ext4/ext4.h'), 'utf8').split('\n');
  assert.equal(m.line, headerLines.findIndex((l) => l.startsWith('#define EXT4_LBLK_TO_B(')) + 1);
  const results = api.simulateAll(api.defaultMatrix(), { image: k.image, profile: k.profile, constant: k.constant });
  const dio = results.filter((r) => r.id.startsWith('dio-'));
  assert.ok(dio.length > 50, `${dio.length} DIO scenarios`);
  for (const r of results) {
    assert.ok(!r.outcome.assumptions.some((a) => a.includes('EXT4_LBLK_TO_B')), `${r.id}: ${r.outcome.assumptions.join('; ')}`);
    assert.ok(!r.outcome.assumptions.some((a) => /no C and no model/.test(a)), `${r.id}: ${r.outcome.assumptions.join('; ')}`);
  }
  for (const r of dio) assert.equal(r.outcome.inconclusive, undefined, `${r.id}: ${r.outcome.inconclusive}`);
  // ext4_set_iomap() sets iomap->offset from the macro: the step is at the #define's line.
  const setIomap = lineOf(k, 'fs/ext4/inode.c', 'iomap->offset = EXT4_LBLK_TO_B(inode, map->m_lblk);');
  const r = results.find((x) => x.id === 'dio-sync-al-written-warm');
  assert.equal(r.outcome.path, 'dio');
  const step = r.trace.find((s) => s.kind === 'call' && s.fn === 'EXT4_LBLK_TO_B');
  assert.ok(step, 'the macro ran');
  assert.equal(step.file, 'fs/ext4/ext4.h');
  assert.equal(step.line, m.line);
  assert.ok(r.linesRun['fs/ext4/inode.c'].includes(setIomap));
});

test('7.2 scratch copy: the header inline behind EXT4_LBLK_TO_B() decides the outcome', async (t) => {
  if (!need(t, kernelDir('7.2'), 'Debian linux-source-7.2 tree')) return;
  const p = await parser();
  const original = '#define EXT4_LBLK_TO_B(inode, lblk) ((loff_t)(lblk) << (inode)->i_blkbits)';
  // The macro made into a call of a static inline of the same header, with `shift` added.
  const withInline = (shift) => (text) => {
    assert.ok(text.includes(original), 'the 7.2 definition of EXT4_LBLK_TO_B');
    return text.replace(original, [
      'static inline loff_t ext4wp_lblk_to_b(struct inode *inode, ext4_lblk_t lblk)',
      '{',
      `\treturn (loff_t)lblk << (inode->i_blkbits${shift});`,
      '}',
      '#define EXT4_LBLK_TO_B(inode, lblk) ext4wp_lblk_to_b(inode, lblk)',
    ].join('\n'));
  };
  const matrix = api.defaultMatrix();
  const sim = (dir) => {
    const k = api.loadKernelTree(dir, p);
    return api.simulateAll(matrix, { image: k.image, profile: k.profile, constant: k.constant });
  };
  const fields = (r) => JSON.stringify({ ...r.outcome, assumptions: undefined });
  const base = sim(kernelDir('7.2'));
  // The same computation as an inline: the same outcomes, and the inline is what ran.
  const same = sim(editedTree(t, '7.2', 'fs/ext4/ext4.h', withInline('')));
  same.forEach((r, i) => assert.equal(fields(r), fields(base[i]), r.id));
  const w = same.find((r) => r.id === 'dio-sync-al-written-warm');
  const step = w.trace.find((s) => s.kind === 'call' && s.fn === 'ext4wp_lblk_to_b');
  assert.ok(step && step.file === 'fs/ext4/ext4.h', 'the static inline ran from the edited header');
  // Byte offsets twice too large: the C of the edited header changes what the write does.
  const edited = sim(editedTree(t, '7.2', 'fs/ext4/ext4.h', withInline(' + 1')));
  const changed = edited.filter((r, i) => fields(r) !== fields(base[i]));
  assert.ok(changed.length > 0, 'some outcome changes');
  for (const r of changed) assert.ok(r.functions.includes('ext4wp_lblk_to_b'), `${r.id} ran the edited inline`);
  for (const r of edited) if (!r.functions.includes('ext4wp_lblk_to_b')) assert.equal(fields(r), fields(base[edited.indexOf(r)]), `${r.id} did not run it and is unchanged`);
});
