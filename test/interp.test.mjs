// The C interpreter on small hand-written C: control flow, out-parameters, integer
// semantics, bounds and what happens with C it cannot run. The kernel model is the real
// one; the C is ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, parser } from './helpers.mjs';

const SCENARIO = api.normalizeScenario({ id: 't' });

/** Parse `code` as a C file and run `fn(args...)` against a fresh world. */
async function exec(code, fn, args = [], limits) {
  const p = await parser();
  const file = new api.SourceFile('t.c', code, p);
  const image = new api.KernelImage([file]);
  const ctx = { image, profile: api.PROFILES['6.12'], constant: (n) => api.BUILTIN_CONSTANTS['6.12'][n] };
  // Drive the interpreter directly, through the same host the engine uses.
  const w = new api.World(SCENARIO, ctx.profile, (n) => ctx.constant(n) ?? 0n);
  const host = api.makeHostForTest(w, ctx.constant);
  const it = new api.Interpreter(image, host, new api.Trace(), limits ?? api.DEFAULT_LIMITS);
  host.bind(it);
  const val = (x) => (typeof x === 'number' ? { k: 'int', v: BigInt(x), t: { bits: 64, signed: true, name: 'long' } } : x);
  try {
    const v = it.call(fn, args.map(val));
    return { value: v.k === 'int' ? Number(v.v) : v, it, file, w };
  } finally {
    file.dispose();
  }
}

test('goto restart loops back and sees the locals declared above the label', async () => {
  const { value } = await exec(`
    int f(int n) {
      int tries = 0;
    restart:
      tries = tries + 1;
      if (tries < n)
        goto restart;
      return tries;
    }`, 'f', [5]);
  assert.equal(value, 5);
});

test('out-parameters through &local, *p writes, ?: and short-circuit evaluation order', async () => {
  const { value } = await exec(`
    static int side(int *calls) { *calls = *calls + 1; return 1; }
    static void set(bool *flag, int *n) { *flag = true; *n |= 4; }
    int f(void) {
      bool flag = false; int n = 1; int calls = 0;
      set(&flag, &n);
      if (flag && (0 || side(&calls))) n += 10;
      if (!flag || side(&calls)) n += 100;
      return (calls == 2 ? n : -1);
    }`, 'f');
  assert.equal(value, 115);
});

test('switch with fallthrough and default, while/for loops, ++ and --', async () => {
  const { value } = await exec(`
    int f(int x) {
      int acc = 0, i;
      switch (x) {
      case 1: acc += 1;
      case 2: acc += 2; break;
      default: acc = 100;
      }
      for (i = 0; i < 3; i++) acc += 10;
      while (acc > 30) acc--;
      return acc;
    }`, 'f', [1]);
  assert.equal(value, 30);
});

test('C integer semantics: unsigned compare of loff_t + size_t, u32 truncation, -1ULL', async () => {
  const { value } = await exec(`
    int f(void) {
      loff_t off = -1; size_t len = 1; unsigned int lblk; u64 all = -1ULL;
      int r = 0;
      if (off + len > 5) r |= 1;        /* (u64)-1 + 1 == 0: not > 5 */
      lblk = (loff_t)0x100000001 >> 0; /* truncated to 32 bits */
      if (lblk == 1) r |= 2;
      if (all == 0xffffffffffffffffULL) r |= 4;
      if ((u64) lblk << 40 > 0xffffffffULL) r |= 8;
      return r;
    }`, 'f');
  assert.equal(value, 14);
});

test('kernel macros: unlikely, IS_ERR/PTR_ERR/ERR_PTR, min_t with a type argument, round_up/round_down', async () => {
  const { value } = await exec(`
    int f(void) {
      void *p = ERR_PTR(-ENOTBLK);
      int r = 0;
      if (unlikely(IS_ERR(p)) && PTR_ERR(p) == -ENOTBLK) r |= 1;
      if (min_t(loff_t, 7, 3) == 3) r |= 2;
      if (round_up(5000, 4096) == 8192 && round_down(5000, 4096) == 4096) r |= 4;
      return r;
    }`, 'f');
  assert.equal(value, 7);
});

test('an unknown function is an explicit assumption, not a silent guess', async () => {
  const { value, it } = await exec(`int f(void) { return frobnicate_the_inode(3) + 2; }`, 'f');
  assert.equal(value, 2);
  assert.ok(it.assumptions.some((a) => a.includes('frobnicate_the_inode') && a.includes('assumed to return 0')), it.assumptions.join('\n'));
});

test('an endless loop is cut off by the loop limit: Inconclusive, not a hang', async () => {
  await assert.rejects(
    exec(`int f(void) { int x = 0; for (;;) x++; return x; }`, 'f', [], { steps: 1_000_000, loopIterations: 500, callDepth: 16 }),
    (err) => err instanceof api.Inconclusive && /more than 500 iterations/.test(err.reason),
  );
  await assert.rejects(
    exec(`int f(void) { again: goto again; }`, 'f', [], { steps: 1_000_000, loopIterations: 50, callDepth: 16 }),
    (err) => err instanceof api.Inconclusive && /goto again/.test(err.reason),
  );
});

test('unbounded recursion is cut off by the call-depth limit', async () => {
  await assert.rejects(
    exec(`int f(int n) { return f(n + 1); }`, 'f', [0], { steps: 1_000_000, loopIterations: 100, callDepth: 20 }),
    (err) => err instanceof api.Inconclusive && /call depth/.test(err.reason),
  );
});

test('C tree-sitter cannot parse: the function still runs, the problem is reported', async () => {
  const { value, file } = await exec(`
    int g(void) { return 1; }
    int f(void) {
      int x = 2;
      x = x +* ;   /* garbage */
      return x + g();
    }`, 'f');
  assert.ok(file.problems.length > 0, 'syntax problem reported');
  assert.equal(typeof value, 'number');
});

test('#ifdef inside a body follows the preprocessor config', async () => {
  const { value } = await exec(`
    int f(void) {
      int r = 0;
    #ifdef CONFIG_FS_DAX
      r |= 1;
    #endif
    #ifndef CONFIG_FS_DAX
      r |= 2;
    #endif
    #ifdef CONFIG_SOMETHING_NOT_SET
      r |= 4;
    #else
      r |= 8;
    #endif
      return r;
    }`, 'f');
  assert.equal(value, 9);
});
