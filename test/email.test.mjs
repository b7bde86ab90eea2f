// `review --format email` (issue 15, point 1) and the inputs reviewers have (point 2):
// standard input with b4's mbox layout, a directory of format-patch files, plain diffs.
//
// Goldens: test/fixtures/email/<what-it-catches>.txt hold the tool's email for the five
// seed threads and the real 6.1 → 6.12 and 6.12 → 7.2 diffs. Seeds and kernel trees are
// test input whose text is not committed (BRIEF), so a golden stores every run of quoted
// (`>`) lines as one line with its line count and SHA-256: the quotes are still compared
// byte for byte, the sentences, headers and footer are stored in full. UPDATE_GOLDEN=1
// rewrites the goldens; read the diff (and the full email, from the CLI) before
// committing one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, editedTree, kernel, kernelDir, kernelDiff, need, parser, ROOT, seedsDir, toBase } from './helpers.mjs';

const CLI = join(ROOT, 'dist', 'cli.js');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'email');
const SEPARATOR = 'From ext4-write-path Mon Sep 17 00:00:00 2001';

/** Run the CLI; `input` is fed to standard input. */
function cli(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 27, timeout: 300_000 });
  if (r.error) throw r.error;
  return r;
}

/** `review ... --format email`; the exit status is 0, or 1 when the patch breaks an invariant. */
function email(args, input) {
  const r = cli(['review', ...args, '--format', 'email'], input);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Each run of `>` lines as `> [quoted: N lines, sha256 …]` (see the header comment). */
export function redactQuotes(text) {
  const out = [];
  let run = [];
  const flush = () => {
    if (!run.length) return;
    const h = createHash('sha256').update(run.join('\n')).digest('hex').slice(0, 16);
    out.push(`> [quoted: ${run.length} line${run.length === 1 ? '' : 's'}, sha256 ${h}]`);
    run = [];
  };
  for (const l of text.split('\n')) {
    if (l.startsWith('>')) run.push(l);
    else {
      flush();
      out.push(l);
    }
  }
  flush();
  return out.join('\n');
}

/** Compare an email with its golden (or rewrite the golden under UPDATE_GOLDEN=1). */
function check(t, name, text) {
  const file = join(GOLDEN, `${name}.txt`);
  const got = redactQuotes(text);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, got);
    t.diagnostic(`wrote ${file}`);
    return;
  }
  assert.ok(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1, then read it`);
  assert.equal(got, readFileSync(file, 'utf8'), `${name}: the email differs from its golden (UPDATE_GOLDEN=1 rewrites it)`);
}

/** What every email must be, whatever the review found. */
function assertWellFormed(text, { threaded }) {
  const all = text.split('\n');
  const head = all.slice(0, all.indexOf('')).join('\n');
  if (threaded) {
    assert.match(head, /^Subject: Re: \S/m);
    assert.match(head, /^In-Reply-To: <[^<>\s]+>$/m);
    assert.match(head, /^References: <[^<>\s]+>/m);
  } else {
    assert.doesNotMatch(head, /^(?:In-Reply-To|References):/m);
    assert.match(text.replace(/\n(?=\S)/g, ' '), /\[No (?:Message-ID|mail headers) in \S+: add In-Reply-To\/References/);
  }
  const lines = text.split('\n');
  const sig = lines.indexOf('-- ');
  assert.ok(sig > 0, 'a signature separator');
  assert.match(lines[sig + 1], /^ext4-write-path \d+\.\d+\.\d+, review --format email --min-severity (error|warning|information)$/);
  assert.match(lines.slice(sig).join('\n'), /^tree: /m);
  assert.match(lines.slice(sig).join('\n'), /^profile: \S+ \(/m);
  // Sentences are wrapped at 72 columns (a single word may be longer); quotes are never rewrapped.
  for (const l of lines) {
    if (l.startsWith('>') || /^(Subject|In-Reply-To|References):/.test(l) || l.startsWith(' <') || l.startsWith('From ')) continue;
    assert.ok(l.length <= 72 || !l.includes(' '), `line over 72 columns: ${l}`);
  }
  // Every quoted hunk keeps its @@ header; the file's header lines come once per file.
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('>') && !lines[i - 1]?.startsWith('>')) assert.match(lines[i], /^> (?:diff --git |@@ -)/, `a quote starts with the file header or a hunk header: ${lines[i]}`);
  }
  // Nothing machine-specific.
  assert.doesNotMatch(text, new RegExp(`${tmpdir()}/|/root/|/home/|\\.cache/ext4-write-path`));
}

const SEEDS = [
  // [seed, golden name (what it catches), extra args]
  ['000_5e32f489a77d5aed.txt', 'iomap-dio-conversion-breaks-nowait-and-unaligned', []],
  ['001_19eda201be480ccb.txt', 'atomic-fallback-fixed-except-indirect-holes-information', ['--min-severity', 'information']],
  ['002_d71d03daebee78d5.txt', 'iomap-buffered-write-ops-information', ['--min-severity', 'information']],
  ['003_6a9539d13d09c486.txt', 'legacy-end-io-callback-converts-at-completion', ['--min-severity', 'information']],
  ['004_9617f83f260eb176.txt', 'aio-io-end-allocated-only-for-unwritten', []],
];

for (const [seed, name, extra] of SEEDS) {
  test(`email golden: seed ${seed.slice(0, 3)} (${name})`, (t) => {
    const dir = seedsDir();
    if (!need(t, dir && existsSync(join(dir, seed)), `seed ${seed}`)) return;
    const out = email([join(dir, seed), ...extra]);
    // The seeds are threads of real mail except 001 (no Message-ID) and 004 (a commit).
    assertWellFormed(out, { threaded: !['001', '004'].includes(seed.slice(0, 3)) });
    check(t, name, out);
  });
}

test('email golden: the real 6.1 → 6.12 diff (a plain diff: no mail headers) against the 6.1 tree', (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-'));
  try {
    const file = join(dir, 'linux-6.1-to-6.12.diff');
    writeFileSync(file, kernelDiff(kernelDir('6.1'), kernelDir('6.12')));
    const out = email([file, '--kernel', kernelDir('6.1')]);
    assertWellFormed(out, { threaded: false });
    // Applied to the tree: no hunk-only wording; the lock-mode change of the unaligned
    // overwrite is told in words, with where it was decided.
    assert.doesNotMatch(out, /reviewed on its own|hunk-only mode/);
    assert.match(out.replace(/\n/g, ' '), /O_DIRECT writes over written blocks [^.[]*\[[^\]]*\bdio-sync-un-written-warm\b[^\]]*\] hold i_rwsem shared across the IO instead of exclusive \(decided by .{1,200}? at fs\/ext4\/file\.c:\d+\)/);
    assert.match(out, /^tree: linux-6\.1 \(Linux 6\.1\.\d+\)$/m);
    check(t, 'real-6.1-to-6.12-unaligned-overwrite-goes-shared', out);

    // --min-severity error keeps only the hunks that newly break an invariant.
    const errors = email([file, '--kernel', kernelDir('6.1'), '--min-severity', 'error']);
    const hunks = (s) => s.split('\n').filter((l) => l.startsWith('> @@ ')).length;
    assert.ok(hunks(errors) >= 1 && hunks(errors) < hunks(out), `${hunks(errors)} error hunks of ${hunks(out)}`);
    const comments = errors.split(/\n(?=> @@ )/).slice(1);
    for (const c of comments) assert.match(c, /This breaks \S+ \(error\)/);
    assert.doesNotMatch(errors, /^With this change/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('email golden: the real 6.12 → 7.2 diff against the 6.12 tree', (t) => {
  if (!need(t, kernelDir('6.12') && kernelDir('7.2'), 'Debian 6.12 and 7.2 trees (npm run fetch-kernels)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-'));
  try {
    const file = join(dir, 'linux-6.12-to-7.2.diff');
    writeFileSync(file, kernelDiff(kernelDir('6.12'), kernelDir('7.2')));
    const out = email([file, '--kernel', kernelDir('6.12')]);
    assertWellFormed(out, { threaded: false });
    check(t, 'real-6.12-to-7.2', out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('email: byte-for-byte the same on a second run', (t) => {
  const dir = seedsDir();
  if (!need(t, dir, 'the seed threads')) return;
  const seed = join(dir, '000_5e32f489a77d5aed.txt');
  const a = email([seed, '--min-severity', 'information']);
  const b = email([seed, '--min-severity', 'information']);
  assert.ok(a.length > 1000);
  assert.equal(a, b);
});

// ---- inputs: b4's mbox on standard input, a directory of format-patch files ---------------

const COVER_ID = 'cover.20250401.ext4wp@example.org';
const patchId = (n) => `patch${n}.20250401.ext4wp@example.org`;

/** One message of a b4 / git format-patch mbox. */
function message({ n, of, subject, id, replyTo, body, diff, trailers = [] }) {
  return [
    `From ${String(n).repeat(40).slice(0, 40)} Mon Sep 17 00:00:00 2001`,
    'From: A Developer <dev@example.org>',
    `Date: Tue, 1 Apr 2025 10:0${n}:00 +0000`,
    `Subject: [PATCH ${n}/${of}] ${subject}`,
    `Message-Id: <${id}>`,
    ...(replyTo ? [`In-Reply-To: <${replyTo}>`, `References: <${replyTo}>`] : []),
    '',
    body,
    '',
    ...trailers,
    ...(diff ? ['---', ' 1 file changed', '', diff.trimEnd()] : []),
    '-- ',
    '2.39.5',
    '',
  ].join('\n');
}

/** A two-patch series made at test time from the real trees: file.c then inode.c, 6.1 → 6.12. */
function series() {
  const from = kernelDir('6.1');
  const to = kernelDir('6.12');
  const diff = (f) => `diff --git a/${f} b/${f}\n${kernelDiff(from, to, [f])}`;
  const trailers = (n) => ['Signed-off-by: A Developer <dev@example.org>', 'Reviewed-by: A Reviewer <reviewer@example.org>', `Link: https://lore.kernel.org/r/${patchId(n)}`];
  const p1 = { n: 1, of: 2, subject: 'ext4: the file.c write path of 6.12', id: patchId(1), replyTo: COVER_ID, body: 'Bring file.c to 6.12.', diff: diff('fs/ext4/file.c'), trailers: trailers(1) };
  const p2 = { n: 2, of: 2, subject: 'ext4: the inode.c write path of 6.12', id: patchId(2), replyTo: COVER_ID, body: 'Bring inode.c to 6.12.', diff: diff('fs/ext4/inode.c'), trailers: trailers(2) };
  const cover = message({ n: 0, of: 2, subject: 'ext4: write path from 6.1 to 6.12', id: COVER_ID, body: 'Two patches.' });
  return { mbox: cover + message(p1) + message(p2), files: [message(p1), message(p2)] };
}

