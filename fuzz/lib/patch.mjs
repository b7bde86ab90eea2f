// Campaign "review": patch and mail mutants through `ext4-write-path review`.
//
// Text is handled as latin1 strings (one char per byte) so every mutation is byte-exact
// and arbitrary bytes (NUL, invalid UTF-8) survive line operations.
import { C_FILES } from './corpus.mjs';

const MAX_BYTES = 4 << 20;
const u8 = (s) => Buffer.from(s, 'utf8').toString('latin1');
const lat = (b) => Buffer.from(b).toString('latin1');
const fromLat = (s) => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------------------
// Small patches made at run time against a tree's write-path functions.

const EDITS = [
  // [name, (line) => replacement lines | undefined]
  ['flip-eq', (l) => (/[!=]=/.test(l) ? [l.replace(/==|!=/, (m) => (m === '==' ? '!=' : '=='))] : undefined)],
  ['flip-and', (l) => (/&&|\|\|/.test(l) ? [l.replace(/&&|\|\|/, (m) => (m === '&&' ? '||' : '&&'))] : undefined)],
  ['negate-if', (l) => (/\bif \(/.test(l) ? [l.replace(/\bif \(/, 'if (!')] : undefined)],
  ['delete', () => []],
  ['ret-eio', (l) => [l, `${indentOf(l)}ret = -EIO;`]],
  ['nowait-eagain', (l) => [l, `${indentOf(l)}if (iocb->ki_flags & IOCB_NOWAIT)`, `${indentOf(l)}\treturn -EAGAIN;`]],
  ['lock-excl', (l) => [l, `${indentOf(l)}inode_lock(inode);`]],
  ['const', (l) => (/\b\d+\b/.test(l) ? [l.replace(/\b\d+\b/, (m) => String(Number(m) + 1))] : undefined)],
  ['goto-out', (l) => [`${indentOf(l)}goto out;`, l]],
  ['comment', (l) => [l, `${indentOf(l)}/* fuzz: reviewed-by nobody */`]],
];
const indentOf = (l) => /^\s*/.exec(l)[0] || '\t';

/** A unified diff of `text` with lines [start, start+del) replaced by `add` (1-based). */
export function makeHunk(rel, text, start, del, add, fnName = '', ctx = 3) {
  const lines = text.split('\n');
  const a = Math.max(1, start - ctx);
  const b = Math.min(lines.length, start + del - 1 + ctx);
  const body = [];
  for (let i = a; i < start; i++) body.push(` ${lines[i - 1]}`);
  for (let i = start; i < start + del; i++) body.push(`-${lines[i - 1]}`);
  for (const l of add) body.push(`+${l}`);
  for (let i = start + del; i <= b; i++) body.push(` ${lines[i - 1]}`);
  const oldCount = b - a + 1;
  const newCount = oldCount - del + add.length;
  return `@@ -${a},${oldCount} +${a},${newCount} @@${fnName ? ` ${fnName}` : ''}\n${body.join('\n')}\n`;
}

/** One small patch (1–3 hunks) against the write-path functions of a tree. */
export function ownPatch(rng, corpus) {
  const v = corpus.writePath['6.12'] ? (rng.chance(0.75) ? '6.12' : '6.1') : Object.keys(corpus.writePath)[0];
  const wp = corpus.writePath[v];
  const nh = rng.weighted([[6, 1], [3, 2], [1, 3]]);
  const byFile = new Map();
  const names = [];
  for (let h = 0; h < nh; h++) {
    const rel = rng.chance(0.6) ? C_FILES[0] : C_FILES[1];
    const { text, functions } = wp[rel];
    if (!functions.length) continue;
    const fn = rng.pick(functions);
    const line = rng.range(fn.bodyStart, fn.end - 1);
    const orig = text.split('\n')[line - 1];
    let add;
    let name;
    for (let tries = 0; tries < 5 && !add; tries++) {
      const [n, edit] = rng.pick(EDITS);
      add = edit(orig);
      name = n;
    }
    if (!add) continue;
    names.push(`${name}@${fn.name}`);
    if (!byFile.has(rel)) byFile.set(rel, []);
    byFile.get(rel).push({ line, add, fn: fn.name, text });
  }
  let diff = '';
  for (const [rel, edits] of byFile) {
    edits.sort((x, y) => x.line - y.line);
    const kept = edits.filter((e, i) => i === 0 || e.line - edits[i - 1].line > 8);
    // Hunks of one file: later hunks' new-side numbers shift by the earlier ones' deltas.
    let delta = 0;
    let hunks = '';
    for (const e of kept) {
      let h = makeHunk(rel, e.text, e.line, 1, e.add, e.fn);
      h = h.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+)/, (_, a, b, c, d) => `@@ -${a},${b} +${Number(c) + delta},${d}`);
      delta += e.add.length - 1;
      hunks += h;
    }
    diff += `diff --git a/${rel} b/${rel}\nindex 0123456..89abcde 100644\n--- a/${rel}\n+++ b/${rel}\n${hunks}`;
  }
  return { text: diff || '', what: `own(${v}:${names.join(',')})` };
}

