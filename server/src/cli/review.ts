import { MAX_PATCH_FILE_BYTES, readInputFile } from '../io/inputFile';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeDocument } from '../patch';
import { getParser } from '../io/grammar';
import { cachedKernel, isKernelTree, loadKernelTree, toBase } from '../io/kernelTree';
import { docsBase } from '../io/docs';
import { reviewPatch, BaseTree } from '../review/review';
import { referenceTreeFor } from '../review/inferProfile';
import type { KernelProfile } from '../model/profiles';
import { formatReviewText, formatSarif } from '../review/format';
import type { ReviewResult } from '../review/types';
import { scenarioSet } from '../io/scenarioSet';
import { SourceFile } from '../syntax/sourceFile';

const VERSION = '0.1.0';

/**
 * `review PATCH... [--kernel DIR] [--format text|json|sarif]`. Several PATCH files are a
 * series: each is reviewed against the tree the previous ones produced. Exit status 1
 * when an error-level invariant is newly broken, 2 on usage errors.
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
    },
  });
  if (!positionals.length) {
    process.stderr.write('review: give at least one PATCH file\n');
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
    for (const p of k.problems) process.stderr.write(`warning: ${p}\n`);
    base = toBase(k);
  }
  // Without --kernel: the fetched Debian tree matching the profile chosen for each patch.
  const refs = new Map<string, BaseTree | undefined>();
  const referenceFor = (profile: KernelProfile) => {
    const v = referenceTreeFor(profile);
    if (!refs.has(v)) {
      const dir = cachedKernel(v);
      refs.set(v, dir ? toBase(loadKernelTree(dir, parser)) : undefined);
    }
    return refs.get(v);
  };
  const budgetMs = values['time-budget'] ? Number(values['time-budget']) : undefined;
  const results: Array<{ path: string; result: ReviewResult }> = [];
  for (const file of positionals) {
    let bytes: Buffer;
    try {
      bytes = readInputFile(file, MAX_PATCH_FILE_BYTES);
    } catch (err) {
      process.stderr.write(`review: cannot read ${file}: ${(err as Error).message}\n`);
      return 2;
    }
    const { text, problems } = decodeDocument(bytes);
    const t0 = Date.now();
    const session = reviewPatch(text, { parser, base, referenceFor, profileOverride: values['kernel-version'], scenarios, scenarioSource: source, hasTime: budgetMs ? () => Date.now() - t0 < budgetMs : undefined });
    session.result.problems.unshift(...problems.map((p) => ({ message: p.message, line: p.line, severity: p.severity })));
    results.push({ path: file, result: session.result });
    if (base && session.postTexts) {
      // The next document of the series starts from this one's post-image.
      const files = [...session.postTexts].filter(([p]) => base!.texts.has(p) && p.endsWith('.c')).map(([p, t]) => new SourceFile(p, t, parser));
      base = { ...base, texts: session.postTexts, files };
    }
  }
  const newErrors = results.reduce((n, r) => n + r.result.newErrors, 0);
  if (values.format === 'json') {
    const out = results.length === 1 ? results[0].result : { files: results.flatMap((r) => r.result.files.map((f) => ({ document: r.path, ...f }))), problems: results.flatMap((r) => r.result.problems.map((p) => ({ document: r.path, ...p }))), documents: results.map((r) => ({ path: r.path, kernel: r.result.kernel, partial: r.result.partial, newErrors: r.result.newErrors })), newErrors };
    process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
  } else if (values.format === 'sarif') {
    const runs = results.map((r) => formatSarif(r.result, pathToFileURL(resolve(r.path)).href, VERSION, docsBase()) as { runs: object[] });
    process.stdout.write(`${JSON.stringify({ ...runs[0], runs: runs.flatMap((x) => x.runs) }, null, 1)}\n`);
  } else {
    const maxRows = values['max-rows'] ? Number(values['max-rows']) : undefined;
    process.stdout.write(`${results.map((r) => formatReviewText(r.result, r.path, { maxRows })).join('\n\n')}\n`);
  }
  return newErrors > 0 ? 1 : 0;
}
