// Seed 002 (2026, "ext4: implement buffered write path using iomap", v4 08/23): the review
// of the flattened reply, hunk-only over the Debian 7.2 reference tree, shows what the
// thread's reviewers worked out. Every assertion reads outcomes the model computed; the
// edited copies of the patch (punch removed, journal stop removed) must make the checks fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, kernel, kernelDir, need, parser, readSeed, reportedOnceCovering, toBase } from './helpers.mjs';

const SEED = '002_d71d03daebee78d5.txt';

/**
 * Review `text` with no tree, the 7.2 tree as the reference (what `review <seed>` does: the
 * series, from 2026, reads `map->m_seq`, which 7.2's ext4_map_blocks() fills and 6.12's
 * struct does not have).
 */
async function review(text) {
  const ref = toBase(await kernel('7.2'));
  return api.reviewPatch(text, { parser: await parser(), referenceFor: () => ref, scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' });
}

const hunks = (session) => session.result.files.flatMap((f) => f.hunks);
/** The hunk holding the new ->iomap_begin/->iomap_end (ext4_iomap_get_blocks() and the punch). */
const opsHunk = (session) => hunks(session).find((h) => h.functions.includes('ext4_iomap_get_blocks'));
/** Before/after outcomes of `scenario` in the unit that simulated hunk `h`. */
const outcomes = (session, h, scenario) => {
  const r = session.results(h.key, scenario);
  assert.ok(r.before && r.after, `${scenario} ran on both sides`);
  for (const side of [r.before, r.after]) assert.equal(side.outcome.inconclusive, undefined, `${scenario}: ${side.outcome.inconclusive}`);
  return [r.before.outcome, r.after.outcome];
};

async function setup(t) {
  const text = readSeed(SEED);
  if (!need(t, text, 'seed 002') || !need(t, kernelDir('7.2'), 'Debian 7.2 tree')) return undefined;
  return text;
}

test('seed 002: non-delalloc allocates unwritten blocks through iomap, written ones through buffer_heads', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = opsHunk(s);
  assert.ok(h?.scenariosChanged > 0, h?.summary);
  // nodelalloc + nodioread_nolock: ext4_write_begin() → ext4_get_block() allocates written blocks;
  // the patch's ext4_iomap_get_blocks() always asks for EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT.
  const [before, after] = outcomes(s, h, 'buf-hole-nodelalloc-nodioread');
  assert.equal(before.bufferedWrite.via, 'buffer_head');
  assert.deepEqual(before.bufferedWrite.newBlocks, ['written (ext4_get_block())']);
  assert.equal(after.bufferedWrite.via, 'iomap');
  assert.equal(after.bufferedWrite.ops, 'ext4_iomap_buffered_write_ops');
  assert.deepEqual(after.bufferedWrite.newBlocks, ['unwritten (EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT)']);
  assert.ok(after.mapBlocksFlags.includes('EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT'), after.mapBlocksFlags.join());
  assert.deepEqual(after.iomapTypes, ['IOMAP_UNWRITTEN']);
  assert.equal(after.ret, 4096);
  // delalloc: the da ops reserve (IOMAP_DELALLOC), nothing is allocated at write time.
  const [, da] = outcomes(s, h, 'buf-hole-delalloc');
  assert.equal(da.bufferedWrite.ops, 'ext4_iomap_buffered_da_write_ops');
  assert.deepEqual(da.iomapTypes, ['IOMAP_DELALLOC']);
  // The change is reported on the hunk, as a bufferedWrite change.
  assert.ok(h.changes.some((c) => c.scenario === 'buf-hole-nodelalloc-nodioread' && c.field === 'bufferedWrite' && /written \(ext4_get_block\(\)\)/.test(c.before) && /unwritten \(EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT\)/.test(c.after)));
  // The predicate that turns iomap on is an assumption the outcome carries.
  assert.ok(h.assumptions.some((a) => /ext4_inode_buffered_iomap\(\)/.test(a)));
});

test('seed 002: a short delalloc write punches its stale reservation; without the punch delalloc-leak fires', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = opsHunk(s);
  const [before, after] = outcomes(s, h, 'buf-short-delalloc');
  // buffer_heads: generic_perform_write() stops at the fault before the next ->write_begin: one block reserved.
  assert.equal(before.ret, 4096);
  assert.deepEqual([before.bufferedWrite.delallocReserved, before.bufferedWrite.delallocReleased], [1, 0]);
  // iomap: ->iomap_begin reserved the whole range; ->iomap_end released what was not copied.
  assert.equal(after.ret, 4096);
  assert.ok(after.bufferedWrite.delallocReserved > 1);
  assert.equal(after.bufferedWrite.delallocReserved - after.bufferedWrite.delallocReleased, 1, JSON.stringify(after.bufferedWrite));
  for (const o of [before, after]) assert.ok(!o.findings.some((f) => f.code === 'delalloc-leak'), JSON.stringify(o.findings));
  assert.ok(!hunks(s).some((x) => x.findings.some((f) => f.code === 'delalloc-leak')));

  // The same patch with the iomap_write_delalloc_release(..., ext4_iomap_punch_delalloc) call removed (line count kept).
  const call = /iomap_write_delalloc_release\(inode, start_byte, end_byte, flags,(.*?)\+ iomap, ext4_iomap_punch_delalloc\);/;
  assert.match(text, call);
  const noPunch = text.replace(call, '/* punch removed */$1+ ;');
  const s2 = await review(noPunch);
  const h2 = opsHunk(s2);
  const [, leaky] = outcomes(s2, h2, 'buf-short-delalloc');
  assert.equal(leaky.bufferedWrite.delallocReleased, 0);
  // Reported once (the patch's hunks act together), taking in the ops hunk that lost the punch.
  const leak = reportedOnceCovering(s2, h2, { code: 'delalloc-leak', status: 'new' });
  assert.equal(leak.scenario, 'buf-short-delalloc');
  assert.match(leak.message, /blocks 9, 10, 11/);
});

test('seed 002: the folio lock is taken with no journal handle open on the iomap path, under one on the buffer_head path', async (t) => {
  const text = await setup(t);
  if (!text) return;
  const s = await review(text);
  const h = opsHunk(s);
  const [before, after] = outcomes(s, h, 'buf-hole-nodelalloc');
  // 6.12 ext4_write_begin(): grab the folio locked, unlock, start the handle, re-lock the folio under it.
  assert.deepEqual(before.bufferedWrite.order, ['folio lock (no handle)', 'journal start', 'folio lock (handle open)', 'journal stop']);
  // The patch's ext4_iomap_get_blocks() stops its handle inside ->iomap_begin, before iomap locks the folio.
  assert.deepEqual(after.bufferedWrite.order, ['journal start', 'journal stop', 'folio lock (no handle)']);
  for (const o of [before, after]) assert.ok(!o.findings.some((f) => f.code === 'lock-order'));

  // Without the ext4_journal_stop() in ext4_iomap_get_blocks(), the handle is open across the folio lock.
  assert.equal(text.split('+ ext4_journal_stop(handle);').length, 2, 'one journal stop in the patch');
  const s2 = await review(text.replace('+ ext4_journal_stop(handle);', '+ ;'));
  const h2 = opsHunk(s2);
  const [, held] = outcomes(s2, h2, 'buf-hole-nodelalloc');
  assert.deepEqual(held.bufferedWrite.order, ['journal start', 'folio lock (handle open)']);
  reportedOnceCovering(s2, h2, { code: 'lock-order', status: 'new', scenario: 'buf-hole-nodelalloc' });
});
