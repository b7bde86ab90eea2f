// The built-in constant tables (used without a kernel tree) equal what the real headers
// of each Debian tree define, as resolved by kernel/headers.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDir, need } from './helpers.mjs';

for (const v of ['6.1', '6.12']) {
  test(`${v}: built-in constants match the tree's headers`, async (t) => {
    if (!need(t, kernelDir(v), `Debian linux-source-${v} tree`)) return;
    const k = await kernel(v);
    const table = api.BUILTIN_CONSTANTS[v];
    const checked = [];
    for (const [name, value] of Object.entries(table)) {
      const fromTree = k.constant(name);
      assert.equal(fromTree, value, `${name}: built-in ${value}, headers ${fromTree}`);
      checked.push(name);
    }
    assert.ok(checked.length > 90, `${checked.length} constants checked`);
  });
}

test('values that moved between 6.1 and 6.12 are resolved per tree', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'both Debian trees')) return;
  const a = await kernel('6.1');
  const b = await kernel('6.12');
  assert.equal(a.constant('EXT4_STATE_MAY_INLINE_DATA'), 7n);
  assert.equal(b.constant('EXT4_STATE_MAY_INLINE_DATA'), 6n);
  assert.equal(a.constant('I_DIRTY_DATASYNC'), 2n);
  assert.equal(b.constant('I_DIRTY_DATASYNC'), 16n);
  assert.equal(a.constant('IOCB_ATOMIC'), undefined);
  assert.equal(b.constant('IOCB_ATOMIC'), 64n);
});

test('the constant-expression evaluator handles the kernel spellings', () => {
  const look = (n) => ({ RWF_NOWAIT: 8n, BH_Mapped: 4n, A: 1n, B: 2n })[n] ?? null;
  assert.equal(api.evalExpr('(__force int) RWF_NOWAIT', look), 8n);
  assert.equal(api.evalExpr('BIT(BH_Mapped)', look), 16n);
  assert.equal(api.evalExpr('(A|\\\n B)'.replace('\\\n', ''), look), 3n);
  assert.equal(api.evalExpr('-1ULL', look), -1n);
  assert.equal(api.evalExpr('0170000', look), 0o170000n);
  assert.equal(api.evalExpr('foo(1)', look), null);
});
