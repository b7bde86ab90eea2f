// Tests for server/src/patch: the patch-ingestion layer (parse, decode, apply).
//
// The real review threads in ../shared/seeds are read at run time (never copied into the
// repo); hand-written fixtures live in test/fixtures/patch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSync } from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles the TypeScript module with esbuild and loads it (small on purpose: may become a shared helper). */
function loadPatchModule() {
  const dir = mkdtempSync(join(tmpdir(), 'patch-test-'));
  const outfile = join(dir, 'patch.cjs');
  try {
    buildSync({
      entryPoints: [join(root, 'server/src/patch/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      logLevel: 'warning',
    });
    return createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const P = loadPatchModule();

// ---- helpers --------------------------------------------------------------------------

const seedDir = new URL('../../shared/seeds/', import.meta.url);

/** Reads a seed; skips the test when it is absent, except in CI where that is a failure. */
function readSeed(t, name) {
  const url = new URL(name, seedDir);
  if (!existsSync(url)) {
    const where = fileURLToPath(url);
    if (process.env.CI === 'true') assert.fail(`seed ${name} is missing at ${where} (required when CI=true)`);
    t.skip(`seed ${name} not found at ${where}`);
    return null;
  }
  return readFileSync(url, 'utf8');
}

function fixture(name) {
  return readFileSync(join(root, 'test/fixtures/patch', name), 'utf8');
}

/** Every hunk with its patch and file. */
function allHunks(doc) {
  const out = [];
  for (const patch of doc.patches) for (const file of patch.files) for (const hunk of file.hunks) out.push({ patch, file, hunk });
  return out;
}

function sideCounts(h) {
  let oldN = 0;
  let newN = 0;
  for (const l of h.lines) {
    if (l.kind === ' ' || l.kind === '-') oldN++;
    if (l.kind === ' ' || l.kind === '+') newN++;
  }
  return { oldN, newN };
}

/** Each hunk line's text must be found in the document exactly where it says. */
function assertPositions(text, doc) {
  const lines = text.split('\n');
  for (const { hunk } of allHunks(doc)) {
    const headerLine = lines[hunk.docLine].replace(/\r$/, '');
    assert.ok(headerLine.startsWith(hunk.header, hunk.docColumn), `header ${hunk.header} at ${hunk.docLine}:${hunk.docColumn}`);
    for (const l of hunk.lines) {
      assert.equal(lines[l.docLine].slice(l.docColumn, l.docColumn + l.text.length), l.text, `line at ${l.docLine}:${l.docColumn}`);
    }
  }
}

function pathOf(file) {
  return file.newPath ?? file.oldPath;
}

// ---- seeds ----------------------------------------------------------------------------

test('seed 001: the patch, its quoted copies at every depth, and the follow-up diff', (t) => {
  const text = readSeed(t, '001_19eda201be480ccb.txt');
  if (text === null) return;
  const doc = P.parsePatchDocument(text);
  assert.equal(doc.flattened, false);
  assertPositions(text, doc);

  const first = doc.patches.find((p) => !p.quoted);
  assert.match(first.subject, /^\[PATCH 4\/6\] ext4: Warn if we ever fallback/);
  assert.equal(first.from, 'Ritesh Harjani (IBM)');
  assert.equal(first.files.length, 1);
  assert.equal(first.files[0].oldPath, 'fs/ext4/file.c');
  const h0 = first.files[0].hunks[0];
  assert.equal(h0.header, '@@ -576,8 +576,16 @@ static ssize_t ext4_dio_write_iter(struct kiocb *iocb, struct iov_iter *from)');
  assert.deepEqual([h0.oldStart, h0.oldLines, h0.newStart, h0.newLines], [576, 8, 576, 16]);
  assert.equal(h0.section, 'static ssize_t ext4_dio_write_iter(struct kiocb *iocb, struct iov_iter *from)');
  assert.equal(h0.docLine, 17);
  assert.equal(h0.truncated, false);
  assert.deepEqual(sideCounts(h0), { oldN: 8, newN: 16 });

  // Quoted copies of the hunk: (0-based line of the `@@`, number of `>` in front).
  const quoted = allHunks(doc).filter(({ hunk }) => hunk.quoteDepth >= 1);
  const found = quoted.map(({ hunk }) => [hunk.docLine, hunk.quoteDepth]);
  for (const expected of [[52, 1], [97, 2], [154, 3], [221, 4], [315, 5], [460, 6], [687, 4], [805, 1], [853, 2]]) {
    assert.ok(found.some(([l, d]) => l === expected[0] && d === expected[1]), `quoted hunk at line ${expected[0]} depth ${expected[1]}`);
  }
  // Darrick's reply (805) answers inside the hunk and the quote resumes after his comment,
  // as does Ritesh's answer to it (853): those two hunks are read whole, the resumed line
  // marked `gapBefore`. Every other quote stops before `if (extend) {`.
  const resumed = new Map([[805, 824], [853, 886]]);
  for (const { patch, file, hunk } of quoted) {
    assert.equal(patch.quoted, true);
    assert.equal(pathOf(file), 'fs/ext4/file.c');
    assert.equal(hunk.header.slice(0, 22), '@@ -576,8 +576,16 @@ s');
    assert.deepEqual(hunk.lines[0], { kind: ' ', text: '\t\tiomap_ops = &ext4_iomap_overwrite_ops;', docLine: hunk.docLine + 1, docColumn: hunk.lines[0].docColumn });
    const gap = hunk.lines.find((l) => l.gapBefore);
    if (resumed.has(hunk.docLine)) {
      assert.equal(hunk.truncated, false, `hunk at ${hunk.docLine} resumes after the reply`);
      assert.equal(gap?.docLine, resumed.get(hunk.docLine));
      assert.equal(gap?.text, '\t\t */');
      assert.deepEqual(sideCounts(hunk), { oldN: 8, newN: 16 });
    } else {
      assert.equal(hunk.truncated, true);
      assert.equal(gap, undefined);
    }
  }
  const darrick = quoted.find(({ hunk }) => hunk.docLine === 805).hunk;
  const beforeGap = darrick.lines[darrick.lines.findIndex((l) => l.gapBefore) - 1];
  assert.equal(beforeGap.text, "\t\t * write. But let's just add a safety net.");
  assert.ok(!doc.problems.some((p) => p.line === 805 && /incomplete/.test(p.message)));

  // The unquoted counter-proposal (file.c + inode.c) with a blank context line.
  const proposal = doc.patches.find((p) => !p.quoted && p.files.length === 2);
  assert.deepEqual(proposal.files.map(pathOf), ['fs/ext4/file.c', 'fs/ext4/inode.c']);
  assert.deepEqual(
    proposal.files.map((f) => f.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.truncated])),
    [[[599, 6, 599, 13, false]], [[3449, 12, 3449, 16, false]]],
  );
  assert.equal(proposal.files[0].hunks[0].docLine, 614);
});

test('seed 000: patchwork page with quoted review hunks and the full patch at the end', (t) => {
  const text = readSeed(t, '000_5e32f489a77d5aed.txt');
  if (text === null) return;
  const doc = P.parsePatchDocument(text);
  assertPositions(text, doc);

  const full = doc.patches.filter((p) => !p.quoted);
  assert.equal(full.length, 1);
  const patch = full[0];
  assert.equal(patch.subject, '[4/5] ext4: introduce direct IO write code path using iomap infrastructure');
  assert.match(patch.messageId, /^581c3a2da89991e7ce5862d93dcfb23e1dc8ddc8\./);
  assert.equal(patch.docLine, 1578);
  assert.deepEqual(patch.files.map(pathOf), ['fs/ext4/file.c', 'fs/ext4/inode.c']);
  assert.deepEqual(
    patch.files[0].hunks.map((h) => h.header.replace(/ @@.*/, ' @@')),
    ['@@ -29,6 +29,7 @@', '@@ -218,6 +219,14 @@', '@@ -235,6 +244,34 @@', '@@ -284,6 +321,128 @@', '@@ -300,12 +459,6 @@', '@@ -327,10 +480,6 @@', '@@ -339,61 +488,9 @@'],
  );
  assert.deepEqual(
    patch.files[1].hunks.map((h) => h.header.replace(/ @@.*/, ' @@')),
    ['@@ -3533,8 +3533,38 @@', '@@ -3581,10 +3611,10 @@', '@@ -3601,6 +3631,8 @@'],
  );
  assert.equal(patch.files[0].hunks[0].docLine, 1586);
  assert.equal(patch.files[0].hunks[3].lines.length, 128);
  // The page text stops before the final `}` of the last hunk.
  assert.deepEqual(patch.files[1].hunks.map((h) => h.truncated), [false, false, true]);

  const quoted = allHunks(doc).filter(({ hunk }) => hunk.quoteDepth >= 1);
  const at = (line) => quoted.find(({ hunk }) => hunk.docLine === line);
  // Ritesh quotes the whole patch with its file headers.
  assert.equal(pathOf(at(92).file), 'fs/ext4/file.c');
  assert.equal(at(92).hunk.quoteDepth, 1);
  assert.equal(pathOf(at(390).file), 'fs/ext4/inode.c');
  // His mailer space-stuffed context lines (`>   \tcode`): the extra space is removed.
  assert.equal(at(100).hunk.lines[0].text, '\tif (ret <= 0)');
  // Header-less quotes: the file comes from the full copy with the same @@ numbers.
  assert.equal(pathOf(at(600).file), 'fs/ext4/inode.c');
  assert.equal(pathOf(at(1086).file), 'fs/ext4/file.c');
  assert.equal(pathOf(at(1247).file), 'fs/ext4/inode.c');
  assert.equal(at(992).hunk.quoteDepth, 3);
  assert.equal(pathOf(at(992).file), 'fs/ext4/inode.c');
  assert.ok(quoted.every(({ file }) => pathOf(file) !== null));
  // Reviewer comments cut quoted hunks: those are truncated and warned about.
  assert.equal(at(1086).hunk.truncated, true);
  assert.ok(doc.problems.some((p) => p.line === 1086 && p.severity === 'warning'));
});

function assertFlattenedSeed(text, doc) {
  assert.equal(doc.flattened, true);
  const info = doc.problems.find((p) => p.severity === 'information' && /character offsets/.test(p.message));
  assert.ok(info, 'flattening is reported');
  assert.equal(info.line, 0);
  for (const { hunk } of allHunks(doc)) {
    assert.equal(hunk.docLine, 0);
    for (const l of hunk.lines) assert.equal(l.docLine, 0);
  }
  assertPositions(text, doc);
}

test('seed 002: flattened reply quoting a whole patch at depth 2', (t) => {
  const text = readSeed(t, '002_d71d03daebee78d5.txt');
  if (text === null) return;
  const doc = P.parsePatchDocument(text);
  assertFlattenedSeed(text, doc);
  assert.equal(doc.patches.length, 1);
  const patch = doc.patches[0];
  assert.equal(patch.quoted, true);
  assert.equal(patch.subject, 'Re: [PATCH v4 08/23] ext4: implement buffered write path using iomap');
  assert.equal(patch.messageId, '20260528154059.GA6054@frogsfrogsfrogs');
  assert.deepEqual(patch.files.map(pathOf), ['fs/ext4/ext4.h', 'fs/ext4/file.c', 'fs/ext4/inode.c', 'fs/ext4/super.c']);
  const file = patch.files[1];
  assert.deepEqual(file.hunks.map((h) => h.header.replace(/ @@.*/, ' @@')), ['@@ -299,6 +299,21 @@', '@@ -313,7 +328,10 @@']);
  const inode = patch.files[2];
  assert.equal(inode.hunks.length, 7);
  const big = inode.hunks.find((h) => h.oldStart === 3946);
  assert.equal(big.header.slice(0, 24), '@@ -3946,6 +3964,147 @@ ');
  assert.equal(big.lines.length, 147);
  // The quote is complete: every hunk holds exactly what its header promises.
  for (const { hunk } of allHunks(doc)) {
    assert.equal(hunk.truncated, false, hunk.header);
    assert.equal(hunk.quoteDepth, 2);
    assert.deepEqual(sideCounts(hunk), { oldN: hunk.oldLines, newN: hunk.newLines });
  }
  // A recovered line: indentation is gone, the marker is classified.
  const generic = file.hunks[1].lines.find((l) => l.kind === '-');
  assert.equal(generic.text, 'ret = generic_perform_write(iocb, from);');
  assert.equal(generic.docColumn, text.indexOf('- ret = generic_perform_write') + 2);
});

test('seed 003: flattened 2009 reply quoting a quilt patch at depth 6', (t) => {
  const text = readSeed(t, '003_6a9539d13d09c486.txt');
  if (text === null) return;
  const doc = P.parsePatchDocument(text);
  assertFlattenedSeed(text, doc);
  const patch = doc.patches[0];
  assert.equal(patch.subject, 'Re: [PATCH 1/2 V2] Direct IO for holes and fallocate: add end_io callback');
  // quilt names (`linux-2.6.31-rc4.orig/fs/...` + timestamp) lose their first directory.
  assert.deepEqual(patch.files.map(pathOf), ['fs/ext4/ext4.h', 'fs/ext4/super.c', 'fs/ext4/inode.c']);
  const inode = patch.files[2];
  assert.deepEqual(
    inode.hunks.map((h) => h.header.replace(/ @@.*/, ' @@')),
    ['@@ -37,6 +37,7 @@', '@@ -3279,6 +3280,8 @@', '@@ -3287,7 +3290,7 @@', '@@ -3361,6 +3364,212 @@'],
  );
  for (const h of inode.hunks.slice(0, 3)) assert.deepEqual(sideCounts(h), { oldN: h.oldLines, newN: h.newLines });
  // The 212-line hunk is interrupted by the replies and resumes after each of them; the
  // quote ends inside ext4_ext_direct_IO(), so it stays incomplete.
  const last = inode.hunks[3];
  assert.equal(last.truncated, true);
  assert.equal(last.quoteDepth, 6);
  assert.ok(last.lines.length > 150 && last.lines.length < 212, `got ${last.lines.length}`);
  const firstGap = last.lines.findIndex((l) => l.gapBefore);
  assert.ok(firstGap > 50, 'the first reply comes after ext4_get_block_dio_read()');
  assert.deepEqual([last.lines[firstGap - 1].kind, last.lines[firstGap - 1].text], ['+', '}']);
  assert.ok(text.slice(last.lines[firstGap - 1].docColumn).startsWith('} > > > > > Huh, what'));
  assert.ok(last.lines.some((l) => /^static void ext4_end_io_dio\(/.test(l.text)), 'ext4_end_io_dio() is quoted after a reply');
});

test('seed 004: plain commit message + diff', (t) => {
  const text = readSeed(t, '004_9617f83f260eb176.txt');
  if (text === null) return;
  const doc = P.parsePatchDocument(text);
  assertPositions(text, doc);
  assert.equal(doc.flattened, false);
  assert.equal(doc.patches.length, 1);
  const patch = doc.patches[0];
  assert.equal(patch.subject, 'ext4: simplify io_end handling for AIO DIO');
  assert.equal(patch.quoted, false);
  assert.deepEqual(patch.files.map((f) => [f.oldPath, f.newPath, f.docLine]), [['fs/ext4/inode.c', 'fs/ext4/inode.c', 26]]);
  const hunks = patch.files[0].hunks;
  assert.deepEqual(
    hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]),
    [[797, 18, 797, 16], [818, 16, 816, 62], [3243, 7, 3287, 7], [3251, 10, 3295, 8], [3290, 7, 3332, 6], [3315, 16, 3356, 17], [3332, 30, 3374, 13], [3370, 27, 3395, 6], [3405, 7, 3409, 6]],
  );
  assert.equal(hunks[0].docLine, 30);
  for (const h of hunks) {
    assert.equal(h.truncated, false);
    assert.deepEqual(sideCounts(h), { oldN: h.oldLines, newN: h.newLines });
  }
  assert.deepEqual(doc.problems, []);
});

// ---- hand-written fixtures ------------------------------------------------------------

test('mbox series: cover letter skipped, patches in order with headers and base-commit', () => {
  const text = fixture('series.mbox');
  const doc = P.parsePatchDocument(text);
  assertPositions(text, doc);
  assert.deepEqual(doc.patches.map((p) => [p.index, p.isCoverLetter, p.files.length]), [[0, true, 0], [1, false, 1], [2, false, 2]]);
  const [cover, p1, p2] = doc.patches;
  assert.equal(cover.subject, '[PATCH 0/2] demo: make alpha writes safer');
  assert.equal(cover.baseCommit, '0123456789abcdef0123456789abcdef01234567');
  assert.equal(p1.subject, '[PATCH 1/2] demo: refuse dead alpha objects');
  assert.equal(p1.from, 'Demo Author <author@example.org>');
  assert.equal(p1.date, 'Mon, 1 Jan 2024 12:00:01 +0000');
  assert.equal(p1.messageId, 'patch1.demo@example.org');
  assert.equal(p1.baseCommit, cover.baseCommit, 'inherited from the cover letter');
  assert.ok(text.split('\n')[p1.docLine].startsWith('From 2b3c4d5e'));
  assert.deepEqual(p1.files[0].hunks.map((h) => [h.header, h.docLine, h.lines.length]), [
    ['@@ -5,4 +5,6 @@ static int alpha_prepare(struct alpha *a)', 39, 6],
    ['@@ -23,6 +25,7 @@ int alpha_write(struct alpha *a, int flags)', 46, 8],
  ]);
  assert.deepEqual(p1.files[0].hunks[1].lines.map((l) => l.kind).join(''), '   -++  ');
  assert.deepEqual(p2.files.map((f) => [f.oldPath, f.newPath]), [['demo/alpha.c', 'demo/alpha.c'], [null, 'demo/beta.h']]);
  assert.deepEqual(p2.files[1].hunks[0].lines.map((l) => l.text), ['#pragma once', '', 'int beta_flush(void);']);
  assert.deepEqual(doc.problems, []);
});

test('plain unified diff: timestamps, quilt -p1 names, no-newline marker', () => {
  const text = fixture('plain.diff');
  const doc = P.parsePatchDocument(text);
  assertPositions(text, doc);
  const files = doc.patches[0].files;
  assert.deepEqual(files.map((f) => [f.oldPath, f.newPath]), [['lib/util.c', 'lib/util.c'], ['lib/list.c', 'lib/list.c']]);
  const util = files[0].hunks[0];
  assert.deepEqual(util.lines.map((l) => l.kind).join(''), '  -+ \\');
  assert.equal(util.lines[5].text, ' No newline at end of file');
  assert.equal(util.truncated, false);
  assert.deepEqual(files[1].hunks[0].lines.map((l) => [l.kind, l.text]), [[' ', '\tl->next = l;'], ['-', '\tl->prev = NULL;'], [' ', '\tl->prev = l;']]);
});

test('CRLF line endings read like LF ones', () => {
  const lf = P.parsePatchDocument(fixture('series.mbox'));
  const crlf = P.parsePatchDocument(fixture('series.mbox').replace(/\n/g, '\r\n'));
  assert.deepEqual(crlf.problems, []);
  assert.deepEqual(crlf.patches, lf.patches);
});

test('a long added line that mentions @@ does not make a patch "flattened"', () => {
  const long = '+const sample = "@@ -1,2 +1,2 @@ ' + 'x'.repeat(3000) + '";';
  const text = ['--- a/t.js', '+++ b/t.js', '@@ -1,1 +1,2 @@', ' keep();', long].join('\n');
  const doc = P.parsePatchDocument(text);
  assert.equal(doc.flattened, false);
  const [{ hunk }] = allHunks(doc);
  assert.equal(hunk.truncated, false);
  assert.equal(hunk.lines[1].text, long.slice(1));
});

test('reply quoting at depth 1 and 2, trimmed, with comments in between', () => {
  const text = fixture('reply-quoted.eml');
  const doc = P.parsePatchDocument(text);
  assertPositions(text, doc);
  const hunks = allHunks(doc);
  assert.equal(hunks.length, 2);
  const [a, b] = hunks;
  // depth 2 (`>> `): trimmed after the two added lines, ended by the `>` line.
  assert.equal(a.hunk.quoteDepth, 2);
  assert.equal(a.hunk.docLine, 12);
  assert.equal(a.hunk.docColumn, 3);
  assert.equal(a.hunk.truncated, true);
  assert.deepEqual(a.hunk.lines.map((l) => [l.kind, l.text]), [[' ', '\tif (!a)'], [' ', '\t\treturn -EINVAL;'], ['+', '\tif (a->dead)'], ['+', '\t\treturn -EIO;']]);
  assert.equal(pathOf(a.file), 'demo/alpha.c');
  assert.equal(a.patch.quoted, true);
  assert.equal(a.patch.subject, 'Re: [PATCH 1/2] demo: refuse dead alpha objects');
  const warn = doc.problems.find((p) => p.severity === 'warning' && p.line === 12);
  assert.match(warn.message, /2 of 4 old and 4 of 6 new/);
  // depth 1 without a file header: the file comes from the nearest header above;
  // its blank context line lost its marker (`>` alone) and is still counted.
  assert.equal(b.hunk.quoteDepth, 1);
  assert.equal(b.hunk.docLine, 22);
  assert.equal(b.hunk.truncated, false);
  assert.equal(pathOf(b.file), 'demo/alpha.c');
  assert.deepEqual(b.hunk.lines[2], { kind: ' ', text: '', docLine: 25, docColumn: 1 });
  assert.deepEqual(sideCounts(b.hunk), { oldN: 6, newN: 7 });
});

test('mixed quote prefixes (`> >> `) count every level', () => {
  const text = ['On Monday someone wrote:', '> >> diff --git a/demo/m.c b/demo/m.c', '> >> --- a/demo/m.c', '> >> +++ b/demo/m.c', '> >> @@ -1,2 +1,2 @@', '> >>  keep();', '> >> -old();', '> >> +new();', '> > ok'].join('\n');
  const doc = P.parsePatchDocument(text);
  const [{ file, hunk }] = allHunks(doc);
  assert.equal(pathOf(file), 'demo/m.c');
  assert.equal(hunk.quoteDepth, 3);
  assert.equal(hunk.docColumn, 5);
  assert.equal(hunk.truncated, false);
  assert.deepEqual(hunk.lines.map((l) => [l.kind, l.text, l.docColumn]), [[' ', 'keep();', 6], ['-', 'old();', 6], ['+', 'new();', 6]]);
});

test('quoted hunk with no file anywhere: null paths and a warning', () => {
  const text = ['Someone wrote:', '> @@ -10,2 +10,2 @@ f(void)', '>  a();', '> -b();', '> +c();', '', 'Hmm.'].join('\n');
  const doc = P.parsePatchDocument(text);
  const [{ file, hunk }] = allHunks(doc);
  assert.deepEqual([file.oldPath, file.newPath], [null, null]);
  assert.equal(hunk.truncated, false);
  const w = doc.problems.find((p) => /file is unknown/.test(p.message));
  assert.deepEqual([w.severity, w.line, w.column], ['warning', 1, 2]);
});

test('flattened hand-written reply: lines recovered at character offsets', () => {
  const prose = 'This paragraph only makes the line long, as archived mail often is. '.repeat(20);
  const text =
    'From: Some One Subject: Re: [PATCH] demo: add b Date: Tue, 2 Jan 2024 10:00:00 +0000 Message-ID: <flat@example.org> ' +
    `On Mon, Other wrote: > ${prose} > > diff --git a/demo/x.c b/demo/x.c > > --- a/demo/x.c > > +++ b/demo/x.c ` +
    '> > @@ -1,3 +1,4 @@ f(void) > > int a; > > + int b; > > > > int c; > > -- > > 2.43.0 Thanks.';
  const doc = P.parsePatchDocument(text);
  assert.equal(doc.flattened, true);
  assert.equal(doc.patches[0].subject, 'Re: [PATCH] demo: add b');
  assert.equal(doc.patches[0].messageId, 'flat@example.org');
  const [{ file, hunk }] = allHunks(doc);
  assert.equal(pathOf(file), 'demo/x.c');
  assert.equal(hunk.docColumn, text.indexOf('@@ -1,3'));
  assert.equal(hunk.quoteDepth, 2);
  assert.equal(hunk.truncated, false);
  assert.deepEqual(hunk.lines.map((l) => [l.kind, l.text]), [[' ', 'int a;'], ['+', 'int b;'], [' ', ''], [' ', 'int c;']]);
  assert.equal(hunk.lines[1].docColumn, text.indexOf('int b;'));
  assertPositions(text, doc);
});

test('truncated hunk at the end of a patch', () => {
  const doc = P.parsePatchDocument(fixture('truncated.diff'));
  const [{ hunk }] = allHunks(doc);
  assert.equal(hunk.truncated, true);
  assert.equal(hunk.lines.length, 5);
  assert.equal(hunk.docEndLine, 9);
  const w = doc.problems.find((p) => p.severity === 'warning');
  assert.equal(w.line, 4);
  assert.match(w.message, /3 of 7 old and 4 of 8 new/);
});

test('new, deleted and renamed files', () => {
  const doc = P.parsePatchDocument(fixture('newfile.diff'));
  const files = doc.patches[0].files;
  assert.deepEqual(files.map((f) => [f.oldPath, f.newPath, f.docLine]), [[null, 'demo/delta.c', 0], ['demo/old.c', null, 10], ['demo/name1.c', 'demo/name2.c', 18]]);
  assert.deepEqual(files.map((f) => f.hunks.map((h) => h.header)), [['@@ -0,0 +1,4 @@'], ['@@ -1,2 +0,0 @@'], ['@@ -1,3 +1,3 @@']]);
  assert.ok(files.every((f) => !f.hunks[0].truncated));
});

test('binary diffs: binary file diffs and an information problem each', () => {
  const doc = P.parsePatchDocument(fixture('binary.diff'));
  const files = doc.patches[0].files;
  assert.deepEqual(files.map((f) => [f.oldPath, f.newPath, f.binary === true, f.hunks.length]), [
    ['demo/logo.png', 'demo/logo.png', true, 0],
    [null, 'demo/blob.bin', true, 0],
    ['demo/readme.txt', 'demo/readme.txt', false, 1],
  ]);
  const infos = doc.problems.filter((p) => p.severity === 'information');
  assert.deepEqual(infos.map((p) => p.line), [2, 6]);
  assert.match(infos[0].message, /demo\/logo\.png/);
});

// ---- bad input ------------------------------------------------------------------------

test('empty document', () => {
  for (const text of ['', '\n\n  \n']) {
    const doc = P.parsePatchDocument(text);
    assert.deepEqual(doc.patches, []);
    assert.equal(doc.problems.length, 1);
    assert.match(doc.problems[0].message, /Empty document/);
    assert.equal(doc.problems[0].line, 0);
  }
});

test('garbage text and non-string input', () => {
  const doc = P.parsePatchDocument('hello world\nthis is not a patch\n@@ broken @@\n--- only minus\n+++');
  assert.deepEqual(doc.patches, []);
  assert.ok(doc.problems.some((p) => /No diff found/.test(p.message) && p.line === 0));
  const weird = P.parsePatchDocument(null);
  assert.equal(weird.problems[0].severity, 'error');
});

/** Deterministic pseudo-random bytes (no Math.random: failures must reproduce). */
function pseudoRandomBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('random bytes with NUL bytes: binary-data problems, no exception', () => {
  const bytes = pseudoRandomBytes(200000, 42);
  bytes.fill(0x78, 0, 100); // "xxx…" so the first NUL's position is known
  bytes[100] = 0;
  const { text, problems } = P.decodeDocument(bytes);
  const nul = problems.find((p) => /Binary data/.test(p.message));
  assert.deepEqual([nul.severity, nul.line, nul.column], ['error', 0, 100]);
  const doc = P.parsePatchDocument(text);
  const nul2 = doc.problems.find((p) => /NUL byte/.test(p.message));
  assert.deepEqual([nul2.line, nul2.column], [0, 100]);
  assert.ok(doc.problems.some((p) => /No diff found/.test(p.message)));
});

test('invalid UTF-8 falls back to latin1 with the first bad offset', () => {
  const enc = new TextEncoder();
  const bytes = new Uint8Array([...enc.encode('line one\nabc'), 0xc3, 0x28, 0x80, ...enc.encode(' tail')]);
  const { text, problems } = P.decodeDocument(bytes);
  assert.equal(text, 'line one\nabc\u00c3(\u0080 tail');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].severity, 'warning');
  assert.match(problems[0].message, /byte offset 12\b/);
  assert.deepEqual([problems[0].line, problems[0].column], [1, 3]);
  const ok = P.decodeDocument(enc.encode('caf\u00e9 \u2192 ok'));
  assert.equal(ok.text, 'caf\u00e9 \u2192 ok');
  assert.deepEqual(ok.problems, []);
});

