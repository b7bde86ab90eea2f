// Editing the real C changes the outcome as predicted: the engine computes behaviour from
// the code, it does not look it up. Each test copies a Debian tree's write-path files into
// a temp dir, edits one function, and compares against the unedited tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { api, kernel, kernelDir, need, parser, run } from './helpers.mjs';

const L = 'WWWWUUUU____WWWW';
const BS = 4096;

/** Copy what loadKernelTree reads into a temp tree, apply `edit` to one file, load it. */
async function editedTree(version, file, edit) {
  const src = kernelDir(version);
  const dst = mkdtempSync(join(tmpdir(), `ext4wp-edit-${version}-`));
  for (const rel of ['Makefile', ...api.INTERPRETED_FILES, ...api.CONSTANT_HEADERS]) {
    mkdirSync(dirname(join(dst, rel)), { recursive: true });
    try {
      cpSync(join(src, rel), join(dst, rel));
    } catch {
      /* a header this version lacks */
    }
  }
  const path = join(dst, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit changed ${file}`);
  writeFileSync(path, after);
  const k = api.loadKernelTree(dst, await parser());
  return { k, cleanup: () => rmSync(dst, { recursive: true, force: true }) };
}

/** Swap the EXT4_MAP_UNWRITTEN / EXT4_MAP_MAPPED tests in ext4_set_iomap(). */
function swapUnwrittenMapped(text) {
  const start = text.indexOf('static void ext4_set_iomap(');
  const end = text.indexOf('\n}\n', start);
  const fn = text.slice(start, end);
  const swapped = fn
    .replace('if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;', '@@A@@')
    .replace('} else if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;', '} else if (map->m_flags & EXT4_MAP_UNWRITTEN) {\n\t\tiomap->type = IOMAP_UNWRITTEN;')
    .replace('@@A@@', 'if (map->m_flags & EXT4_MAP_MAPPED) {\n\t\tiomap->type = IOMAP_MAPPED;');
  return text.slice(0, start) + swapped + text.slice(end);
}

/** Remove the IOMAP_DIO_FORCE_WAIT request for extending/unaligned DIO (6.12 assignment, 6.1 ternary). */
function dropForceWait(text) {
  return text
    .replace(/\n\t\t\*dio_flags = IOMAP_DIO_FORCE_WAIT;/, '\n')
    .replace('(unaligned_io || extend) ? IOMAP_DIO_FORCE_WAIT : 0', '0');
}

for (const v of ['6.1', '6.12']) {
  test(`${v}: testing EXT4_MAP_MAPPED before EXT4_MAP_UNWRITTEN in ext4_set_iomap() leaves unwritten extents unconverted`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [
      { id: 'hole', request: { pos: 9 * BS, len: BS }, inode: { blocks: L } },
      { id: 'hole-aio', request: { aio: true, pos: 9 * BS, len: BS }, inode: { blocks: L } },
    ];
    const base = run(await kernel(v), inputs);
    const { k, cleanup } = await editedTree(v, 'fs/ext4/inode.c', swapUnwrittenMapped);
    try {
      const edited = run(k, inputs);
      for (const id of ['hole', 'hole-aio']) {
        assert.equal(base[id].outcome.unwrittenConverted, true, `unedited ${id} converts`);
        assert.deepEqual(base[id].outcome.findings, [], `unedited ${id} is clean`);
        assert.equal(edited[id].outcome.dioUnwritten, false, `${id}: IOMAP_DIO_UNWRITTEN no longer reaches end_io`);
        assert.equal(edited[id].outcome.unwrittenConverted, false, id);
        assert.equal(edited[id].outcome.unwrittenLeft, true, id);
        assert.deepEqual(edited[id].outcome.iomapTypes, ['IOMAP_MAPPED'], id);
        assert.ok(edited[id].outcome.findings.some((f) => f.code === 'unwritten-unconverted'), `${id}: ${JSON.stringify(edited[id].outcome.findings)}`);
      }
    } finally {
      cleanup();
    }
  });

  test(`${v}: dropping IOMAP_DIO_FORCE_WAIT leaves an extending AIO unwaited`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const inputs = [{ id: 'extend-aio', request: { aio: true, pos: 16 * BS, len: BS }, inode: { blocks: L } }];
    const base = run(await kernel(v), inputs)['extend-aio'];
    const { k, cleanup } = await editedTree(v, 'fs/ext4/file.c', dropForceWait);
    try {
      const edited = run(k, inputs)['extend-aio'];
      assert.equal(base.outcome.ret, 4096);
      assert.ok(base.outcome.waits.includes('IOMAP_DIO_FORCE_WAIT'));
      assert.ok(!base.outcome.findings.some((f) => f.code === 'extend-unwaited'));
      assert.equal(edited.outcome.ret, '-EIOCBQUEUED');
      assert.ok(!edited.outcome.waits.includes('IOMAP_DIO_FORCE_WAIT'));
      assert.ok(edited.outcome.findings.some((f) => f.code === 'extend-unwaited'), JSON.stringify(edited.outcome.findings));
      // The C's own guard fires too: WARN_ON_ONCE(ret == -EIOCBQUEUED) after iomap_dio_rw().
      assert.ok(edited.trace.some((s) => s.kind === 'warn' && s.text.includes('-EIOCBQUEUED')));
    } finally {
      cleanup();
    }
  });
}
