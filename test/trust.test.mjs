// Issue 13, "an unknown is never a result": a scenario whose before or after run went
// past code nobody can answer (a callee with no C and no model, an undeclared identifier)
// gives no change row and no finding, never sets exit status 1, and is reported as
// "cannot tell" with its reason. Patches are made at test time from the fetched 6.12
// tree; nothing of the kernel is committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, kernel, kernelDiff, kernelDir, need, parser, ROOT, toBase } from './helpers.mjs';

const FILE = 'fs/ext4/file.c';

/** A unified diff of `FILE` in `tree` against the same file with `edit` applied to its text. */
function patchOf(t, tree, edit) {
  const before = readFileSync(join(tree, FILE), 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, 'the edit changes the file');
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-trust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'after.c'), after);
  const r = spawnSync('diff', ['-u', '--label', `a/${FILE}`, '--label', `b/${FILE}`, join(tree, FILE), join(dir, 'after.c')], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const file = join(dir, 'edit.patch');
  writeFileSync(file, r.stdout);
  return { text: r.stdout, file };
}

async function review(text, base) {
  return api.reviewPatch(text, { parser: await parser(), base, scenarios: api.defaultMatrix(), scenarioSource: 'default matrix' }).result;
}

const allHunks = (r) => r.files.flatMap((f) => f.hunks);

test('a call to a function with no C and no model: cannot tell, no change, no finding, exit 0', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  // The decision ext4_dio_write_checks() takes from ext4_overwrite_io() now comes from a
  // helper this tree has no C for: every DIO scenario's after side runs past an unknown.
  const { text, file } = patchOf(t, tree, (c) => c.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = ext4_overwrite_io_elsewhere(inode, offset, count, unwritten);'));
  const r = await review(text, toBase(await kernel('6.12')));
  const [h] = allHunks(r);
  assert.ok(h.unknown?.length > 10, `${h.unknown?.length} scenarios cannot tell`);
  assert.ok(h.unknown.every((u) => u.side === 'after' && /ext4_overwrite_io_elsewhere\(\): no C and no model/.test(u.reason)), JSON.stringify(h.unknown[0]));
  assert.equal(h.changes.length, 0, 'no change row from an unknown run');
  assert.equal(h.findings.length, 0, 'no finding from an unknown run');
  assert.equal(h.scenariosChanged, 0);
  assert.match(h.summary, /cannot tell for \d+ scenarios: ext4_overwrite_io_elsewhere\(\): no C and no model/);
  assert.doesNotMatch(h.summary, /fixes|breaks|scenarios change/);
  assert.equal(r.newErrors, 0);
  assert.equal(r.unknownScenarios, h.unknown.length);
  // Buffered scenarios never reach the call: they stay known and unchanged.
  assert.ok(h.scenariosRun > h.unknown.length || h.unknown.length === h.scenariosRun);

  const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'review', file, '--kernel', tree, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(cli.status, 0, cli.stderr);
  const j = JSON.parse(cli.stdout);
  assert.equal(j.unknownScenarios, h.unknown.length, 'the JSON carries the unknowns under their own key');
  assert.deepEqual(allHunks(j)[0].unknown.map((u) => u.scenario), h.unknown.map((u) => u.scenario));
});

test('an undeclared identifier in a condition: cannot tell, not "assumed 0" behaviour', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  // `ext4_unaligned_io_enabled` is declared nowhere: the interpreter cannot evaluate the
  // condition, so whether the exclusive lock is taken is not known.
  const { text } = patchOf(t, tree, (c) => c.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = ext4_unaligned_io_enabled && ext4_overwrite_io(inode, offset, count, unwritten);'));
  const r = await review(text, toBase(await kernel('6.12')));
  const [h] = allHunks(r);
  assert.ok(h.unknown?.length, 'some scenarios cannot tell');
  assert.ok(h.unknown.every((u) => /identifier ext4_unaligned_io_enabled unknown/.test(u.reason)), h.unknown[0]?.reason);
  assert.equal(h.changes.length + h.findings.length, 0);
});

test('a field of kernel state the model does not hold is unknown, not 0; taking a field\'s address reads nothing', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  // s_mb_stats is a real ext4_sb_info member the model does not keep: its value decides here.
  const { text } = patchOf(t, tree, (c) => c.replace('restart:\n\tret = ext4_generic_write_checks(iocb, from);', 'restart:\n\tif (EXT4_SB(inode->i_sb)->s_mb_stats)\n\t\treturn -EIO;\n\tret = ext4_generic_write_checks(iocb, from);'));
  const r = await review(text, toBase(await kernel('6.12')));
  const [h] = allHunks(r);
  assert.equal(h.changes.length, 0, h.summary);
  assert.ok(h.unknown?.length > 10, h.summary);
  assert.match(h.unknown[0].reason, /the model holds no s_mb_stats for struct ext4_sb_info/);
  // The unedited tree takes addresses of fields the model does not hold (&ei->i_data_sem for
  // down_write()): its default matrix stays conclusive.
  const k = await kernel('6.12');
  const rs = api.simulateAll(api.defaultMatrix(), { image: k.image, profile: k.profile, constant: k.constant });
  assert.deepEqual(rs.filter((x) => x.outcome.unknowns?.length).map((x) => `${x.id}: ${x.outcome.unknowns[0]}`), []);
});

