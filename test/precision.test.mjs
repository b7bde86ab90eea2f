// Issue 13 §7, the precision suite in small: behaviour-preserving edits of the real trees'
// write-path C (scripts/precision.mjs generates them at run time) must review as no
// change and no finding. `npm run precision` runs the full set (≥ 200 edits); this test
// runs 4 per kind per tree, plus a control showing the same pipeline reports a real change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDir, need, parser, toBase } from './helpers.mjs';
import { generateEdits, KINDS, matrixOn, reviewEdits } from '../scripts/precision.mjs';

for (const v of ['6.1', '6.12', '7.2']) {
  test(`precision on ${v}: behaviour-preserving edits report no change and no finding`, async (t) => {
    if (!need(t, kernelDir(v), `the Debian ${v} tree (npm run fetch-kernels)`)) return;
    const tree = await kernel(v);
    const p = await parser();
    const results = matrixOn(api, tree);
    // Where the unedited tree's own matrix cannot tell (a callee with no C, a bound), no
    // edit can be judged there: the review says "cannot tell", which the rule requires,
    // and the suite has nothing to measure (issue 11 makes 7.2 conclusive).
    const unknown = results.filter((r) => r.outcome.inconclusive || r.outcome.unknowns?.length);
    if (unknown.length) {
      t.skip(`${v}: ${unknown.length} of ${results.length} default-matrix scenarios cannot tell on the unedited tree (${unknown[0].outcome.inconclusive ?? unknown[0].outcome.unknowns[0]})`);
      return;
    }
    const edits = generateEdits({ api, parser: p, tree, perKind: 4, results });
    // Every kind finds candidates on the real write path.
    for (const k of KINDS) assert.ok(edits.some((e) => e.kind === k), `${v}: no ${k} edit generated`);
    const rows = reviewEdits({ api, parser: p, base: toBase(tree), edits });
    const bad = rows.filter((r) => r.changes || r.findings);
    assert.deepEqual(bad.map((r) => `${r.what}: ${r.summary}`), []);
    // The edits were simulated, not skipped: each names scenarios that ran it.
    for (const r of rows) assert.match(r.summary, /no write-path change in \d+ scenarios/, r.what);
  });
}

test('control: the same pipeline reports a behaviour change (overwrite forced false)', async (t) => {
  if (!need(t, kernelDir('6.12'), 'the Debian 6.12 tree')) return;
  const tree = await kernel('6.12');
  const file = 'fs/ext4/file.c';
  const before = tree.texts.get(file);
  const after = before.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = false;');
  assert.notEqual(after, before);
  const [row] = reviewEdits({ api, parser: await parser(), base: toBase(tree), edits: [{ file, kind: 'control', fn: 'ext4_dio_write_checks', what: 'overwrite = false', before, after }] });
  assert.ok(row.changes > 0, row.summary);
});