test('~50 MB generated patch completes, with the final truncated hunk reported', () => {
  const files = 18000;
  const parts = [];
  let lines = 0;
  for (let f = 0; f < files; f++) {
    const chunk = [`diff --git a/gen/f${f}.c b/gen/f${f}.c`, 'index 1111111..2222222 100644', `--- a/gen/f${f}.c`, `+++ b/gen/f${f}.c`];
    for (let h = 0; h < 20; h++) {
      const s = 1 + h * 40;
      chunk.push(`@@ -${s},7 +${s},8 @@ static int fn${h}(struct thing *t)`, ' \tint a = t->a;', ' \tint b = t->b;', ' \tint c = 0;', '-\treturn a;', '+\tif (a > b)', '+\t\treturn c;', ' \tfoo(t);', ' \tbar(t);', ' }');
    }
    parts.push(chunk.join('\n'));
    lines += chunk.length;
  }
  const lastHeader = lines;
  parts.push('@@ -900,7 +900,7 @@ tail\n \tonly_one_line();\n');
  const text = parts.join('\n');
  assert.ok(text.length > 45e6, `generated ${text.length} chars`);
  const doc = P.parsePatchDocument(text);
  assert.equal(doc.patches.length, 1);
  assert.equal(doc.patches[0].files.length, files);
  assert.equal(allHunks(doc).length, files * 20 + 1);
  const w = doc.problems.find((p) => p.severity === 'warning');
  assert.equal(w.line, lastHeader);
  assert.match(w.message, /incomplete/);
});

