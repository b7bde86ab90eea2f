import { MAX_PATCH_FILE_BYTES, readInputFile, readStdinInput } from '../io/inputFile';
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeDocument, parsePatchDocument } from '../patch';
import { getParser } from '../io/grammar';
import { CACHED_TREES, cachedKernel, interpretedTexts, isKernelTree, loadKernelTree, toBase } from '../io/kernelTree';
import { docsBase } from '../io/docs';
import { reviewPatch, BaseTree } from '../review/review';
import { referenceTreeFor } from '../review/inferProfile';
import { profileConflict, type KernelProfile } from '../model/profiles';
import { formatReviewText, formatSarif } from '../review/format';
import type { ReviewResult } from '../review/types';
import { formatEmail, type Severity } from '../review/email';
import { scenarioSet } from '../io/scenarioSet';
import { SourceFile } from '../syntax/sourceFile';

const VERSION = '0.1.0';

const FORMATS = ['text', 'json', 'sarif', 'email'] as const;
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information'];

/**
 * The documents a PATCH argument stands for: `-` is standard input (read as /dev/stdin,
 * e.g. `b4 am -o - <msgid> | ext4-write-path review -`); a directory is its `*.patch`
 * files sorted by name (a `git format-patch` series, reviewed in order); anything else is
 * one file. Returns the paths to read and how each is named in the output.
 *
 * @throws Error (one line) for a directory without `*.patch` files or that cannot be listed.
 */
export function expandInputs(args: readonly string[]): Array<{ path: string; name: string }> {
  const out: Array<{ path: string; name: string }> = [];
  for (const a of args) {
    if (a === '-') {
      out.push({ path: '/dev/stdin', name: '-' });
      continue;
    }
    let dir = false;
    try {
      dir = statSync(a).isDirectory();
    } catch {
      // Not there: readInputFile reports it.
    }
    if (!dir) {
      out.push({ path: a, name: a });
      continue;
    }
    const names = readdirSync(a)
      .filter((n) => n.endsWith('.patch'))
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    if (!names.length) throw new Error(`${a} is a directory without *.patch files`);
    for (const n of names) out.push({ path: join(a, n), name: join(a, n) });
  }
  return out;
}


/**
 * `review PATCH... [--kernel DIR] [--format text|json|sarif|email] [--min-severity S]`.
 * Several PATCH files (or a directory of them) are a series: each is reviewed against the
 * tree the previous ones produced. Exit status 1 when an error-level invariant is newly
 * broken, 2 on usage errors and unreadable input.
 */
