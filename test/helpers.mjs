// Shared test helpers: the bundled API, the seeds and the fetched kernel trees.
// Inputs that live outside the repo are found here; outside CI a missing input skips the
// test with a message, under CI=true it fails (issue 3: tests find the seeds themselves).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** dist/api.js, built by `npm run build` (npm test builds first). */
export const api = require(join(ROOT, 'dist', 'api.js'));
export const IN_CI = process.env.CI === 'true';

/** Skip (locally) or fail (CI) when an external input is missing. Returns true when present. */
export function need(t, present, what) {
  if (present) return true;
  if (IN_CI) throw new Error(`${what} is missing under CI=true`);
  t.skip(`${what} not available: skipped (it is fetched/provided in CI)`);
  return false;
}

/** Directory of the seed threads (../shared/seeds beside the repo), or undefined. */
export function seedsDir() {
  const dir = process.env.EXT4WP_SEEDS ?? join(ROOT, '..', 'shared', 'seeds');
  return existsSync(dir) ? dir : undefined;
}

/** Read seed file `name` (e.g. `001_19eda201be480ccb.txt`), or undefined. */
export function readSeed(name) {
  const dir = seedsDir();
  return dir && existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined;
}

/** The fetched Debian tree for `version` (`6.1`, `6.12`, `7.2`), or undefined. */
export function kernelDir(version) {
  return api.cachedKernel(version);
}

/**
 * What `npm run fetch-kernels` recorded it fetched (`versions.json` in the cache): per tree
 * version, `{ kernel, package, debianVersion, suite, extract }`. Debian moves point
 * releases, so tests compare against this record, never against a typed-in point release.
 * Undefined when nothing was fetched.
 */