// ---- applying a series ----------------------------------------------------------------

const seriesDoc = () => P.parsePatchDocument(fixture('series.mbox'));

test('applySeries: the series applies to its base and gives the expected post-image', () => {
  const base = new Map([['demo/alpha.c', fixture('base-alpha.c')]]);
  const r = P.applySeries(base, seriesDoc().patches);
  assert.deepEqual(r.failed, []);
  assert.deepEqual(r.applied.map((a) => [a.patchIndex, a.fileIndex, a.hunkIndex, a.path, a.offset, a.newStartInResult]), [
    [1, 0, 0, 'demo/alpha.c', 0, 5],
    [1, 0, 1, 'demo/alpha.c', 0, 25],
    [2, 0, 0, 'demo/alpha.c', 0, 19],
    [2, 1, 0, 'demo/beta.h', 0, 1],
  ]);
  assert.equal(r.files.get('demo/alpha.c'), fixture('post-alpha.c'));
  assert.equal(r.files.get('demo/beta.h'), '#pragma once\n\nint beta_flush(void);\n');
  assert.equal(base.get('demo/alpha.c'), fixture('base-alpha.c'), 'base is not modified');
});

test('applySeries: moved context applies at an offset, a changed line fails alone', () => {
  // Three lines added on top move every hunk by 3; the line patch 1 removes was changed.
  const moved = '/* one */\n/* two */\n/* three */\n' + fixture('base-alpha.c').replace('\tlock_alpha(a);', '\tlock_alpha(a, 0);');
  const r = P.applySeries(new Map([['demo/alpha.c', moved]]), seriesDoc().patches);
  assert.deepEqual(r.failed.map((f) => [f.patchIndex, f.fileIndex, f.hunkIndex, f.path]), [[1, 0, 1, 'demo/alpha.c']]);
  assert.match(r.failed[0].reason, /does not apply/);
  assert.deepEqual(r.applied.map((a) => [a.patchIndex, a.hunkIndex, a.path, a.offset, a.newStartInResult]), [
    [1, 0, 'demo/alpha.c', 3, 8],
    [2, 0, 'demo/alpha.c', 3, 22],
    [2, 0, 'demo/beta.h', 0, 1],
  ]);
  const out = r.files.get('demo/alpha.c').split('\n');
  assert.equal(out[7], '\tif (!a)');
  assert.equal(out[21], '\t\treturn ret;');
  assert.equal(out[23], '\ta->dirty = 1;');
  assert.ok(out.includes('\tlock_alpha(a, 0);'));
});