/** Wrap a diff in one of the envelopes `review` reads. */
export function envelope(rng, diff, subject = 'ext4: fuzz the write path') {
  const kind = rng.weighted([[4, 'plain'], [3, 'format-patch'], [1, 'mbox-series'], [2, 'quoted'], [1, 'flattened']]);
  const mail = (n, of, body) =>
    `From 3f1c0de5e1b2a3c4d5e6f708192a3b4c5d6e7f80 Mon Sep 17 00:00:00 2001\nFrom: Fuzz Er <fuzz@example.org>\nDate: Tue, 5 Nov 2024 10:00:00 +0000\nSubject: [PATCH${of ? ` ${n}/${of}` : ''}] ${subject}\n\nA change made by the fuzzer.\n\nSigned-off-by: Fuzz Er <fuzz@example.org>\n---\n fs/ext4/file.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n${body}-- \n2.46.0\n\n`;
  switch (kind) {
    case 'plain':
      return { text: diff, kind };
    case 'format-patch':
      return { text: mail(0, 0, diff), kind };
    case 'mbox-series': {
      const cover = `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Fuzz Er <fuzz@example.org>\nDate: Tue, 5 Nov 2024 10:00:00 +0000\nSubject: [PATCH 0/2] cover letter\n\nTwo patches.\n\n`;
      return { text: cover + mail(1, 2, diff) + mail(2, 2, diff), kind };
    }
    case 'quoted': {
      const depth = rng.range(1, 3);
      const q = '> '.repeat(depth);
      const lines = diff.split('\n');
      const out = [`On Tue, Nov 05, 2024 at 10:00:00AM +0000, Fuzz Er wrote:`];
      for (const l of lines) {
        out.push(l ? `${q}${l}` : q.trimEnd());
        if (l.startsWith('+') && !l.startsWith('+++') && rng.chance(0.15)) out.push('', 'Why is this needed here?', '');
      }
      return { text: `Subject: Re: [PATCH] ${subject}\n\n${out.join('\n')}\n`, kind };
    }
    default:
      return { text: mail(0, 0, diff).replace(/\n/g, ' '), kind };
  }
}

// ---------------------------------------------------------------------------------------
// Mutations (latin1 strings).

const HEADER_NUMBERS = ['0', '-1', '1', '4294967296', '9007199254740993', '99999999999999999999999', '', 'x', '1e3', '007', '-0'];
const ODD_BYTES = ['\0', '\xff', '\xfe\xff', '\xc0\xaf', '\xed\xa0\x80', '\xef\xbb\xbf', '\x1b[31m', '\r', '\v', '\f', u8('\u2028'), u8('\u202e'), u8('e\u0301'), u8('\ud83d\ude00')];