export function fetchedVersions() {
  const file = join(api.kernelCacheDir(), 'versions.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

let parserPromise;
/** The shared C parser. */
export function parser() {
  parserPromise ??= api.getParser();
  return parserPromise;
}

const loaded = new Map();
/** A parsed kernel tree (cached per test process). */
export async function kernel(version) {
  const dir = kernelDir(version);
  if (!dir) return undefined;
  if (!loaded.has(dir)) loaded.set(dir, api.loadKernelTree(dir, await parser()));
  return loaded.get(dir);
}

/** Simulate scenario inputs (objects in the scenario-file format) against a loaded tree. */
export function run(k, inputs) {
  const scenarios = inputs.map((s, i) => api.normalizeScenario(s, i));
  const results = api.simulateAll(scenarios, { image: k.image, profile: k.profile, constant: k.constant });
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

/** The 1-based line of the first line of `file` (tree-relative) containing `needle`, after line `after`. */
export function lineOf(k, file, needle, after = 0) {
  const lines = k.texts.get(file).split('\n');
  for (let i = after; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  throw new Error(`${needle} not found in ${file}`);
}

/** `diff -u` of `files` from tree `from` to tree `to`, labelled like a git patch (made at test time, never committed). */
/**
 * The files of "the real diff" between two Debian trees: the two ext4 C files the tests and
 * views are about, then the ext4 headers their C reads (a diff without them does not build
 * across versions: 6.12's inode.c needs 6.12's EXT4_MAP_DELAYED).
 */
export const REAL_DIFF_FILES = ['fs/ext4/file.c', 'fs/ext4/inode.c', 'fs/ext4/ext4.h', 'fs/ext4/ext4_jbd2.h', 'fs/ext4/extents_status.h'];

export function kernelDiff(from, to, files = REAL_DIFF_FILES) {
  return files
    .map((f) => {
      const r = spawnSync('diff', ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(from, f), join(to, f)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0 && r.status !== 1) throw new Error(`diff failed: ${r.stderr}`);
      return r.stdout;
    })
    .join('');
}

/** 0-based document lines of the `@@` headers of `file` whose post-image overlaps function `name` of `after` (text). */
export function hunksOf(diff, file, after, name) {
  const lines = after.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\w.*\\b${name}\\(`).test(l)) + 1;
  let end = start;
  while (end <= lines.length && lines[end - 1] !== '}') end++;
  let cur;
  return diff.split('\n').flatMap((l, i) => {
    if (l.startsWith('+++ ')) cur = l.slice(4).replace(/^b\//, '');
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (!m || cur !== file) return [];
    const s = Number(m[1]);
    return s <= end && s + Number(m[2] ?? 1) - 1 >= start ? [i] : [];
  });
}

/** A loaded tree as review's BaseTree (what the CLI passes as the reference). */
export function toBase(k) {
  return api.toBase(k);
}

/** The first hunk of a review whose header contains `header`. */
export function hunkOf(session, header) {
  const h = session.result.files.flatMap((f) => f.hunks).find((x) => x.header.includes(header));
  assert.ok(h, `hunk ${header} found`);
  return h;
}

/** Both sides' outcomes of scenario `id` in the unit that simulated hunk `h`; both must be conclusive. */
export function sidesOf(session, h, id) {
  const r = session.results(h.key, id);
  assert.ok(r.before && r.after, `${id} simulated on both sides`);
  for (const side of ['before', 'after']) assert.equal(r[side].outcome.inconclusive, undefined, `${id} ${side}: ${r[side].outcome.inconclusive}`);
  return { before: r.before.outcome, after: r.after.outcome };
}

/** Invariant codes an outcome reports. */
export const findingCodes = (o) => o.findings.map((f) => f.code);

/**
 * A scratch copy of the fetched tree `version` with the file `rel` (tree-relative) replaced
 * by `edit(its text)`: a directory of symlinks to the tree plus the one edited file, removed
 * when test `t` ends. Undefined when the tree is not fetched.
 */
export function editedTree(t, version, rel, edit) {
  const src = kernelDir(version);
  if (!src) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ext4wp-edited-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const link = (sub) => {
    for (const e of readdirSync(join(src, sub), { withFileTypes: true })) {
      const r = sub ? join(sub, e.name) : e.name;
      if (r === rel) continue;
      if (e.isDirectory() && rel.startsWith(`${r}/`)) {
        mkdirSync(join(dir, r), { recursive: true });
        link(r);
      } else symlinkSync(join(src, r), join(dir, r));
    }
  };
  link('');
  writeFileSync(join(dir, rel), edit(readFileSync(join(src, rel), 'utf8')));
  return dir;
}

/**
 * The one report of finding (`code`, `status`, `scenario`) in hunk `h`'s patch, checked to
 * be reported once there (issue 13 §3) and to take in hunk `h`: reported on it, or on another
 * hunk that names it among the hunks it also shows on (`alsoIn`). Returns the finding.
 */
export function reportedOnceCovering(session, h, { code, status, scenario }) {
  // Within h's own patch (`<patch>:<file>:<hunk>` keys): a quoted copy in a reply is a patch of its own.
  const patch = (k) => k.split(':')[0];
  const all = session.result.files.flatMap((f) => f.hunks).filter((x) => patch(x.key) === patch(h.key)).flatMap((x) => x.findings.filter((f) => f.code === code && f.status === status && (!scenario || f.scenario === scenario)).map((f) => ({ x, f })));
  const perScenario = new Map();
  for (const { x, f } of all) perScenario.set(f.scenario, [...(perScenario.get(f.scenario) ?? []), x.line]);
  for (const [sc, lines] of perScenario) assert.equal(lines.length, 1, `${code} ${status} for ${sc} reported on hunks at lines ${lines}`);
  const hit = all.find(({ x, f }) => x.key === h.key || (f.alsoIn ?? []).includes(h.key));
  assert.ok(hit, `${code} ${status}${scenario ? ` (${scenario})` : ''} neither on hunk ${h.header} nor naming it: ${JSON.stringify(all.map(({ x, f }) => [x.header, f.scenario, f.alsoIn]))}`);
  return hit.f;
}