test('applySeries: fuzz tolerates a changed context line away from the change', () => {
  // (jsdiff still insists on exact context right next to an insertion.)
  const base = fixture('base-alpha.c').replace('\tif (!a)', '\tif (a == NULL)');
  const r = P.applySeries(new Map([['demo/alpha.c', base]]), seriesDoc().patches.slice(0, 2));
  assert.deepEqual(r.failed, []);
  assert.deepEqual(r.applied.map((a) => [a.hunkIndex, a.newStartInResult]), [[0, 5], [1, 25]]);
  assert.ok(r.files.get('demo/alpha.c').includes('\tif (a == NULL)\n\t\treturn -EINVAL;\n\tif (a->dead)\n'));
});

test('applySeries: quoted hunks, unknown files, missing base files, new/deleted/renamed files', () => {
  const base = new Map([['demo/alpha.c', fixture('base-alpha.c')], ['demo/old.c', 'int old_fn(void);\nint old_fn2(void);\n'], ['demo/name1.c', 'int name(void)\n{ return 1; }\n/* end */\n']]);
  const reply = P.applySeries(base, P.parsePatchDocument(fixture('reply-quoted.eml')).patches);
  assert.deepEqual(reply.applied, []);
  assert.deepEqual(reply.failed.map((f) => f.reason), [P.NOT_APPLICABLE, P.NOT_APPLICABLE]);
  assert.equal(P.NOT_APPLICABLE, 'quoted/truncated hunk: not applied');
  assert.equal(reply.files.size, 0);

  const missing = P.applySeries(new Map(), seriesDoc().patches);
  assert.deepEqual(missing.failed.map((f) => [f.patchIndex, f.hunkIndex]), [[1, 0], [1, 1], [2, 0]]);
  assert.ok(missing.failed.every((f) => /not found in the base tree: demo\/alpha\.c/.test(f.reason)));
  assert.deepEqual([...missing.files.keys()], ['demo/beta.h']);

  const trunc = P.applySeries(new Map([['demo/gamma.c', 'x\n']]), P.parsePatchDocument(fixture('truncated.diff')).patches);
  assert.deepEqual(trunc.failed.map((f) => f.reason), [P.NOT_APPLICABLE]);

  const nf = P.applySeries(base, P.parsePatchDocument(fixture('newfile.diff')).patches);
  assert.deepEqual(nf.failed, []);
  assert.equal(nf.files.get('demo/delta.c'), 'int delta(void)\n{\n\treturn 4;\n}\n');
  assert.equal(nf.files.get('demo/name2.c'), 'int name(void)\n{ return 2; }\n/* end */\n');
  assert.equal(nf.files.has('demo/old.c'), false);
  assert.equal(nf.files.has('demo/name1.c'), false);
});

