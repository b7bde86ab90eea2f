// `review --format email`: the review as a plain-text reply to the patch mail, the way a
// kernel reviewer writes one — `Re:` subject and threading headers, an attribution line,
// trimmed `> ` quotes of only the hunks worth a remark, and below each quote what the
// simulation found, in sentences wrapped at 72 columns; a footer naming the tool, the tree
// and the profile. Pure: no I/O, no clock, no Map-order dependence (every list is built in
// document order or sorted), so the same review gives the same bytes.

import { messageHeadersAt, type MailMeta } from '../patch/mail';
import type { FileDiff, Hunk, Patch, PatchDocument } from '../patch/types';
import type { Scenario } from '../scenario/types';
import { groupChanges } from './format';
import type { ChangeField, HunkFinding, HunkReview, ReviewResult } from './types';

/** Severity threshold of `--min-severity`, most severe first. */
export type Severity = 'error' | 'warning' | 'information';

const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2 };

/** Column the sentences are wrapped at (quotes are never rewrapped). */
export const EMAIL_WIDTH = 72;

/** The mbox separator put before each reply when one document gives several (git format-patch's fixed date). */
export const MBOX_SEPARATOR = 'From ext4-write-path Mon Sep 17 00:00:00 2001';

/** Options of `formatHunkComment`. */
export interface HunkCommentOptions {
  /**
   * Items below this severity are left out (and counted in one line). A newly broken
   * invariant has its check's severity; a changed fallback/path, i_rwsem or unwritten
   * outcome is a warning (as in the editor's diagnostics); other changed fields, fixed and
   * still-broken invariants, and scenarios that cannot be told are information.
   * Default `information`: everything.
   */
  minSeverity?: Severity;
  /** The scenarios of the review by id, so they can be described in words; unknown ids are named only. */
  scenarios?: ReadonlyMap<string, Scenario>;
  /** The file the hunk belongs to: its path locates deciding lines inside the hunk; with `fileHeader` its `diff --git`/`---`/`+++` lines are quoted first. */
  file?: FileDiff;
  /** Quote the file's header lines before the hunk (needs `file`). Default false. */
  fileHeader?: boolean;
  /** Wrap column of the sentences. Default `EMAIL_WIDTH` (72). */
  width?: number;
  /** The reply already said that hunks were reviewed on their own (no tree): do not repeat it per hunk. */
  hunkOnlySaidAbove?: boolean;
  /** Assumptions an earlier hunk of the same reply stated: the sentence names another one, or none. */
  assumptionsSaid?: ReadonlySet<string>;
}

/** One reviewed document for `formatEmail`. */
export interface EmailDocument {
  /** How the document is named in notes (e.g. a file's base name, `stdin`); never an absolute path in tests. */
  name: string;
  /** The document text the review was made from (to read each message's headers). */
  text: string;
  /** `parsePatchDocument(text)`: the same parse the review used, so hunk keys resolve. */
  doc: PatchDocument;
  result: ReviewResult;
}

/** Options of `formatEmail`. */
export interface EmailOptions {
  /** Default `warning`. See `HunkCommentOptions.minSeverity`. */
  minSeverity?: Severity;
  scenarios?: ReadonlyMap<string, Scenario>;
  /** Tool version for the footer. */
  toolVersion: string;
  /**
   * How the footer names the kernel tree (e.g. `linux-6.1`, the tree directory's base
   * name). Default: no name, only the kernel version.
   */
  treeLabel?: string;
  width?: number;
}

/**
 * The hunk of `doc` a review hunk's `key` (`patch:file:hunk`, see `HunkReview.key`) points
 * at, with its file; undefined for a key that does not resolve.
 */
export function hunkForKey(doc: PatchDocument, key: string): { patch: Patch; file: FileDiff; hunk: Hunk } | undefined {
  const [p, f, h] = key.split(':').map(Number);
  const patch = doc.patches[p];
  const file = patch?.files[f];
  const hunk = file?.hunks[h];
  return patch && file && hunk ? { patch, file, hunk } : undefined;
}

/**
 * The email text of one hunk, as a reviewer would put it in a reply: the hunk `> `-quoted
 * under its `@@` header (trimmed around its changed lines and the lines that decided its
 * outcomes, cuts marked `> [...]`; with `opts.fileHeader`, the file's `diff --git`, `---`,
 * `+++` lines first), a blank line, then the findings and changed outcomes as sentences
 * wrapped at `opts.width` (72) columns: newly broken / fixed / still broken invariants,
 * outcome changes grouped by the scenarios they hold for (described in words when
 * `opts.scenarios` knows them, with their ids), where each was decided (`file:line` and
 * the condition), scenarios that cannot be told (stated as unknown, never as behaviour),
 * and how the hunk was analysed when it was not applied to a tree (hunk-only, trimmed
 * quote). Used by `review --format email` and the editor's "Copy as review comment".
 *
 * @param review the hunk's review (`ReviewResult.files[].hunks[]`).
 * @param hunk the parsed hunk it reviews (`hunkForKey(doc, review.key).hunk`).
 * @returns lines joined with `\n`, ending in `\n`; deterministic for the same input.
 */