test('the same edit, spelled with a function the tree has: a real change is still reported', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  // Control for the tests above: overwrite forced false is computed behaviour (every
  // overwrite DIO now takes i_rwsem exclusive), so the rule must not hide it.
  const { text } = patchOf(t, tree, (c) => c.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = false && ext4_overwrite_io(inode, offset, count, unwritten);'));
  const r = await review(text, toBase(await kernel('6.12')));
  const [h] = allHunks(r);
  assert.equal(h.unknown, undefined);
  assert.ok(h.changes.some((c) => c.field === 'lockAcrossIo' && c.before === 'shared' && c.after === 'exclusive'), h.summary);
});

test('behaviour, not spelling: dropping IOMAP_DIO_FORCE_WAIT changes waits only where a request could stop waiting (AIO)', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  const { text } = patchOf(t, tree, (c) => c.replace(/\n\t\t\*dio_flags = IOMAP_DIO_FORCE_WAIT;/, '\n'));
  const r = await review(text, toBase(await kernel('6.12')));
  const waits = allHunks(r).flatMap((h) => h.changes).filter((c) => c.field === 'waits');
  const scenarios = api.defaultMatrix();
  const aio = new Set(scenarios.filter((s) => s.request.aio).map((s) => s.id));
  assert.ok(waits.some((c) => aio.has(c.scenario)), 'an AIO scenario stops waiting');
  // __iomap_dio_rw(): wait_for_completion = is_sync_kiocb(iocb) || FORCE_WAIT.
  assert.deepEqual(waits.filter((c) => !aio.has(c.scenario)).map((c) => `${c.scenario}: ${c.before} → ${c.after}`), []);
});

test('behaviour reviewers order-check: raising i_disksize before the DIO is submitted moves it ahead of ->end_io in the timeline', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  // Against 6.12's ext4_dio_write_iter(): an extending DIO raises i_disksize up front
  // instead of at completion (the ordering ext4_handle_inode_extension() exists to keep).
  const { text } = patchOf(t, tree, (c) => c.replace('\tif (ilock_shared && !unwritten)\n\t\tiomap_ops = &ext4_iomap_overwrite_ops;', '\tif (extend)\n\t\text4_update_i_disksize(inode, offset + count);\n\tif (ilock_shared && !unwritten)\n\t\tiomap_ops = &ext4_iomap_overwrite_ops;'));
  const r = await review(text, toBase(await kernel('6.12')));
  const changes = allHunks(r).flatMap((h) => h.changes);
  const tl = changes.find((c) => c.scenario === 'dio-sync-al-beyond-warm' && c.field === 'timeline');
  assert.ok(tl, `the extending DIO's timeline changes (${JSON.stringify(changes.filter((c) => c.scenario === 'dio-sync-al-beyond-warm'))})`);
  const at = (s, token) => s.split(' → ').findIndex((x) => x.startsWith(token));
  assert.ok(at(tl.before, 'i_disksize=') > at(tl.before, 'end_io'), `before: raised after ->end_io (${tl.before})`);
  assert.ok(at(tl.after, 'i_disksize=') >= 0 && at(tl.after, 'i_disksize=') < at(tl.after, 'end_io'), `after: raised before ->end_io (${tl.after})`);
  // The sizes the request ends with are the same: only *when* changed.
  assert.ok(!changes.some((c) => c.scenario === 'dio-sync-al-beyond-warm' && c.field === 'finalSize'));
  // Writes inside i_size never reach the new line.
  assert.ok(!changes.some((c) => c.scenario === 'dio-sync-al-written-warm'));
});

