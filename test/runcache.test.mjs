// RunCache: reusing a run is only ever a shortcut. Over a sequence of real edits of the
// real 6.1 → 6.12 diff, a review with the cache must equal, field for field, the review
// without it, and runs whose code an edit did not touch must come from the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDiff, kernelDir, need, parser, toBase } from './helpers.mjs';

test('RunCache: reviews with the cache equal reviews without it, across code edits, an undo and a whitespace edit', async (t) => {
  const k61 = await kernel('6.1');
  if (!need(t, k61 && kernelDir('6.12'), 'Debian linux-source-6.1 and -6.12 trees')) return;
  const p = await parser();
  const diff = kernelDiff(kernelDir('6.1'), kernelDir('6.12'));
  const lines = diff.split('\n');
  const edit = (pred, f) => lines.map((l) => (pred(l) ? f(l) : l)).join('\n');
  // A code edit inside ext4_dio_write_checks(): drop `*extend ||` from the exclusive-lock test.
  const extendAt = lines.findIndex((l) => l.startsWith('+') && l.includes('!IS_NOSEC(inode) || *extend ||'));
  assert.ok(extendAt > 0, 'the diff adds the `*extend ||` lock condition');
  const versions = [
    ['original', diff],
    ['code edit', lines.map((l, j) => (j === extendAt ? l.replace(' *extend ||', '') : l)).join('\n')],
    ['undo', diff],
    ['comment edit', edit((l) => l.startsWith('+') && l.includes('/*'), (l) => l.replace('/*', '/* x'))],
  ];
  const scenarios = api.defaultMatrix();
  const cache = new api.RunCache();
  const seen = new Map();
  for (const [what, text] of versions) {
    const hitsBefore = cache.hits;
    const cached = api.reviewPatch(text, { parser: p, base: toBase(k61), scenarios, scenarioSource: 'test', runCache: cache });
    const fresh = api.reviewPatch(text, { parser: p, base: toBase(k61), scenarios, scenarioSource: 'test' });
    try {
      assert.deepEqual(cached.result.files, fresh.result.files, `${what}: same review with and without the cache`);
      if (what === 'undo') assert.equal(cache.hits - hitsBefore, scenarios.length, 'an undo reuses every run');
      seen.set(what, JSON.stringify(cached.result.files));
    } finally {
      cached.dispose();
      fresh.dispose();
    }
  }
  // The code edit changes what the review reports (so reusing a stale run would show).
  assert.notEqual(seen.get('code edit'), seen.get('original'));
  assert.ok(cache.misses >= scenarios.length && cache.misses < scenarios.length * versions.length, `${cache.hits} hits, ${cache.misses} misses`);
});