export function formatHunkComment(review: HunkReview, hunk: Hunk, opts: HunkCommentOptions = {}): string {
  const width = opts.width ?? EMAIL_WIDTH;
  const path = opts.file ? (opts.file.newPath ?? opts.file.oldPath) : null;
  const items = hunkItems(review, hunk, opts);
  const out: string[] = [];
  if (opts.fileHeader && opts.file) out.push(...fileHeaderLines(opts.file).map((l) => `> ${l}`));
  out.push(...quoteHunk(hunk, path, items.decidingLines));
  out.push('');
  for (const p of items.paragraphs) out.push(...wrap(p, width), '');
  while (out.length && out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

/**
 * The review as one or more plain-text replies (RFC 822 headers, blank line, body), one per
 * patch message that has a hunk worth a remark at `opts.minSeverity` (default `warning`);
 * when no hunk qualifies, one reply to the first patch saying so. Several replies are
 * separated by `MBOX_SEPARATOR` lines (an mbox). Each reply: `Subject: Re: …`,
 * `In-Reply-To:` and `References:` from the message's Message-ID and References (omitted,
 * with a one-line note at the top of the body, when the input has no Message-ID, e.g. a
 * plain `git diff`), the attribution line `On <date>, <from> wrote:` when both are known,
 * the file header lines once per file and `formatHunkComment` of each qualifying hunk, a
 * line counting the hunks not quoted and why, and a footer (`-- `) with the tool version,
 * the tree, the profile and the scenario set.
 *
 * Which messages: the document's own patches (not cover letters, not hunks quoted in
 * replies); when it holds only quoted copies (a reply thread), those, each distinct hunk
 * once. Deterministic: no dates but the input's, no absolute paths from the review
 * (`treeLabel` names the tree; directories in the profile reason are cut to base names).
 */
export function formatEmail(docs: readonly EmailDocument[], opts: EmailOptions): string {
  const minSeverity = opts.minSeverity ?? 'warning';
  const min = RANK[minSeverity];
  const width = opts.width ?? EMAIL_WIDTH;
  const replies: string[] = [];
  const seen = new Set<string>();
  let firstTarget: { d: EmailDocument; p: Patch } | undefined;
  const skipped = newSkipped();
  for (const d of docs) {
    const byKey = new Map<string, HunkReview>();
    for (const f of d.result.files) for (const h of f.hunks) byKey.set(h.key, h);
    const own = d.doc.patches.filter((p) => !p.isCoverLetter && !p.quoted && p.files.length);
    const targets = own.length ? own : d.doc.patches.filter((p) => !p.isCoverLetter && p.files.length);
    for (const p of targets) {
      firstTarget ??= { d, p };
      const body: string[] = [];
      const local = newSkipped();
      const said = new Set<string>();
      p.files.forEach((fd, fi) => {
        let headerDone = false;
        fd.hunks.forEach((hk, hi) => {
          const r = byKey.get(`${p.index}:${fi}:${hi}`);
          if (!r) return;
          const id = hunkIdentity(fd, hk);
          if (seen.has(id)) return;
          seen.add(id);
          const level = hunkLevel(r);
          if (level === undefined) {
            if (/^header applied/.test(r.summary)) local.headers++;
            else if (r.mode === 'outside') local.outside++;
            else if (/^modelled, not interpreted/.test(r.summary)) local.modelled++;
            else if (r.mode === 'hunk-only' && /\bnot simulated\b/.test(r.summary)) local.notSimulated++;
            else if (!r.scenariosRun && !r.unknown?.length) local.notReached++;
            else local.quiet++;
            return;
          }
          if (level > min) {
            // Unknowns are never dropped silently: a hunk whose remarks are below the
            // threshold but that has scenarios it cannot tell about is named.
            if (r.unknown?.length) local.unknown.push({ where: `${fd.newPath ?? fd.oldPath ?? '?'} ${hk.header.replace(/^(@@[^@]*@@).*/, '$1')}`, r });
            else local.below++;
            return;
          }
          if (!headerDone) body.push(...fileHeaderLines(fd).map((l) => `> ${l}`));
          headerDone = true;
          body.push(formatHunkComment(r, hk, { minSeverity, scenarios: opts.scenarios, file: fd, width, hunkOnlySaidAbove: !d.result.kernel.tree, assumptionsSaid: said }).trimEnd(), '');
          if (r.changes.length || r.findings.length) {
            const first = freshAssumptions(r, said)[0];
            if (first !== undefined) said.add(first);
          }
        });
      });
      addSkipped(skipped, local);
      if (!body.length) continue;
      const notQuoted = notQuotedLine(local, minSeverity);
      if (notQuoted) body.push(...wrap(notQuoted, width), '');
      replies.push(reply(d, p, body, opts, minSeverity));
    }
  }
  if (!replies.length) {
    const body: string[] = [];
    const total = skipped.quiet + skipped.below + skipped.notSimulated + skipped.notReached + skipped.modelled + skipped.outside + skipped.unknown.length;
    const runs = docs.map((d) => d.result.scenarios.count).filter((n, i, a) => a.indexOf(n) === i);
    if (total) body.push(
      ...wrap(
        `I simulated the ${runs.length === 1 ? runs[0] : runs.join('/')} write scenarios of this review before and after the patch: ${total === 1 ? 'its one hunk' : `none of its ${total} hunks`} ${total === 1 ? 'changes no outcome and no invariant' : 'changes an outcome or an invariant'} at or above ${minSeverity} severity${skipped.unknown.length ? ' in the scenarios that could be compared (those that could not are named below)' : ''}.`,
        width,
      ),
      '',
    );
    const notQuoted = notQuotedLine(skipped, minSeverity);
    if (notQuoted) body.push(...wrap(notQuoted, width), '');
    replies.push(firstTarget ? reply(firstTarget.d, firstTarget.p, body, opts, minSeverity, false) : bareReply(docs, body, opts, minSeverity));
  }
  return replies.length === 1 ? replies[0] : replies.map((r) => `${MBOX_SEPARATOR}\n${r}`).join('\n');
}

// ---------------------------------------------------------------------------------------
// Replies

function reply(d: EmailDocument, p: Patch, body: string[], opts: EmailOptions, minSeverity: Severity, quoting = true): string {
  const headers = messageHeadersAt(d.text, p.docLine, d.doc.flattened) ?? {};
  const meta: MailMeta = { ...headers, subject: p.subject ?? headers.subject, from: p.from ?? headers.from, date: p.date ?? headers.date, messageId: p.messageId ?? headers.messageId };
  const out: string[] = [];
  if (meta.subject) out.push(`Subject: Re: ${oneLine(meta.subject).replace(/^(?:(?:Re|RE|Aw|AW): *)+/, '')}`);
  if (meta.messageId) {
    const refs = [...(meta.references ?? (meta.inReplyTo ? [meta.inReplyTo] : [])), meta.messageId].filter((x, i, a) => a.indexOf(x) === i);
    out.push(`In-Reply-To: <${meta.messageId}>`);
    out.push(...foldHeader('References', refs.map((r) => `<${r}>`)));
  }
  out.push('');
  if (!meta.messageId) {
    out.push(...wrap(`[${meta.subject ? 'No Message-ID' : 'No mail headers'} in ${d.name}: add In-Reply-To/References${meta.subject ? '' : ' and a Subject'} by hand.]`, opts.width ?? EMAIL_WIDTH), '');
  }
  if (quoting && !d.result.kernel.tree) out.push(...wrap(`No kernel tree was given, so each hunk below was reviewed on its own (hunk-only mode): ${HUNK_ONLY}.`, opts.width ?? EMAIL_WIDTH), '');
  if (quoting && (meta.from || meta.date)) out.push(`${meta.date ? `On ${oneLine(meta.date)}, ` : ''}${meta.from ? oneLine(meta.from) : 'the author'} wrote:`);
  out.push(...body);
  out.push(...footer(d.result, opts, minSeverity));
  return `${out.join('\n')}\n`;
}

function bareReply(docs: readonly EmailDocument[], body: string[], opts: EmailOptions, minSeverity: Severity): string {
  const r = docs[0]?.result;
  const out = ['', ...wrap(`[No patch found in ${docs.map((d) => d.name).join(', ') || 'the input'}: nothing to reply to.]`, opts.width ?? EMAIL_WIDTH), ''];
  // What the reader of the input said about it (e.g. "No diff found: …").
  for (const p of docs.flatMap((d) => d.result.problems).filter((x) => x.severity !== 'information').slice(0, 3)) out.push(...wrap(stripDirs(p.message), opts.width ?? EMAIL_WIDTH), '');
  out.push(...body);
  if (r) out.push(...footer(r, opts, minSeverity));
  return `${out.join('\n')}\n`;
}

/** `References:` folded at 78 columns, as mail headers are. */
function foldHeader(name: string, tokens: string[]): string[] {
  const out: string[] = [];
  let cur = `${name}:`;
  for (const t of tokens) {
    if (cur.length + 1 + t.length > 78 && cur !== `${name}:`) {
      out.push(cur);
      cur = ` ${t}`;
    } else cur += ` ${t}`;
  }
  out.push(cur);
  return out;
}

function footer(r: ReviewResult, opts: EmailOptions, minSeverity: Severity): string[] {
  const w = opts.width ?? EMAIL_WIDTH;
  const tree = r.kernel.tree
    ? `tree: ${opts.treeLabel ? `${opts.treeLabel} ` : ''}(Linux ${r.kernel.version ?? 'version unknown'})`
    : 'tree: none given; hunks were simulated on their own (hunk-only mode) over the reference tree of the profile';
  const why = stripDirs(r.kernel.profileWhy.split('; ')[0]);
  return [
    '-- ',
    `ext4-write-path ${opts.toolVersion}, review --format email --min-severity ${minSeverity}`,
    ...wrap(tree, w),
    ...wrap(`profile: ${r.kernel.profile} (${why})`, w),
    `scenarios: ${r.scenarios.count} (${stripDirs(r.scenarios.source)})${r.partial ? '; PARTIAL: the time budget ran out before every hunk was analysed' : ''}`,
  ];
}

/**
 * Internal names of rebuilt copies in user words: `fs/ext4/file.c~graft:605` (a line of the
 * reference function a partial hunk was grafted onto) → `fs/ext4/file.c:605 (grafted copy)`.
 */
function userText(s: string): string {
  return s.replace(/([\w./-]+\.[ch])~(\w+)(:\d+)?/g, (_m, file: string, kind: string, line?: string) => `${file}${line ?? ''} (${kind === 'graft' ? 'grafted' : kind === 'join' ? 'rebuilt across hunks' : kind} copy)`);
}

/** Directory paths (`/a/b/linux-6.1`) cut to their base name: footers must not depend on the machine. */
function stripDirs(s: string): string {
  return s.replace(/(^|[\s(])\/(?:[^\s/()]+\/)+([^\s/();,]+)/g, '$1$2');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Hunks a reply does not quote, by why. */
interface Skipped {
  /** Simulated, no change. */
  quiet: number;
  /** Remarks, all below the threshold. */
  below: number;
  /** Hunk-only hunks with nothing to rebuild. */
  notSimulated: number;
  /** No scenario runs their code. */
  notReached: number;
  /** In functions a TypeScript model stands in for. */
  modelled: number;
  /** Outside fs/ext4/file.c and inode.c. */
  outside: number;
  /** Hunks of headers the engine reads, applied to the patched side. */
  headers: number;
  /** Below the threshold but with scenarios the simulation cannot tell about: never dropped silently. */
  unknown: Array<{ where: string; r: HunkReview }>;
}

function newSkipped(): Skipped {
  return { quiet: 0, below: 0, notSimulated: 0, notReached: 0, modelled: 0, outside: 0, headers: 0, unknown: [] };
}

function addSkipped(to: Skipped, from: Skipped): void {
  to.quiet += from.quiet;
  to.below += from.below;
  to.notSimulated += from.notSimulated;
  to.notReached += from.notReached;
  to.modelled += from.modelled;
  to.outside += from.outside;
  to.headers += from.headers;
  to.unknown.push(...from.unknown);
}

/** `N scenarios: <most common reason> (and K other reasons)` over the unknowns of `rs`. */
function unknownSummary(rs: readonly HunkReview[]): string {
  const by = new Map<string, number>();
  const ids = new Set<string>();
  for (const r of rs) {
    for (const u of r.unknown ?? []) {
      by.set(u.reason, (by.get(u.reason) ?? 0) + 1);
      ids.add(u.scenario);
    }
  }
  const top = [...by].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0];
  return `${ids.size} scenario${ids.size === 1 ? '' : 's'}, most often: ${top ? userText(top[0]) : 'unknown'}${by.size > 1 ? ` (and ${by.size - 1} other reason${by.size > 2 ? 's' : ''})` : ''}`;
}

function notQuotedLine(c: Skipped, min: Severity): string | undefined {
  const parts: string[] = [];
  const n = (k: number, what: string) => k && parts.push(`${k} ${what.replace('{s}', k === 1 ? '' : 's').replace('{does}', k === 1 ? 'does' : 'do')}`);
  n(c.quiet, 'hunk{s} that change{does} no simulated outcome'.replace('change{does}', c.quiet === 1 ? 'changes' : 'change'));
  n(c.below, `hunk{s} with remarks below ${min} severity`);
  n(c.notSimulated, 'hunk{s} not simulated (hunk-only, with no complete function to rebuild)');
  n(c.notReached, 'hunk{s} whose code no scenario runs');
  n(c.modelled, 'hunk{s} in functions a TypeScript model stands in for (not interpreted)');
  n(c.headers, 'hunk{s} of headers, applied to the patched side (what they change is told on the hunks where it is decided)');
  n(c.outside, 'hunk{s} outside the C this tool interprets (fs/ext4/{file,inode}.c, fs/iomap/{direct-io,iter}.c, mm/filemap.c) and the headers it reads');
  if (c.unknown.length) {
    const k = c.unknown.length;
    const where = k > 3 ? `${c.unknown.slice(0, 3).map((u) => u.where).join(', ')}, +${k - 3} more` : c.unknown.map((u) => u.where).join(', ');
    parts.push(`${k} hunk${k === 1 ? '' : 's'} where the simulation cannot tell (${where}) for ${unknownSummary(c.unknown.map((u) => u.r))}`);
  }
  return parts.length ? `Not quoted: ${parts.join('; ')}.` : undefined;
}

// ---------------------------------------------------------------------------------------
// What a hunk says

/** Fields whose change is a warning in the editor (fallback, lock, unwritten); the rest are information. */
const WARN_FIELDS: ReadonlySet<string> = new Set<ChangeField>(['path', 'fallback', 'lockAcrossIo', 'lockSequence', 'dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'convertContext', 'ioEndAllocs']);

/** Order of fields in a sentence and of sentences in a hunk. */
const FIELD_ORDER: readonly string[] = ['path', 'fallback', 'lockAcrossIo', 'lockSequence', 'waits', 'dioUnwritten', 'unwrittenConverted', 'unwrittenLeft', 'convertContext', 'ioEndAllocs', 'orphan', 'ret', 'bufferedWrite', 'finalSize', 'warns', 'timeline'];
/** Field names in words, for counts. */
const FIELD_WORDS: Record<string, string> = {
  path: 'path',
  fallback: 'fallback',
  lockAcrossIo: 'i_rwsem mode',
  lockSequence: 'i_rwsem sequence',
  waits: 'waits',
  dioUnwritten: 'IOMAP_DIO_UNWRITTEN',
  unwrittenConverted: 'unwritten conversion',
  unwrittenLeft: 'unwritten blocks left',
  convertContext: 'conversion context',
  ioEndAllocs: 'io_end allocations',
  orphan: 'orphan list',
  ret: 'return value',
  bufferedWrite: 'buffered write',
  finalSize: 'final i_size/i_disksize',
  warns: 'WARNs reached',
  timeline: 'order of events',
};
const fieldRank = (f: string) => (FIELD_ORDER.includes(f) ? FIELD_ORDER.indexOf(f) : FIELD_ORDER.length);

const findingRank = (f: HunkFinding) => (f.status === 'new' ? RANK[f.severity] : RANK.information);

/** The most severe rank of anything the hunk could say, or undefined when it has nothing to say. */
function hunkLevel(r: HunkReview): number | undefined {
  let best: number | undefined;
  const take = (k: number) => (best = best === undefined ? k : Math.min(best, k));
  for (const f of r.findings) take(findingRank(f));
  for (const c of r.changes) take(WARN_FIELDS.has(c.field) ? RANK.warning : RANK.information);
  if (r.unknown?.length) take(RANK.information);
  return best;
}

interface HunkItems {
  paragraphs: string[];
  /** `file:line:side` of the lines that decided the changes described (to keep them in the quote). */
  decidingLines: Array<{ file: string; line: number; side: 'before' | 'after' }>;
}

/** Most change sentences per hunk; the rest are counted. */
const MAX_SENTENCES = 5;

function hunkItems(r: HunkReview, hunk: Hunk, opts: HunkCommentOptions): HunkItems {
  const scenarios = opts.scenarios;
  const minSeverity = opts.minSeverity ?? 'information';
  const min = RANK[minSeverity];
  const paragraphs: string[] = [];
  const deciding: HunkItems['decidingLines'] = [];
  let hidden = 0;
  const mode = modeSentence(r, hunk, !!opts.hunkOnlySaidAbove);
  if (mode) paragraphs.push(mode);

  // Invariants: one sentence per (status, check).
  const groups: Array<{ f: HunkFinding; ids: string[] }> = [];
  for (const f of r.findings) {
    if (findingRank(f) > min) {
      hidden++;
      continue;
    }
    const g = groups.find((x) => x.f.status === f.status && x.f.code === f.code);
    if (g) {
      if (!g.ids.includes(f.scenario)) g.ids.push(f.scenario);
    } else groups.push({ f, ids: [f.scenario] });
  }
  const statusOrder = { new: 0, fixed: 1, still: 2 } as const;
  groups.sort((a, b) => statusOrder[a.f.status] - statusOrder[b.f.status] || RANK[a.f.severity] - RANK[b.f.severity] || cmp(a.f.code, b.f.code));
  for (const { f, ids } of groups) {
    const who = `${describeScenarios(ids, scenarios)} ${idList(ids)}`;
    const msg = userText(f.message.replace(/^fixed: /, '').replace(/^not fixed by this change: /, ''));
    if (f.status === 'new') paragraphs.push(`This breaks ${f.code} (${f.severity}) for ${who}: ${msg}.`);
    else if (f.status === 'fixed') paragraphs.push(`This fixes ${f.code} for ${who}: before the patch, ${msg}.`);
    else paragraphs.push(`${f.code} stays broken for ${who}, which ${ids.length === 1 ? 'runs' : 'run'} this hunk: ${msg}.`);
  }

  // Changed outcomes: groups of (field, before → after) that hold for the same scenarios
  // make one sentence.
  const changeGroups = groupChanges(r).filter((g) => {
    const keep = (WARN_FIELDS.has(g.field) ? RANK.warning : RANK.information) <= min;
    if (!keep) hidden++;
    return keep;
  });
  const clusters: Array<{ ids: string[]; gs: typeof changeGroups }> = [];
  for (const g of changeGroups) {
    const ids = [...g.scenarios].sort(cmp);
    const k = ids.join('\u0000');
    const c = clusters.find((x) => x.ids.join('\u0000') === k);
    if (c) c.gs.push(g);
    else clusters.push({ ids, gs: [g] });
  }
  for (const c of clusters) c.gs.sort((a, b) => fieldRank(a.field) - fieldRank(b.field) || cmp(a.before, b.before) || cmp(a.after, b.after));
  clusters.sort((a, b) => fieldRank(a.gs[0].field) - fieldRank(b.gs[0].field) || b.ids.length - a.ids.length || cmp(a.ids[0], b.ids[0]));
  const shown = clusters.slice(0, MAX_SENTENCES);
  for (const c of shown) {
    const clauses = c.gs.map((g) => clause(g.field, g.before, g.after));
    const why = c.gs.map((g) => g.why).find((w): w is string => !!w);
    const at = why ? decidedAt(why) : undefined;
    if (at?.loc) deciding.push(at.loc);
    const plural = c.ids.length > 1;
    paragraphs.push(`With this change, ${describeScenarios(c.ids, scenarios)} ${idList(c.ids)} ${joinClauses(clauses, plural)}${at ? ` (${at.text})` : ''}.`);
  }
  if (clusters.length > shown.length) {
    const rest = clusters.slice(shown.length);
    const n = new Set(rest.flatMap((c) => c.ids)).size;
    const fields = [...new Set(rest.flatMap((c) => c.gs.map((g) => FIELD_WORDS[g.field] ?? g.field)))];
    paragraphs.push(`${rest.length} more change${rest.length === 1 ? '' : 's'} in ${n} scenario${n === 1 ? '' : 's'} (${fields.join(', ')}): see review --format text.`);
  }

  // Unknowns: stated as such, one sentence per reason.
  if (r.unknown?.length) {
    if (RANK.information <= min) {
      const by: Array<{ reason: string; ids: string[] }> = [];
      for (const u of r.unknown) {
        const g = by.find((x) => x.reason === u.reason);
        if (g) g.ids.push(u.scenario);
        else by.push({ reason: u.reason, ids: [u.scenario] });
      }
      by.sort((a, b) => b.ids.length - a.ids.length || cmp(a.reason, b.reason));
      for (const g of by) paragraphs.push(`Cannot tell for ${g.ids.length} scenario${g.ids.length === 1 ? '' : 's'} ${idList(g.ids, false)}: ${userText(g.reason)}.`);
    } else hidden += r.unknown.length;
  }
  if (!paragraphs.length || (paragraphs.length === 1 && mode)) paragraphs.push(`No simulated write-path change: ${r.summary}.`);
  const assumed = freshAssumptions(r, opts.assumptionsSaid);
  if (assumed.length && (r.changes.length || r.findings.length)) {
    paragraphs.push(`Assumed by the model: ${userText(assumed[0])}${assumed.length > 1 ? ` (and ${assumed.length - 1} more assumption${assumed.length > 2 ? 's' : ''})` : ''}.`);
  }
  if (hidden) paragraphs.push(`(${hidden} more remark${hidden === 1 ? '' : 's'} below ${minSeverity} severity left out; --min-severity information shows them.)`);
  if (r.deciding) deciding.push({ file: r.deciding.file, line: r.deciding.line, side: r.deciding.side });
  return { paragraphs, decidingLines: deciding };
}

/** What every hunk-only hunk shares; `formatEmail` says it once when no tree was given. */
const HUNK_ONLY =
  'the functions it holds completely were rebuilt from it and run over the reference tree of the profile, so the rest of the kernel is the reference\'s, not necessarily the base this patch was written against';

/**
 * The hunk's assumptions worth a sentence, first the one to state: inconclusive runs are
 * said as unknowns and a graft in the mode sentence; those in `said` were stated above.
 */
function freshAssumptions(r: HunkReview, said: ReadonlySet<string> | undefined): string[] {
  return r.assumptions.filter((a) => !/: inconclusive \(/.test(a) && !/was grafted onto|was placed on the reference/.test(a) && !said?.has(a));
}

function modeSentence(r: HunkReview, hunk: Hunk, saidAbove: boolean): string | undefined {
  const parts: string[] = [];
  // The note's parts that are not "no kernel tree" (said in the reply's opening line).
  const notes = (r.note ?? '')
    .split('; ')
    .filter((x) => x && !/^no kernel tree\b/.test(x))
    .map((x) => userText(stripDirs(x.replace(/:? ?hunk-only mode$/, ''))));
  if (r.mode === 'hunk-only') {
    if (!saidAbove || notes.length) parts.push(`This hunk was reviewed on its own (hunk-only mode${notes.length ? `: ${notes.join('; ')}` : ''})${saidAbove ? '.' : `: ${HUNK_ONLY}.`}`);
  } else if (notes.length) parts.push(`Note: ${notes.join('; ')}.`);
  if (hunk.truncated && !notes.some((x) => /trimmed/.test(x))) parts.push('The quoted hunk is incomplete (trimmed in the mail), so the lines it lacks were guessed.');
  return parts.length ? parts.join(' ') : undefined;
}

/** A plain clause for one changed field, in the third person ("holds i_rwsem shared …"). */
function clause(field: string, before: string, after: string): string {
  const lock = (v: string) => (v === 'none' ? 'no i_rwsem' : `i_rwsem ${v}`);
  const path: Record<string, [string, string]> = {
    dio: ['goes direct', 'going direct'],
    buffered: ['goes through the page cache', 'going through the page cache'],
    'dio+buffered': ['goes direct with a buffered remainder', 'going direct with a buffered remainder'],
    dax: ['goes through DAX', 'going through DAX'],
    error: ['fails', 'failing'],
  };
  const fallback: Record<string, [string, string]> = {
    none: ['does not fall back to buffered IO', 'not falling back'],
    whole: ['falls back to buffered IO for the whole write', 'falling back wholly'],
    remainder: ['falls back to buffered IO for the remainder', 'falling back for the remainder'],
  };
  const list = (v: string) => (v === 'none' || v === '' ? 'nothing' : v.split(' ').join(' and '));
  switch (field) {
    case 'path':
      return `${path[after]?.[0] ?? `takes path ${after}`} instead of ${path[before]?.[1] ?? before}`;
    case 'fallback':
      if (after === 'none') return `no longer falls back to buffered IO (it did for the ${before === 'whole' ? 'whole write' : before})`;
      if (before === 'none') return `${fallback[after]?.[0] ?? `falls back (${after})`} (it did not)`;
      return `${fallback[after]?.[0] ?? `has fallback ${after}`} instead of ${fallback[before]?.[1] ?? before}`;
    case 'lockAcrossIo':
      return `holds ${lock(after)} across the IO instead of ${before === 'none' ? 'none' : before}`;
    case 'lockSequence':
      return `takes and releases i_rwsem as ${seq(after)} instead of ${seq(before)}`;
    case 'waits':
      return `waits on ${list(after)} instead of ${list(before)}`;
    case 'dioUnwritten':
      return after === 'true' ? 'sets IOMAP_DIO_UNWRITTEN (it did not)' : 'no longer sets IOMAP_DIO_UNWRITTEN';
    case 'unwrittenConverted':
      return after === 'true' ? 'converts its unwritten extents at completion (it did not)' : 'no longer converts its unwritten extents at completion';
    case 'unwrittenLeft':
      return after === 'true' ? 'leaves unwritten blocks in the written range (it did not)' : 'no longer leaves unwritten blocks in the written range';
    case 'orphan':
      return `uses the orphan list as ${after} instead of ${before}`;
    case 'ret':
      return `returns ${after} instead of ${before}`;
    case 'convertContext':
      if (before === 'none') return `converts unwritten extents in ${after} context (it did not convert)`;
      if (after === 'none') return `no longer converts unwritten extents (it did in ${before} context)`;
      return `converts unwritten extents in ${after} context instead of ${before}`;
    case 'ioEndAllocs':
      return `allocates ${after} io_end structure${after === '1' ? '' : 's'} instead of ${before}`;
    case 'bufferedWrite':
      return `does the buffered write as "${after}" instead of "${before}"`;
    case 'finalSize':
      return `ends with ${after} instead of ${before}`;
    case 'warns':
      return after === 'none' ? `no longer reaches ${before}` : `reaches ${after} instead of ${before === 'none' ? 'no WARN' : before}`;
    case 'timeline':
      return `runs "${after}" instead of "${before}"`;
    default:
      return `has ${field} ${after} instead of ${before}`;
  }
}

function seq(v: string): string {
  return v === '' || v === 'none' ? 'nothing (not taken)' : `"${v.split(' ').join(', ')}"`;
}

/** `a, b and c`; verbs turned plural for several scenarios ("holds" → "hold"). */
function joinClauses(cs: string[], plural: boolean): string {
  const fix = (c: string) => (plural ? pluralVerb(c) : c);
  const xs = cs.map(fix);
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function pluralVerb(c: string): string {
  return c
    .replace(/^takes and releases\b/, 'take and release')
    .replace(/^(goes)\b/, 'go')
    .replace(/^does not\b/, 'do not')
    .replace(/^does\b/, 'do')
    .replace(/^no longer (\w+)s\b/, 'no longer $1')
    .replace(/^(falls|holds|takes|waits|sets|converts|leaves|uses|returns|allocates|fails|has)\b/, (w) => (w === 'has' ? 'have' : w.slice(0, -1)))
    .replace(/\bits\b/g, 'their')
    .replace(/\(it did not( \w+)?\)/, '(they did not$1)')
    .replace(/\(it did\b/, '(they did');
}

/**
 * `cond → result @ fs/ext4/file.c:482` (optionally `before: …`, `calls f() @ …`, several
 * `; `-separated) as "decided at fs/ext4/file.c:482: `cond` → result".
 */
function decidedAt(why: string): { text: string; loc?: { file: string; line: number; side: 'before' | 'after' } } | undefined {
  const m = /^(before: )?(.*?) @ ([^\s@;`]+):(\d+)(?=;|`|$)/.exec(why.length < 2000 ? why : '');
  if (!m) return undefined;
  const side = m[1] ? 'before' : 'after';
  const inner = m[2];
  const what = /^calls \S+\(\)$/.test(inner) ? `the call to ${inner.slice(6)}` : `\`${inner.replace(/ → ([^→]*)$/, '` → $1')}`;
  // Lines of a rebuilt copy (`file.c~graft`, `file.c~join`) are not the tree's: say whose they are.
  const [file, copy] = m[3].split('~');
  const where = copy ? `line ${m[4]} of the ${copy === 'graft' ? 'grafted' : 'rebuilt'} ${file}` : `${file}:${m[4]}${side === 'before' ? ' before the patch' : ''}`;
  return { text: `decided by ${what} at ${where}`, loc: copy ? undefined : { file, line: Number(m[4]), side } };
}

// ---------------------------------------------------------------------------------------
// Scenarios in words

/** One scenario's traits, each under a key, so a group can be described by the traits all its members share. */
function traits(s: Scenario): Record<string, string> {
  const r = s.request;
  const bs = s.mount.blockSize;
  const t: Record<string, string> = {};
  t.size = r.len % 1024 === 0 ? `${r.len / 1024} KiB` : `${r.len}-byte`;
  t.align = r.pos % bs || r.len % bs ? 'unaligned' : '';
  t.direct = r.direct ? 'O_DIRECT' : 'buffered';
  t.nowait = r.nowait ? 'RWF_NOWAIT' : '';
  t.atomic = r.atomic ? 'RWF_ATOMIC' : '';
  t.dsync = r.dsync ? 'O_DSYNC' : '';
  t.append = r.append ? 'O_APPEND' : '';
  t.aio = r.aio ? 'AIO' : 'synchronous';
  t.target = target(s);
  const flags: Record<string, string> = { inline_data: 'an inline-data', encrypt: 'an encrypted', verity: 'a verity', journal_data: 'a journal-data (chattr +j)', dax: 'a DAX' };
  t.inode = [s.inode.mapping === 'indirect' ? 'to an indirect-mapped file' : '', ...s.inode.flags.map((f) => `on ${flags[f] ?? f} inode`)].filter(Boolean).join(' ');
  t.nosec = s.inode.nosec ? '' : 'on a cold inode (IS_NOSEC not yet set)';
  const mount = [s.mount.dataJournal ? 'data=journal' : '', s.mount.delalloc ? '' : 'nodelalloc', s.mount.dioreadNolock ? '' : 'nodioread_nolock', bs !== 4096 ? `${bs}-byte blocks` : ''].filter(Boolean);
  t.mount = mount.length ? `mounted with ${mount.join(', ')}` : '';
  const e = s.env;
  t.env = [
    e.contended ? 'with i_rwsem contended' : '',
    e.shortWrite ? 'with a short write' : '',
    e.invalidateFails ? 'with page-cache invalidation failing' : '',
    e.enospc ? 'with allocation failing (-ENOSPC)' : '',
    e.cachedPages ? 'with the range in the page cache' : '',
    r.bufOffset ? 'from a misaligned user buffer' : '',
    e.atomicCapable === false ? 'on a device without atomic writes' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return t;
}

function target(s: Scenario): string {
  const { pos, len } = s.request;
  const bs = s.mount.blockSize;
  const size = s.inode.size;
  if (pos >= size) return 'beyond EOF';
  if (pos + len > size) return 'straddling EOF';
  const states = new Set<string>();
  for (let b = Math.floor(pos / bs); b <= Math.floor((pos + len - 1) / bs) && states.size < 4; b++) states.add(s.inode.blocks[b] ?? '_');
  if (states.size === 1) {
    const only = [...states][0];
    return only === 'W' ? 'over written blocks' : only === 'U' ? 'into an unwritten extent' : only === 'D' ? 'over delalloc blocks' : 'into a hole inside i_size';
  }
  return 'over mixed blocks';
}

const VARYING: Record<string, string> = { aio: 'sync and AIO', nowait: 'with and without RWF_NOWAIT', nosec: 'warm and cold inodes' };

/**
 * Words for a set of scenarios: the traits they all share (`a 4 KiB O_DIRECT synchronous
 * write into an unwritten extent`; `1 KiB unaligned O_DIRECT writes over written blocks
 * (sync and AIO)` for a group). Ids the map does not know give `N scenarios`.
 */
function describeScenarios(ids: readonly string[], scenarios: ReadonlyMap<string, Scenario> | undefined): string {
  const known = ids.map((id) => scenarios?.get(id)).filter((s): s is Scenario => !!s);
  if (!known.length || known.length !== ids.length) return ids.length === 1 ? 'scenario' : 'scenarios';
  const all = known.map(traits);
  const common = (k: string) => (all.every((t) => t[k] === all[0][k]) ? all[0][k] : undefined);
  const flags = ['nowait', 'atomic', 'dsync', 'append'].map(common).filter(Boolean).join('|');
  const direct = common('direct');
  const kind = direct === 'O_DIRECT' ? [direct, flags].filter(Boolean).join('|') : [direct, flags].filter(Boolean).join(' ');
  const pre = [common('size'), common('align'), kind, common('aio')].filter(Boolean).join(' ');
  const post = ['target', 'inode', 'nosec', 'mount', 'env'].map(common).filter(Boolean).join(' ');
  const varying = Object.keys(VARYING).filter((k) => common(k) === undefined).map((k) => VARYING[k]);
  const noun = ids.length === 1 ? `a ${pre ? `${pre} ` : ''}write` : `${pre ? `${pre} ` : ''}writes`;
  return `${noun}${post ? ` ${post}` : ''}${varying.length ? ` (${varying.join(', ')})` : ''}`;
}

/** `[a, b]`, or `[27 scenarios: a, b, c, +24 more]`. */
function idList(ids: readonly string[], count = true): string {
  return ids.length > 4 ? `[${count ? `${ids.length} scenarios: ` : ''}${ids.slice(0, 3).join(', ')}, +${ids.length - 3} more]` : `[${ids.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------
// Quoting

/** Hunks up to this many lines are quoted whole. */
const QUOTE_WHOLE = 16;
/** Context lines kept around each changed line and each deciding line. */
const CONTEXT = 3;
/** A run of changed lines longer than this keeps its head and tail only. */
const MAX_RUN = 12;

function fileHeaderLines(fd: FileDiff): string[] {
  const a = fd.oldPath === null ? '/dev/null' : `a/${fd.oldPath}`;
  const b = fd.newPath === null ? '/dev/null' : `b/${fd.newPath}`;
  const ga = `a/${fd.oldPath ?? fd.newPath ?? ''}`;
  const gb = `b/${fd.newPath ?? fd.oldPath ?? ''}`;
  return fd.oldPath === null && fd.newPath === null ? [] : [`diff --git ${ga} ${gb}`, `--- ${a}`, `+++ ${b}`];
}

function hunkIdentity(fd: FileDiff, h: Hunk): string {
  return [fd.newPath ?? fd.oldPath ?? '', h.header, ...h.lines.map((l) => l.kind + l.text)].join('\n');
}

/** The hunk `> `-quoted: header kept, body trimmed to its changed lines, the deciding lines and their context. */
function quoteHunk(h: Hunk, path: string | null, deciding: HunkItems['decidingLines']): string[] {
  const n = h.lines.length;
  const keep = new Uint8Array(n);
  if (n <= QUOTE_WHOLE) keep.fill(1);
  else {
    const mark = (i: number, ctx: number) => {
      for (let k = Math.max(0, i - ctx); k <= Math.min(n - 1, i + ctx); k++) keep[k] = 1;
    };
    // Changed runs: all of a short run, head and tail of a long one.
    for (let i = 0; i < n; ) {
      if (h.lines[i].kind !== '+' && h.lines[i].kind !== '-') {
        i++;
        continue;
      }
      let j = i;
      while (j < n && (h.lines[j].kind === '+' || h.lines[j].kind === '-')) j++;
      if (j - i <= MAX_RUN) for (let k = i; k < j; k++) mark(k, CONTEXT);
      else {
        for (let k = i; k < i + MAX_RUN - 4; k++) mark(k, k === i ? CONTEXT : 0);
        for (let k = j - 4; k < j; k++) mark(k, k === j - 1 ? CONTEXT : 0);
      }
      i = j;
    }
    // Lines that decided an outcome, located by the hunk's own line numbers.
    let oldNo = h.oldStart;
    let newNo = h.newStart;
    for (let i = 0; i < n; i++) {
      const l = h.lines[i];
      for (const d of deciding) {
        if (path && d.file !== path) continue;
        const hit = d.side === 'before' ? l.kind !== '+' && l.kind !== '\\' && oldNo === d.line : l.kind !== '-' && l.kind !== '\\' && newNo === d.line;
        if (hit) mark(i, 1);
      }
      if (l.kind === ' ' || l.kind === '-') oldNo++;
      if (l.kind === ' ' || l.kind === '+') newNo++;
    }
  }
  const out = [quoteLine(h.header)];
  let cut = false;
  for (let i = 0; i < n; i++) {
    if (!keep[i]) {
      cut = true;
      continue;
    }
    if (cut) out.push('> [...]');
    cut = false;
    out.push(quoteLine(`${h.lines[i].kind}${h.lines[i].text}`));
  }
  if (cut) out.push('> [...]');
  return out;
}

function quoteLine(s: string): string {
  return `> ${s}`.replace(/\s+$/, '');
}

// ---------------------------------------------------------------------------------------
// Text

/** Greedy word wrap at `width` columns; a word longer than the width gets a line of its own. */
export function wrap(text: string, width = EMAIL_WIDTH): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