export async function reviewCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kernel: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'kernel-version': { type: 'string' },
      scenarios: { type: 'string', default: 'default' },
      'time-budget': { type: 'string' },
      'max-rows': { type: 'string' },
      'min-severity': { type: 'string' },
      strict: { type: 'boolean', default: false },
      'changed-only': { type: 'boolean', default: false },
    },
  });
  if (!positionals.length) {
    process.stderr.write('review: give at least one PATCH file, a directory of *.patch files, or - for standard input\n');
    return 2;
  }
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    process.stderr.write(`review: --format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format.slice(0, 40))}\n`);
    return 2;
  }
  const minSeverity = (values['min-severity'] ?? 'warning') as Severity;
  if (!SEVERITIES.includes(minSeverity)) {
    process.stderr.write(`review: --min-severity must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(minSeverity.slice(0, 40))}\n`);
    return 2;
  }
  if (values['min-severity'] !== undefined && format !== 'email') {
    process.stderr.write('review: --min-severity applies to --format email only\n');
    return 2;
  }
  for (const k of ['max-rows', 'time-budget'] as const) {
    const v = values[k];
    if (v !== undefined && !(/^\d+$/.test(v) && Number(v) > 0)) {
      process.stderr.write(`review: --${k} must be a positive whole number, not ${JSON.stringify(v.slice(0, 40))}\n`);
      return 2;
    }
  }
  const unknownProfile = profileConflict(undefined, values['kernel-version']);
  if (unknownProfile) {
    process.stderr.write(`review: --kernel-version: ${unknownProfile}\n`);
    return 2;
  }
  let inputs: Array<{ path: string; name: string }>;
  try {
    inputs = expandInputs(positionals);
  } catch (err) {
    process.stderr.write(`review: ${(err as Error).message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
    return 2;
  }
  if (inputs.filter((i) => i.name === '-').length > 1) {
    process.stderr.write('review: standard input (-) can be given once\n');
    return 2;
  }
  if (values.kernel && !isKernelTree(values.kernel)) {
    process.stderr.write(`review: ${values.kernel} has no fs/ext4/file.c\n`);
    return 2;
  }
  const parser = await getParser();
  const { scenarios, source, problems: sp } = scenarioSet(values.scenarios ?? 'default');
  for (const p of sp) process.stderr.write(`warning: ${p}\n`);
  let base: BaseTree | undefined;
  if (values.kernel) {
    const k = loadKernelTree(values.kernel, parser, { profile: values['kernel-version'] });
    if (k.profileConflict) {
      process.stderr.write(`review: --kernel-version ${values['kernel-version']}: ${k.profileConflict} (without --kernel-version the tree's own profile is used)\n`);
      return 2;
    }
    for (const p of k.problems) process.stderr.write(`warning: ${p}\n`);
    base = toBase(k);
  }
  // Without --kernel: the fetched Debian tree matching the profile chosen for each patch.
  const refs = new Map<string, BaseTree | undefined>();
  const treeAt = (dir: string): BaseTree => {
    if (!refs.has(dir)) refs.set(dir, toBase(loadKernelTree(dir, parser)));
    return refs.get(dir)!;
  };
  const referenceFor = (profile: KernelProfile): BaseTree | undefined => {
    const dir = cachedKernel(referenceTreeFor(profile));
    return dir ? treeAt(dir) : undefined;
  };
  const budgetMs = values['time-budget'] ? Number(values['time-budget']) : undefined;
  // Without --kernel (and without a forced profile): the cached trees, newest first, that
  // the series may apply to (review/findTree.ts) — loaded only when asked.
  const candidates = values.kernel || values['kernel-version'] ? undefined : () => CACHED_TREES.flatMap((v) => {
    const dir = cachedKernel(v);
    return dir ? [{ name: v, texts: interpretedTexts(dir), load: () => treeAt(dir) }] : [];
  });
  const results: Array<{ path: string; result: ReviewResult; text: string }> = [];
  for (const { path: file, name } of inputs) {
    let bytes: Buffer;
    try {
      bytes = name === '-' ? readStdinInput(MAX_PATCH_FILE_BYTES) : readInputFile(file, MAX_PATCH_FILE_BYTES);
    } catch (err) {
      process.stderr.write(`review: cannot read ${name === '-' ? 'standard input' : name}: ${(err as Error).message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
      return 2;
    }
    const { text, problems } = decodeDocument(bytes);
    const t0 = Date.now();
    const session = reviewPatch(text, { parser, base, referenceFor, candidates: base ? undefined : candidates, profileOverride: values['kernel-version'], scenarios, scenarioSource: source, hasTime: budgetMs ? () => Date.now() - t0 < budgetMs : undefined });
    session.result.problems.unshift(...problems.map((p) => ({ message: p.message, line: p.line, severity: p.severity })));
    results.push({ path: name, result: session.result, text });
    if (base && session.postTexts) {
      // The next document of the series starts from this one's post-image.
      const files = [...session.postTexts].filter(([p]) => base!.texts.has(p) && p.endsWith('.c')).map(([p, t]) => new SourceFile(p, t, parser));
      // Not the memo: it holds the runs of the previous base, not of this post-image.
      base = { ...base, texts: session.postTexts, files, memo: undefined };
    }
  }
  const newErrors = results.reduce((n, r) => n + r.result.newErrors, 0);
  if (format === 'email') {
    const docs = results.map((r) => ({ name: r.path === '-' ? 'stdin' : basename(r.path), text: r.text, doc: parsePatchDocument(r.text), result: r.result }));
    const treeLabel = values.kernel ? basename(resolve(values.kernel)) : undefined;
    process.stdout.write(formatEmail(docs, { minSeverity, scenarios: new Map(scenarios.map((s) => [s.id, s])), toolVersion: VERSION, treeLabel }));
  } else if (format === 'json') {
    const out = results.length === 1 ? results[0].result : { files: results.flatMap((r) => r.result.files.map((f) => ({ document: r.path, ...f }))), problems: results.flatMap((r) => r.result.problems.map((p) => ({ document: r.path, ...p }))), documents: results.map((r) => ({ path: r.path, kernel: r.result.kernel, partial: r.result.partial, newErrors: r.result.newErrors, unknownScenarios: r.result.unknownScenarios })), newErrors, unknownScenarios: results.reduce((n, r) => n + r.result.unknownScenarios, 0) };
    process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
  } else if (format === 'sarif') {
    const runs = results.map((r) => formatSarif(r.result, r.path === '-' ? 'stdin' : pathToFileURL(resolve(r.path)).href, VERSION, docsBase()) as { runs: object[] });
    process.stdout.write(`${JSON.stringify({ ...runs[0], runs: runs.flatMap((x) => x.runs) }, null, 1)}\n`);
  } else {
    const maxRows = values['max-rows'] ? Number(values['max-rows']) : undefined;
    process.stdout.write(`${results.map((r) => formatReviewText(r.result, r.path, { maxRows, changedOnly: values['changed-only'] })).join('\n\n')}\n`);
  }
  // --strict (CI): a scenario the tool cannot tell about fails the run like a broken invariant.
  const unknown = results.reduce((n, r) => n + r.result.unknownScenarios, 0);
  if (values.strict && unknown) {
    process.stderr.write(`review: --strict: ${unknown} scenario(s) cannot tell (a callee with no C and no model, an undeclared identifier, or a bound); see "cannot tell" in the output\n`);
    return 1;
  }
  return newErrors > 0 ? 1 : 0;
}
