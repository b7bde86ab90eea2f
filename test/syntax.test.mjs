// The C front end on the real trees: the function index, preprocessor guards, ERROR
// tolerance, and freeing tree-sitter trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDir, need, parser } from './helpers.mjs';

const WRITE_PATH = ['ext4_file_write_iter', 'ext4_dio_write_iter', 'ext4_dio_write_checks', 'ext4_buffered_write_iter', 'ext4_should_use_dio', 'ext4_overwrite_io', 'ext4_dio_write_end_io', 'ext4_dax_write_iter'];
const INODE_C = ['ext4_iomap_begin', 'ext4_iomap_alloc', 'ext4_set_iomap', 'ext4_iomap_end', 'ext4_iomap_overwrite_begin', 'ext4_dio_alignment', 'ext4_map_blocks'];

for (const v of ['6.1', '6.12']) {
  test(`${v}: every write-path function is indexed at its real line`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const [file, inode] = k.files;
    for (const name of WRITE_PATH) {
      const e = file.functions.get(name);
      assert.ok(e, `${name} indexed`);
      assert.equal(e.active, true, `${name} active (CONFIG_FS_DAX on)`);
      // The definition starts where the real file has it (the name may sit on the next line).
      const head = k.texts.get('fs/ext4/file.c').split('\n').slice(e.startRow, e.startRow + 2).join(' ');
      assert.ok(head.includes(`${name}(`), `${name} at file.c:${e.startRow + 1}: ${head}`);
    }
    for (const name of INODE_C) assert.ok(inode.functions.get(name), `${name} indexed in inode.c`);
    assert.equal(file.functions.get('ext4_dax_write_iter').guard, 'defined(CONFIG_FS_DAX)');
    assert.deepEqual(file.globals.get('ext4_dio_write_ops').fields, { end_io: 'ext4_dio_write_end_io' });
    assert.deepEqual(inode.globals.get('ext4_iomap_ops').fields, { iomap_begin: 'ext4_iomap_begin', iomap_end: 'ext4_iomap_end' });
    assert.equal(inode.macros.get('DIO_MAX_BLOCKS').body, '4096');
  });
}

test('6.12 inode.c: the min_t(unsigned int, …) mis-parse in ext4_da_map_blocks is reported, not fatal', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const k = await kernel('6.12');
  const inode = k.files[1];
  assert.ok(inode.problems.some((p) => p.message.includes('ext4_da_map_blocks')), JSON.stringify(inode.problems.slice(0, 3)));
  assert.ok(inode.functions.get('ext4_iomap_begin'), 'later functions still indexed');
});

test('dispose() frees the tree; lowered bodies stay usable', async () => {
  const p = await parser();
  const text = 'static int a(void) { return 1; }\nint b(int x) { return x + a(); }\n';
  const f = new api.SourceFile('x.c', text, p);
  f.functionBody('a');
  f.dispose();
  f.dispose(); // idempotent
  assert.ok(f.functionBody('a'), 'a was lowered before the tree was freed');
  assert.equal(f.functionBody('b'), undefined, 'b was not, and the tree is gone');
  const g = new api.SourceFile('x.c', text, p);
  g.lowerAll();
  g.dispose();
  assert.ok(g.functionBody('b'));
  // Many parse/dispose cycles do not grow the WASM heap without bound.
  for (let i = 0; i < 200; i++) new api.SourceFile('x.c', text.repeat(50), p).dispose();
});

// Review ablation cuts text windows out of a file and skips lines that change nothing
// (review.ts buildAblationImage()): both answers come from the file's own parse.
test('neutralRow(): blank and comment-only rows are neutral, code rows are not; itemRows() finds the file-scope item', async () => {
  const text = [
    '/*', //                         0: opens a block comment
    ' * what the helper does', //   1
    ' */', //                       2
    'static int helper(int x)', //  3
    '{', //                         4
    '\treturn x * 2; /* twice */', // 5: code then a comment
    '}', //                         6
    '', //                          7
    '/* one */ /* two */', //       8: only comments
    '#define LIMIT 4 // bound', //  9
    '#ifdef CONFIG_X', //           10
    'int y;', //                    11
    '#endif', //                    12
    '\t', //                        13: blank
  ].join('\n');
  const f = new api.SourceFile('t.c', text, await parser());
  const neutral = [...Array(14).keys()].filter((r) => f.neutralRow(r));
  assert.deepEqual(neutral, [0, 1, 2, 7, 8, 13]);
  assert.deepEqual(f.itemRows(1), [0, 2], 'the block comment holding row 1');
  assert.deepEqual(f.itemRows(5), [3, 6], 'the function holding row 5');
  assert.deepEqual(f.itemRows(7), [7, 7], 'between items');
  assert.deepEqual(f.itemRows(11), [11, 11], 'the declaration inside the #ifdef block, not the block');
  f.dispose();
  assert.equal(f.neutralRow(1), undefined, 'a disposed file cannot tell');
  assert.equal(f.neutralRow(7), true, 'a blank row needs no tree');
});

test('KernelImage: an overlay removal takes a function out of one file only', async () => {
  const p = await parser();
  const a = new api.SourceFile('a.c', 'static int f(void) { return 1; }\nstatic int g(void) { return 2; }\n', p);
  const b = new api.SourceFile('b.c', 'static int f(void) { return 3; }\n', p);
  const both = new api.KernelImage([a, b], new Map([['f', { removedFrom: a }]]));
  assert.equal(both.lookupFunction('f')?.file, b, "b.c's f() still counts");
  assert.equal(both.lookupFunction('g')?.file, a, 'other names untouched');
  const alone = new api.KernelImage([a], new Map([['f', { removedFrom: a }]]));
  assert.equal(alone.lookupFunction('f'), undefined);
  assert.equal(new api.KernelImage([a]).lookupFunction('f')?.file, a, 'without the removal');
  a.dispose();
  b.dispose();
});
