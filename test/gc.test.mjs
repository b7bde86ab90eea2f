// Regression: a finished run's objects die young. Lazily formatted results once kept
// their run (trace, world, interpreter) alive through every young-generation GC: a getter
// closure per result sat in the hidden-class transition V8 made for it, a weak edge its
// scavenger treats as strong. A quarter of everything a run allocated then survived each
// scavenge, and scavenges became the matrix's longest pauses (engine/simulate.ts lazyProperty()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { api, kernel, kernelDir, need } from './helpers.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;

test('regression (6.12): what finished runs allocated does not survive a young-generation GC', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian linux-source-6.12 tree')) return;
  const k = await kernel('6.12');
  const ctx = { image: k.image, profile: k.profile, constant: k.constant };
  const matrix = api.defaultMatrix();
  for (const s of matrix) api.simulate(s, ctx); // lower the functions the runs reach: long-lived, not under test
  let measured = false;
  for (let attempt = 0; attempt < 5 && !measured; attempt++) {
    gc();
    const before = newSpace();
    // A result is read as callers read it (outcome), then dropped.
    for (const s of matrix.slice(0, 12)) assert.ok(api.simulate(s, ctx).outcome.path);
    const allocated = newSpace() - before;
    if (allocated < 1 << 20) continue; // a scavenge ran meanwhile: measure again
    gc({ type: 'minor' });
    const kept = newSpace();
    measured = true;
    assert.ok(kept < allocated * 0.05, `${(kept / 1024).toFixed(0)} KiB of ${(allocated / 1024).toFixed(0)} KiB survived`);
  }
  assert.ok(measured, 'no quiet window to measure in');
});