test('a profile the tree\'s Makefile contradicts is refused: CLI exit 2 with one line, the API and the editor review with the tree\'s own profile and say so', async (t) => {
  const tree = kernelDir('6.1');
  if (!need(t, tree, 'Debian 6.1 tree')) return;
  const cli = (args) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // 2.6.31 on a 6.1 tree: the "no write-path change, 0 problems" case.
  const sim = cli(['simulate', '--kernel', tree, '--kernel-version', '2.6.31', '--only', 'dio-sync-al-written-warm']);
  assert.equal(sim.status, 2, sim.stdout);
  assert.match(sim.stderr, /^simulate: --kernel-version 2\.6\.31: profile 2\.6\.31 contradicts the tree: its Makefile says 6\.1\.\d+, whose write path is profile 6\.1/);
  assert.equal(sim.stderr.trim().split('\n').length, 1);
  const { file } = patchOf(t, tree, (c) => c.replace('!ext4_overwrite_io(inode, offset, count)))', 'ext4_overwrite_io(inode, offset, count)))'));
  const rev = cli(['review', file, '--kernel', tree, '--kernel-version', '6.12']);
  assert.equal(rev.status, 2);
  assert.match(rev.stderr, /profile 6\.12 contradicts the tree/);
  assert.match(cli(['review', file, '--kernel-version', '9.9']).stderr, /unknown kernel version profile "9\.9"/);
  // A compatible choice still works: 6.12-atomic on a 6.12 tree.
  const t612 = kernelDir('6.12');
  if (t612) assert.equal(cli(['simulate', '--kernel', t612, '--kernel-version', '6.12-atomic', '--only', 'dio-sync-al-written-warm']).status, 0);
  // The API (what the language server calls): the tree's profile, and a warning problem.
  const k = api.loadKernelTree(tree, await parser(), { profile: '2.6.31' });
  assert.equal(k.profile.id, '6.1');
  assert.match(k.profileConflict, /contradicts/);
  const r = await review(readFileSync(file, 'utf8'), toBase(k));
  const p = r.problems.find((x) => /contradicts the tree/.test(x.message));
  assert.equal(p?.severity, 'warning', JSON.stringify(r.problems));
  assert.match(p.message, /reviewed with profile 6\.1/);
});

test('finding a tree: the real 6.1 → 6.12 diff applies to 6.1, and in reverse to 6.12 (whose reverse-applied texts are 6.1\'s)', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const k61 = await kernel('6.1');
  const k612 = await kernel('6.12');
  const files = ['fs/ext4/file.c', 'fs/ext4/inode.c'];
  const doc = api.parsePatchDocument(kernelDiff(kernelDir('6.1'), kernelDir('6.12'), files));
  const c61 = { name: '6.1', texts: k61.texts };
  const c612 = { name: '6.12', texts: k612.texts };
  const fwd = api.findTree(doc, [c612, c61]);
  assert.equal(fwd?.tree, c61);
  assert.equal(fwd.direction, 'forward');
  assert.match(fwd.why, /applies to the cached 6\.1 tree/);
  const rev = api.findTree(doc, [c612]);
  assert.equal(rev?.direction, 'reverse');
  for (const f of files) assert.ok(rev.texts.get(f) === k61.texts.get(f), `${f}: 6.12 minus the series is 6.1`);
  assert.match(rev.why, /already contains this series/);
  // A patch none of the trees takes.
  const bogus = api.parsePatchDocument(['--- a/fs/ext4/file.c', '+++ b/fs/ext4/file.c', '@@ -1,3 +1,3 @@', ' no such', '-line in', '+any tree', ' at all', ''].join('\n'));
  assert.equal(api.findTree(bogus, [c612, c61]), undefined);
});

test('cause, not first divergence: the real 6.1 → 6.12 diff reports its newly broken nowait-blocks once, at the hunk whose removal clears it', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const diff = kernelDiff(kernelDir('6.1'), kernelDir('6.12'));
  const r = await review(diff, toBase(await kernel('6.1')));
  const hunks = allHunks(r);
  const at = hunks.filter((h) => h.findings.some((f) => f.status === 'new' && f.code === 'nowait-blocks'));
  assert.equal(at.length, 1, at.map((h) => `${h.line} ${h.functions}`).join('; '));
  const [cause] = at;
  const f = cause.findings.find((x) => x.code === 'nowait-blocks');
  assert.ok(f.alsoIn?.length >= 1, 'the other hunks it showed on are named');
  for (const k of f.alsoIn) assert.ok(hunks.some((h) => h.key === k) && k !== cause.key);
  // The ablation's claim, checked independently: the series without the cause hunk does
  // not break nowait-blocks in those scenarios.
  const lines = diff.split('\n');
  const start = cause.docLine;
  let end = start + 1;
  while (end < lines.length && !/^(@@ |--- |\+\+\+ )/.test(lines[end])) end++;
  // Drop the hunk's changes: '-' lines become context, '+' lines disappear.
  const without = [...lines.slice(0, start), lines[start].replace(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/, (_m, a, b) => `@@ -${a},${b ?? 1} +${a},${b ?? 1} @@`), ...lines.slice(start + 1, end).flatMap((l) => (l.startsWith('+') ? [] : l.startsWith('-') ? [` ${l.slice(1)}`] : [l])), ...lines.slice(end)].join('\n');
  const r2 = await review(without, toBase(await kernel('6.1')));
  assert.ok(!allHunks(r2).some((h) => h.findings.some((x) => x.status === 'new' && x.code === 'nowait-blocks')), 'without the cause hunk, nowait-blocks is not newly broken');
  // Counts agree: one hunk, one check.
  assert.equal(r.newErrors, new Set(hunks.flatMap((h) => h.findings.filter((x) => x.status === 'new' && x.severity === 'error').map((x) => `${h.key} ${x.code}`))).size);
});

