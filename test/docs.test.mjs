// Generated documentation stays in step with the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, api } from './helpers.mjs';
import { modelDoc } from '../scripts/gen-model-doc.mjs';

test('docs/model.md lists every model function with its citation', () => {
  assert.equal(readFileSync(join(ROOT, 'docs', 'model.md'), 'utf8'), modelDoc(), 'run `node scripts/gen-model-doc.mjs`');
  for (const [name, r] of Object.entries(api.REGISTRY)) assert.ok(r.cite && r.cite.length >= 30, `${name} cites its source`);
});

test('every check id has a documentation page', () => {
  for (const code of ['atomic-fallback', 'unwritten-unconverted', 'stale-data', 'extend-unwaited', 'unaligned-shared', 'lock-imbalance', 'nowait-blocks', 'orphan-missing', 'endio-blocks', 'delalloc-leak', 'lock-order']) {
    const page = readFileSync(join(ROOT, 'docs', 'checks', `${code}.md`), 'utf8');
    assert.ok(page.startsWith(`# \`${code}\``), code);
  }
});
