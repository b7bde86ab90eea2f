// The scenario file format: defaults, validation, and the default matrix's coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './helpers.mjs';

test('defaults are filled as documented', () => {
  const s = api.normalizeScenario({ id: 'a' });
  assert.deepEqual(s.request, { direct: true, aio: false, nowait: false, atomic: false, dsync: false, append: false, pos: 0, len: 4096, bufOffset: 0 });
  assert.equal(s.inode.mapping, 'extents');
  assert.equal(s.inode.blocks, 'WWWWWWWWWWWWWWWW');
  assert.equal(s.inode.size, 65536);
  assert.equal(s.inode.disksize, 65536);
  assert.equal(s.inode.nosec, true);
  assert.deepEqual(s.mount, { blockSize: 4096, dioreadNolock: true, delalloc: true, dataJournal: false, extentFeature: true });
  assert.equal(api.normalizeScenario({ id: 'i', inode: { mapping: 'indirect' } }).mount.extentFeature, false);
  assert.equal(s.env.atomicCapable, true);
});

test('bad values become problems and defaults; the file never throws', () => {
  const text = JSON.stringify([
    { id: 'ok', request: { pos: 512 } },
    { request: {} },
    { id: 'bad', request: { len: -3, aio: 'yes' }, inode: { blocks: 'WXU', flags: ['bogus', 'dax'] }, mount: { blockSize: 3000 } },
    { id: 'ok' },
  ]);
  const { scenarios, problems } = api.parseScenarioFile(text);
  assert.deepEqual(scenarios.map((s) => s.id), ['ok', 'bad']);
  const bad = scenarios[1];
  assert.equal(bad.request.len, 4096);
  assert.equal(bad.request.aio, false);
  assert.equal(bad.inode.blocks, 'W_U');
  assert.deepEqual(bad.inode.flags, ['dax']);
  assert.equal(bad.mount.blockSize, 4096);
  assert.ok(problems.length >= 6, problems.map((p) => p.message).join('\n'));
  assert.ok(problems.some((p) => p.message.includes('duplicate id ok')));
  assert.deepEqual(api.parseScenarioFile('{not json').scenarios, []);
  assert.equal(api.parseScenarioFile('{"id":1}').problems[0].message, 'scenario file must be a JSON array');
});

test('the default matrix covers every value of every dimension', () => {
  const m = api.defaultMatrix();
  const ids = new Set(m.map((s) => s.id));
  assert.equal(ids.size, m.length, 'ids are unique');
  const has = (pred) => m.some(pred);
  for (const d of [true, false]) assert.ok(has((s) => s.request.direct === d));
  for (const k of ['aio', 'nowait', 'atomic', 'dsync', 'append']) assert.ok(has((s) => s.request[k]), k);
  for (const st of ['W', 'U', '_', 'D']) assert.ok(has((s) => s.inode.blocks.includes(st)), st);
  for (const f of ['inline_data', 'encrypt', 'verity', 'journal_data', 'dax']) assert.ok(has((s) => s.inode.flags.includes(f)), f);
  assert.ok(has((s) => s.inode.mapping === 'indirect'));
  assert.ok(has((s) => !s.inode.nosec) && has((s) => s.inode.nosec));
  assert.ok(has((s) => !s.mount.dioreadNolock) && has((s) => !s.mount.delalloc) && has((s) => s.mount.dataJournal));
  for (const e of ['contended', 'shortWrite', 'invalidateFails', 'enospc']) assert.ok(has((s) => s.env[e]), e);
  assert.ok(has((s) => s.request.bufOffset !== 0), 'misaligned user buffer');
  // Every target of the core grid, sync and AIO, aligned and not, NOWAIT, IS_NOSEC warm and cold.
  assert.equal(api.coreGrid().length, 80);
});