/**
 * Each reviewed hunk as one comparable string, in document order. Positions are left out
 * (document lines, hunk keys: the mbox counts its cover letter as patch 0).
 */
function hunkOutcomes(json) {
  const change = (c) => ({ scenario: c.scenario, field: c.field, before: c.before, after: c.after, why: c.why });
  const finding = (f) => ({ code: f.code, severity: f.severity, message: f.message, scenario: f.scenario, status: f.status });
  return json.files.flatMap((f) => f.hunks.map((h) => JSON.stringify({ path: f.path, header: h.header, changes: h.changes.map(change), findings: h.findings.map(finding), summary: h.summary })));
}

test('review - reads b4 mbox layout (cover letter, trailers) from standard input: the same review as the file', (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-'));
  try {
    const { mbox } = series();
    const file = join(dir, 'series.mbox');
    writeFileSync(file, mbox);
    const k = ['--kernel', kernelDir('6.1')];
    const fromFile = cli(['review', file, ...k, '--format', 'json']);
    const fromStdin = cli(['review', '-', ...k, '--format', 'json'], mbox);
    assert.ok(fromFile.status === 0 || fromFile.status === 1, fromFile.stderr);
    assert.equal(fromStdin.status, fromFile.status, fromStdin.stderr);
    assert.equal(fromStdin.stdout, fromFile.stdout);
    const review = JSON.parse(fromStdin.stdout);
    assert.ok(review.files.some((f) => f.hunks.some((h) => h.changes.length)), 'the series changes outcomes');

    const mail = email(['-', ...k], mbox);
    assert.equal(mail, email([file, ...k]));
    // A reply per patch with something to say, threaded under that patch (and the cover).
    const replies = mail.startsWith(SEPARATOR) ? mail.split(`${SEPARATOR}\n`).slice(1) : [mail];
    assert.ok(replies.length >= 1);
    for (const r of replies) {
      assertWellFormed(r, { threaded: true });
      const unfolded = r.replace(/\n(?=[ \t])/g, '');
      const n = /^Subject: Re: \[PATCH (\d)\/2\] ext4: the (?:file|inode)\.c write path of 6\.12$/m.exec(r)?.[1];
      assert.ok(n, r.split('\n')[0]);
      assert.match(r, new RegExp(`^In-Reply-To: <${patchId(n).replace(/\./g, '\\.')}>$`, 'm'));
      assert.match(unfolded, new RegExp(`^References: <${COVER_ID.replace(/\./g, '\\.')}> <${patchId(n).replace(/\./g, '\\.')}>$`, 'm'));
      assert.match(r, /^On Tue, 1 Apr 2025 10:0\d:00 \+0000, A Developer <dev@example\.org> wrote:$/m);
      // The trailers and the cover letter are not quoted: only diff lines are.
      assert.doesNotMatch(r, /Reviewed-by|Two patches/);
    }
    assert.match(replies[0], /^Subject: Re: \[PATCH 1\/2\]/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('review DIR reviews the *.patch files of a directory as a series, in name order', (t) => {
  if (!need(t, kernelDir('6.1') && kernelDir('6.12'), 'Debian 6.1 and 6.12 trees')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-'));
  try {
    const { mbox, files } = series();
    const pdir = join(dir, 'outgoing');
    mkdirSync(pdir);
    // Written in reverse and with a file that is not a patch: the order comes from the names.
    writeFileSync(join(pdir, '0002-ext4-the-inode.c-write-path-of-6.12.patch'), files[1]);
    writeFileSync(join(pdir, '0001-ext4-the-file.c-write-path-of-6.12.patch'), files[0]);
    writeFileSync(join(pdir, 'notes.txt'), 'not a patch\n');
    writeFileSync(join(dir, 'series.mbox'), mbox);
    const k = ['--kernel', kernelDir('6.1')];
    const fromDir = cli(['review', pdir, ...k, '--format', 'json']);
    assert.ok(fromDir.status === 0 || fromDir.status === 1, fromDir.stderr);
    const asDir = JSON.parse(fromDir.stdout);
    assert.deepEqual(asDir.documents.map((d) => d.path.slice(pdir.length + 1)), ['0001-ext4-the-file.c-write-path-of-6.12.patch', '0002-ext4-the-inode.c-write-path-of-6.12.patch']);
    const asMbox = JSON.parse(cli(['review', join(dir, 'series.mbox'), ...k, '--format', 'json']).stdout);
    assert.deepEqual(hunkOutcomes(asDir), hunkOutcomes(asMbox));

    // The email of the directory is the email of the mbox: the same replies, threaded the same.
    assert.equal(email([pdir, ...k]), email([join(dir, 'series.mbox'), ...k]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('review: usage errors are one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-'));
  try {
    const patch = join(dir, 'x.diff');
    writeFileSync(patch, '--- a/fs/ext4/file.c\n+++ b/fs/ext4/file.c\n@@ -1,1 +1,1 @@\n-a\n+b\n');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    for (const args of [
      [patch, '--format', 'html'],
      [patch, '--format', 'email', '--min-severity', 'fatal'],
      [patch, '--min-severity', 'error'],
      [empty],
      ['-', '-'],
    ]) {
      const r = cli(['review', ...args], '');
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('review -: a plain git diff on standard input gives an email without threading headers', (t) => {
  // A synthetic diff: no tree, no seed needed; the hunk touches no write-path function.
  const diff = 'diff --git a/fs/ext4/super.c b/fs/ext4/super.c\n--- a/fs/ext4/super.c\n+++ b/fs/ext4/super.c\n@@ -10,3 +10,3 @@\n int a;\n-int b;\n+int c;\n int d;\n';
  const out = email(['-', '--min-severity', 'information'], diff);
  assert.match(out.replace(/\n(?=\S)/g, ' '), /^ ?\[No mail headers in stdin: add In-Reply-To\/References and a Subject by hand\.\]/);
  assert.match(out.replace(/\n(?=\S)/g, ' '), /^ ?Not quoted: 1 hunk outside the C this tool interprets \(fs\/ext4\/\{file,inode\}\.c, fs\/iomap\/\{direct-io,iter\}\.c, mm\/filemap\.c\) and the headers it reads\./m);
  assert.doesNotMatch(out, /^(Subject|In-Reply-To|References):/m);
  t.diagnostic(out.split('\n').length + ' lines');
});

// ---- the modules themselves: formatHunkComment (for the editor) and the mail headers --------

/** Bundle a TypeScript module of the server with esbuild and load it (dist/api.js does not export these). */
function load(entry) {
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-email-mod-'));
  const outfile = join(dir, 'mod.cjs');
  try {
    buildSync({ entryPoints: [join(ROOT, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning' });
    return createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('formatHunkComment: the quote and sentences of one hunk, the same text formatEmail puts in the reply', async (t) => {
  if (!need(t, kernelDir('6.12'), 'Debian 6.12 tree')) return;
  const E = load('server/src/review/email.ts');
  // A patch that breaks an invariant: dropping 6.12's IOMAP_DIO_FORCE_WAIT for extending or
  // unaligned DIO (an extending AIO then returns -EIOCBQUEUED: extend-unwaited).
  const edited = editedTree(t, '6.12', 'fs/ext4/file.c', (x) => x.replace(/\n\t\t\*dio_flags = IOMAP_DIO_FORCE_WAIT;/, '\n'));
  const text = kernelDiff(kernelDir('6.12'), edited, ['fs/ext4/file.c']);
  const scenarios = api.defaultMatrix();
  const session = api.reviewPatch(text, { parser: await parser(), base: toBase(await kernel('6.12')), scenarios, scenarioSource: 'default matrix' });
  const doc = api.parsePatchDocument(text);
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const h = session.result.files.flatMap((f) => f.hunks).find((x) => x.findings.some((f) => f.status === 'new'));
  assert.ok(h, 'a hunk that breaks an invariant');
  const at = E.hunkForKey(doc, h.key);
  assert.ok(at && at.hunk.header === h.header, 'the key resolves to the hunk reviewed');
  assert.equal(E.hunkForKey(doc, '99:0:0'), undefined);

  const warning = E.formatHunkComment(h, at.hunk, { file: at.file, scenarios: byId, minSeverity: 'warning' });
  const lines = warning.split('\n');
  assert.match(lines[0], /^> @@ -\d+,\d+ \+\d+,\d+ @@/);
  assert.ok(warning.endsWith('\n') && !warning.endsWith('\n\n'));
  assert.match(warning, /^This breaks \S+ \(error\) for /m);
  for (const l of lines) if (!l.startsWith('>')) assert.ok(l.length <= 72 || !l.includes(' '), l);
  // The reply quotes exactly this text under the file's header lines.
  const mail = E.formatEmail([{ name: 'x.diff', text, doc, result: session.result }], { toolVersion: '0.0.0', scenarios: byId });
  // (An assumption is stated once per reply, so that paragraph may differ.)
  const noAssumption = (x) => x.replace(/\n\nAssumed by the model:[^]*?(?=\n\n|\n?$)/g, '');
  assert.ok(noAssumption(mail).includes(noAssumption(warning.trimEnd())), 'formatEmail uses formatHunkComment');
  // With the file header, for pasting into a reply on its own.
  const withHeader = E.formatHunkComment(h, at.hunk, { file: at.file, fileHeader: true, scenarios: byId });
  assert.match(withHeader, /^> diff --git a\/fs\/ext4\/(file|inode)\.c b\/fs\/ext4\/\1\.c\n> --- a\/fs\/ext4\/\1\.c\n> \+\+\+ b\/fs\/ext4\/\1\.c\n> @@ /);
  // The default threshold is information: nothing is left out, so nothing is counted as left out.
  assert.doesNotMatch(withHeader, /below \w+ severity left out/);
  // Without the scenario map the scenarios are named by id only.
  assert.match(E.formatHunkComment(h, at.hunk, {}).replace(/\s+/g, ' '), /This breaks \S+ \(error\) for scenarios? \[/);
});

test('mail headers: In-Reply-To and folded References are read, hostile values stay linear', () => {
  const M = load('server/src/patch/mail.ts');
  assert.deepEqual(M.messageIds('<a@x> (comment) <b@y>  <c@z>'), ['a@x', 'b@y', 'c@z']);
  assert.deepEqual(M.messageIds('no ids <> < a@x> <b@y'), []);
  const mbox = [
    'Some preamble',
    'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001',
    'From: A <a@example.org>',
    'Subject: [PATCH 1/2] ext4: x',
    'Message-Id: <p1@example.org>',
    'In-Reply-To: <cover@example.org>',
    'References: <root@example.org>',
    '\t<cover@example.org>',
    '',
    'body',
  ].join('\n');
  const meta = M.messageHeadersAt(mbox, 1);
  assert.equal(meta.messageId, 'p1@example.org');
  assert.equal(meta.inReplyTo, 'cover@example.org');
  assert.deepEqual(meta.references, ['root@example.org', 'cover@example.org']);
  assert.equal(M.messageHeadersAt(mbox, 0), undefined, 'no header block starts at the preamble');
  assert.equal(M.messageHeadersAt(mbox, 99), undefined, 'past the end');
  // Flattened (one-line) messages: the headers are found on the line.
  const flat = M.messageHeadersAt('Subject: Re: x From: A <a@x> Message-ID: <m@x> References: <r1@x> <r2@x> In-Reply-To: <r2@x> body text', 0, true);
  assert.deepEqual([flat.messageId, flat.inReplyTo, flat.references], ['m@x', 'r2@x', ['r1@x', 'r2@x']]);
  // A megabyte of brackets, a 1 MB one-line References, 300 folded ids: bounded work and result.
  const t0 = Date.now();
  assert.deepEqual(M.messageIds('<'.repeat(1 << 20)), []);
  const long = M.messageHeadersAt(`Message-Id: <m@x>\nReferences: ${'<a@x> '.repeat(200000)}\n\n`, 0);
  assert.equal(long.messageId, 'm@x');
  assert.ok((long.references?.length ?? 0) <= M.MAX_REFERENCES);
  const many = M.messageHeadersAt(`Message-Id: <m@x>\nReferences: ${Array.from({ length: 300 }, (_, i) => `<id${i}@x>`).join('\n ')}\n\n`, 0);
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  assert.equal(many.references.length, M.MAX_REFERENCES);
  assert.equal(many.references.at(-1), 'id299@x', 'the newest ancestors are kept');
});

test('`<command> --help` prints the usage and exits 0, like `--help` alone', () => {
  for (const args of [['--help'], ['review', '--help'], ['simulate', '-h'], ['workload', '--help']]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^usage:\n {2}ext4-write-path simulate /, args.join(' '));
  }
});