test('hunkSides gives the old and new code of a hunk', () => {
  const h = seriesDoc().patches[1].files[0].hunks[0];
  const { oldText, newText } = P.hunkSides(h);
  assert.equal(oldText, '\tif (!a)\n\t\treturn -EINVAL;\n\ta->ready = 1;\n\treturn 0;');
  assert.equal(newText, '\tif (!a)\n\t\treturn -EINVAL;\n\tif (a->dead)\n\t\treturn -EIO;\n\ta->ready = 1;\n\treturn 0;');
});

// applySeries() splices an exact fit itself, tried in jsdiff's search order, and leaves
// everything else to jsdiff: on the real diffs the result must be the newer tree, byte for byte.
test('applySeries: the real 6.1 → 6.12 and 6.12 → 7.2 diffs give the newer trees exactly', async (t) => {
  const { api, kernelDir, kernelDiff, need } = await import('./helpers.mjs');
  for (const [from, to] of [['6.1', '6.12'], ['6.12', '7.2']]) {
    if (!need(t, kernelDir(from) && kernelDir(to), `Debian linux-source-${from} and -${to} trees`)) return;
    const files = [...api.INTERPRETED_FILES, 'fs/ext4/ext4.h', 'fs/ext4/ext4_jbd2.h', 'fs/ext4/extents_status.h', 'include/linux/iomap.h'];
    const diff = kernelDiff(kernelDir(from), kernelDir(to), files);
    const doc = api.parsePatchDocument(diff);
    const base = new Map(files.map((f) => [f, readFileSync(join(kernelDir(from), f), 'utf8')]));
    const r = api.applySeries(base, doc.patches);
    assert.deepEqual(r.failed, [], `${from} → ${to}: every hunk applies`);
    assert.ok(r.applied.length > 100, `${from} → ${to}: ${r.applied.length} hunks`);
    for (const f of files) assert.ok((r.files.get(f) ?? base.get(f)) === readFileSync(join(kernelDir(to), f), 'utf8'), `${from} → ${to}: ${f} is the newer tree's`);
  }
});