const MUTATORS = {
  byteFlip(rng, s) {
    const b = fromLat(s);
    if (!b.length) return s;
    for (let k = rng.small(16); k > 0; k--) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return lat(b);
  },
  lineDelete(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length);
    l.splice(i, rng.small(4));
    return l.join('\n');
  },
  lineDup(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length);
    l.splice(i, 0, ...Array(rng.small(6)).fill(l[i]));
    return l.join('\n');
  },
  lineSwap(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length);
    const j = rng.int(l.length);
    [l[i], l[j]] = [l[j], l[i]];
    return l.join('\n');
  },
  hunkHeader(rng, s) {
    const l = s.split('\n');
    const idx = l.map((x, i) => (x.startsWith('@@') || x.startsWith('> @@') ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return s;
    const i = rng.pick(idx);
    let n = 0;
    const which = rng.int(4);
    l[i] = l[i].replace(/-?\d+/g, (m) => (n++ === which || rng.chance(0.2) ? rng.pick(HEADER_NUMBERS) : m));
    if (rng.chance(0.1)) l[i] = l[i].replace(/,\d+/g, '');
    if (rng.chance(0.05)) l[i] = l[i].replace(/ @@/, '');
    return l.join('\n');
  },
  truncate(rng, s) {
    return s.slice(0, rng.int(s.length + 1));
  },
  oddBytes(rng, s) {
    let out = s;
    for (let k = rng.small(6); k > 0; k--) {
      const at = rng.int(out.length + 1);
      out = out.slice(0, at) + rng.pick(ODD_BYTES) + out.slice(at);
    }
    return out;
  },
  quote(rng, s) {
    const l = s.split('\n');
    const a = rng.int(l.length);
    const b = rng.chance(0.3) ? l.length : Math.min(l.length, a + rng.range(1, 60));
    const pre = rng.pick(['> ', '>> ', '> > ', '>', '> > > ', '| ', '>\t']);
    for (let i = a; i < b; i++) l[i] = pre + l[i];
    return l.join('\n');
  },
  repeat(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length);
    const span = l.slice(i, i + rng.range(1, 40));
    const times = rng.pick([50, 500, 5000, 20000]);
    const block = span.join('\n');
    if ((block.length + 1) * times > MAX_BYTES) return s;
    l.splice(i, span.length, Array(times).fill(block).join('\n'));
    return l.join('\n');
  },
  longLine(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length);
    const unit = rng.pick(['+', ' ', '(', 'a', '@@ ', '> ', '{', '\t']);
    l.splice(i, 0, (rng.chance(0.5) ? '+' : ' ') + unit.repeat(Math.floor(rng.pick([1e4, 1e5, 1e6]) / unit.length)));
    return l.join('\n');
  },
  crlf(rng, s) {
    if (rng.chance(0.5)) return s.replace(/\n/g, '\r\n');
    if (rng.chance(0.5)) return s.replace(/\n/g, '\r');
    return s.replace(/\n/g, (m) => (rng.chance(0.3) ? '\r\n' : m));
  },
  prefixes(rng, s) {
    const l = s.split('\n');
    for (let k = rng.small(10); k > 0; k--) {
      const i = rng.int(l.length);
      l[i] = rng.pick(['+', '-', ' ', '\\', '@', '']) + l[i].slice(1);
    }
    return l.join('\n');
  },
  headers(rng, s) {
    const l = s.split('\n');
    const i = rng.int(l.length + 1);
    l.splice(i, 0, rng.pick(['diff --git a/fs/ext4/file.c b/fs/ext4/file.c', '--- a/fs/ext4/inode.c', '+++ b/fs/ext4/inode.c', '--- /dev/null', '+++ /dev/null', 'From nobody Mon Sep 17 00:00:00 2001', 'Subject: [PATCH 9/9] x', '-- ', 'GIT binary patch', 'rename from fs/ext4/file.c', 'rename to fs/ext4/file2.c', '\\ No newline at end of file', 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Content-Type: text/plain; charset=utf-16', 'index 0000000..ffffff 100644', '@@ -1 +1 @@', '@@@ -1,2 -1,2 +1,2 @@@']));
    return l.join('\n');
  },
  flatten(rng, s) {
    return s.replace(/\n/g, rng.pick([' ', '  ', '\t']));
  },
  utf16(rng, s) {
    return Buffer.from(Buffer.from(s, 'latin1').toString('utf8'), 'utf16le').toString('latin1');
  },
  whitespace(rng, s) {
    return rng.chance(0.5) ? s.replace(/\t/g, '        ') : s.replace(/ {8}/g, '\t');
  },
  qpEncode(rng, s) {
    // A quoted-printable-looking body: `=3D` for `=`, soft line breaks.
    return s.replace(/=/g, '=3D').replace(/(.{70})/g, (m) => (rng.chance(0.3) ? `${m}=\n` : m));
  },
};
const MUTATOR_WEIGHTS = [
  [8, 'byteFlip'], [8, 'lineDelete'], [6, 'lineDup'], [3, 'lineSwap'], [10, 'hunkHeader'], [5, 'truncate'], [6, 'oddBytes'],
  [6, 'quote'], [3, 'repeat'], [2, 'longLine'], [4, 'crlf'], [5, 'prefixes'], [4, 'headers'], [1, 'flatten'], [1, 'utf16'], [2, 'whitespace'], [1, 'qpEncode'],
];

/** Apply 1–4 mutations (0 sometimes: the unmutated base is an input too). */
export function mutateText(rng, s, count = rng.weighted([[1, 0], [5, 1], [3, 2], [2, 3], [1, 4]])) {
  const applied = [];
  for (let k = 0; k < count; k++) {
    const name = rng.weighted(MUTATOR_WEIGHTS);
    const next = MUTATORS[name](rng, s);
    if (next.length > MAX_BYTES) continue;
    s = next;
    applied.push(name);
  }
  return { text: s, applied };
}

/**
 * One review input: the document bytes, the argv (relative to the input's directory) and
 * a description of how it was made.
 */
export function reviewInput(rng, corpus) {
  // Prefer small, fast bases: one real hunk or an own patch; seeds and the full diff less often.
  const pairs = [[5, 'own']];
  if (corpus.realHunks.length) pairs.push([4, 'hunk'], [1, 'hunks'], [0.3, 'realDiff']);
  if (corpus.seeds.length) pairs.push([3, 'seed']);
  pairs.push([1, 'splice']);
  const base = () => {
    const kind = rng.weighted(pairs.filter(([, k]) => k !== 'splice'));
    switch (kind) {
      case 'own': {
        const p = ownPatch(rng, corpus);
        const e = envelope(rng, p.text);
        return { text: u8(e.text), what: `${p.what}/${e.kind}` };
      }
      case 'hunk': {
        const i = rng.int(corpus.realHunks.length);
        const e = envelope(rng, corpus.realHunks[i]);
        return { text: u8(e.text), what: `realHunk#${i}/${e.kind}` };
      }
      case 'hunks': {
        const i = rng.int(corpus.realHunks.length);
        const n = rng.range(2, 8);
        return { text: u8(corpus.realHunks.slice(i, i + n).join('')), what: `realHunks#${i}+${n}` };
      }
      case 'realDiff':
        return { text: u8(corpus.realDiff), what: 'realDiff' };
      default: {
        const s = rng.pick(corpus.seeds);
        return { text: lat(s.bytes), what: `seed:${s.name}` };
      }
    }
  };
  let { text, what } = base();
  if (rng.chance(0.1)) {
    const other = base();
    const a = rng.int(text.length + 1);
    const b = rng.int(other.text.length + 1);
    text = text.slice(0, a) + other.text.slice(b);
    what = `splice(${what}@${a},${other.what}@${b})`;
  }
  const m = mutateText(rng, text);
  const ext = rng.weighted([[6, 'patch'], [1, 'mbox'], [1, 'eml'], [1, 'txt'], [1, 'diff']]);
  const name = `input.${ext}`;
  const files = [{ name, data: fromLat(m.text) }];
  const argv = ['review', name];
  // A second document now and then: a series, each reviewed on the previous one's post-image.
  if (rng.chance(0.05)) {
    const second = mutateText(rng, base().text);
    files.push({ name: 'input2.patch', data: fromLat(second.text) });
    argv.push('input2.patch');
  }
  const format = rng.weighted([[8, 'json'], [1, 'text'], [1, 'sarif']]);
  argv.push('--format', format);
  const trees = Object.keys(corpus.trees);
  const kernel = rng.weighted([[5, undefined], ...trees.map((v) => [v === '6.12' ? 3 : 2, v])]);
  if (kernel) argv.push('--kernel', corpus.trees[kernel]);
  // Scenarios: mostly a small file of matrix scenarios (a review costs scenarios × images),
  // the 80-scenario core grid often, the whole default matrix now and then.
  const set = rng.weighted([[6, 'small'], [3, 'core'], [1, 'default']]);
  if (set === 'small') {
    const n = rng.range(4, 10);
    const picked = [];
    for (let k = 0; k < n; k++) picked.push(rng.pick(corpus.matrix));
    files.push({ name: 'scenarios.json', data: Buffer.from(JSON.stringify([...new Map(picked.map((x) => [x.id, x])).values()])) });
    argv.push('--scenarios', 'scenarios.json');
  } else argv.push('--scenarios', set);
  argv.push('--time-budget', String(rng.pick([1000, 2000, 2000, 3000])));
  if (rng.chance(0.08)) argv.push('--kernel-version', rng.pick(['6.1', '6.12', '5.3', '4.6', '2.6.31', '6.13', '6.12-atomic', 'bogus', '']));
  if (format === 'text' && rng.chance(0.5)) argv.push('--max-rows', rng.pick(['0', '1', '-1', 'x', '100000']));
  // CLI-level oddities, rarely: they check the usage-error path stays clean.
  if (rng.chance(0.03)) {
    const odd = rng.pick([
      ['--time-budget', rng.pick(['0', '-5', 'abc', '1e309'])],
      ['--scenarios', rng.pick(['missing.json', '.', '/dev/null'])],
      ['--format', 'yaml'],
      ['--kernel', 'no-such-tree'],
      ['--bogus-flag'],
    ]);
    argv.push(...odd);
    what += ` argv:${odd.join(' ')}`;
  }
  return { files, argv, what: `${what} ${m.applied.join('+') || 'unmutated'}`, expectJson: format !== 'text' };
}

export { u8, lat, fromLat };

/** The first inputs of the campaign: the demo's real diff, then documents of the known-hard kinds. */
export const REVIEW_SENTINELS = [
  (rng, corpus) => ({ files: [{ name: 'real.diff', data: Buffer.from(corpus.realDiff ?? '') }], argv: ['review', 'real.diff', '--format', 'json', '--kernel', corpus.trees['6.1'] ?? Object.values(corpus.trees)[0], '--scenarios', 'core', '--time-budget', '3000'], what: 'fixed: the real 6.1 → 6.12 diff against 6.1 (the demo)', expectJson: true }),
  (rng, corpus) => {
    // About 2.5 MB: the real diff's hunks over and over, hunk-only (no --kernel).
    const hunks = corpus.realHunks.length ? corpus.realHunks : [ownPatch(rng, corpus).text];
    let text = '';
    for (let i = 0; text.length < 2.5e6; i++) text += hunks[i % hunks.length];
    return { files: [{ name: 'big.patch', data: Buffer.from(text) }], argv: ['review', 'big.patch', '--format', 'json', '--scenarios', 'core', '--time-budget', '1000'], what: 'fixed: a 2.5 MB patch of repeated real hunks, --time-budget 1000', expectJson: true };
  },
  (rng, corpus) => {
    const s = corpus.seeds.find((x) => x.name.startsWith('002')) ?? corpus.seeds[0];
    const text = s ? lat(s.bytes).replace(/\n/g, '\r\n') + '\0\xff' : '';
    return { files: [{ name: 'seed.mbox', data: fromLat(text) }], argv: ['review', 'seed.mbox', '--format', 'json', '--scenarios', 'core', '--time-budget', '2000'], what: `fixed: ${s?.name ?? 'no seed'} with CRLF and trailing NUL/0xff`, expectJson: true };
  },
];