test('once, even when no single hunk is the cause: the reversed diff (6.12 → 6.1 against 6.12) fixes nowait-blocks on five hunks that need each other, and says so once', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const r = await review(kernelDiff(kernelDir('6.12'), kernelDir('6.1')), toBase(await kernel('6.12')));
  const hunks = allHunks(r);
  const fixed = hunks.flatMap((h) => h.findings.filter((f) => f.status === 'fixed' && f.code === 'nowait-blocks').map((f) => ({ h, f })));
  assert.ok(fixed.length >= 1, 'the reversed diff fixes nowait-blocks');
  // One report per scenario, on one hunk; the others are related.
  const perScenario = new Map();
  for (const { h, f } of fixed) perScenario.set(f.scenario, [...(perScenario.get(f.scenario) ?? []), h.line]);
  for (const [sc, lines] of perScenario) assert.equal(lines.length, 1, `${sc}: reported on hunks ${lines}`);
  const { h, f } = fixed[0];
  assert.ok(f.alsoIn?.length >= 1, 'the other hunks are named');
  assert.ok(f.alsoIn.every((k) => hunks.some((x) => x.key === k) && k !== h.key), 'the others are other hunks of the diff');
  assert.equal(f.joint, true, 'said to be joint: no one hunk alone computably makes the difference');
});

test('an exhausted time budget says "incomplete: N of M scenarios", never "no write-path change", in the CLI and the JSON', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-budget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'forward.diff');
  writeFileSync(file, kernelDiff(kernelDir('6.1'), kernelDir('6.12')));
  const run = (format) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'review', file, '--kernel', kernelDir('6.1'), '--time-budget', '1', '--format', format], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const text = run('text');
  assert.ok(text.status === 0 || text.status === 1, text.stderr);
  const header = text.stdout.split('\n')[0];
  assert.match(header, /INCOMPLETE: (\d+) of (\d+) scenarios simulated \(time budget\)/);
  const [, done, total] = /INCOMPLETE: (\d+) of (\d+)/.exec(header).map(Number);
  assert.ok(done < total, header);
  assert.match(text.stdout, /warning: time budget exhausted: incomplete, \d+ of \d+ scenarios simulated/);
  const j = JSON.parse(run('json').stdout);
  assert.equal(j.partial, true);
  assert.ok(j.simulated.done < j.simulated.total, JSON.stringify(j.simulated));
  // A hunk the budget did not reach says so; it does not claim "no write-path change".
  const hunks = j.files.flatMap((f) => f.hunks);
  assert.ok(hunks.some((h) => /not analysed: time budget exhausted/.test(h.summary)));
  for (const h of hunks.filter((x) => /no write-path change in/.test(x.summary))) assert.ok(h.scenariosRun > 0, h.summary);
});

test('review --strict fails on scenarios that cannot tell; --changed-only lists only hunks with something to say', async (t) => {
  const tree = kernelDir('6.12');
  if (!need(t, tree, 'Debian 6.12 tree')) return;
  const { file } = patchOf(t, tree, (c) => c.replace('overwrite = ext4_overwrite_io(inode, offset, count, unwritten);', 'overwrite = ext4_overwrite_io_elsewhere(inode, offset, count, unwritten);'));
  const cli = (...a) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'review', file, '--kernel', tree, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(cli().status, 0);
  const strict = cli('--strict');
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /--strict: \d+ scenario\(s\) cannot tell/);
  const text = cli('--changed-only').stdout;
  assert.match(text, /cannot tell for \d+ scenario/);
});

test('review without --kernel finds the cached tree the series applies to (the real 6.1 → 6.12 diff: 6.1)', async (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-find-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'real.diff');
  writeFileSync(file, kernelDiff(kernelDir('6.1'), kernelDir('6.12')));
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'review', file, '--format', 'json', '--scenarios', 'core'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.match(j.kernel.version, /^6\.1\./);
  assert.ok(j.problems.some((p) => /series applies to the cached 6\.1(\.\d+)? tree/.test(p.message)), JSON.stringify(j.problems.slice(0, 3)));
  assert.ok(allHunks(j).every((h) => h.mode !== 'hunk-only'), 'reviewed against the tree, not hunk-only');
});
