// Campaign "scenario": scenario-file mutants (README "Scenario file") through
// `simulate --kernel <tree> --scenarios F` and `workload --scenarios F`. Strings a shell
// could run carry a marker command (`touch fuzzpwned-<tag>`, relative to the directory the
// generated script is run in); the runner executes `workload --format sh` output with
// every tool variable set to `true` and reports "injection" when a marker file appears.

export const MARKER = 'fuzzpwned';

const PAYLOADS = [
  '\ntouch fuzzpwned-nl\n',
  'x\r\ntouch fuzzpwned-crlf\r\n',
  '$(touch fuzzpwned-cmdsub)',
  '`touch fuzzpwned-backtick`',
  "'; touch fuzzpwned-squote; '",
  '"; touch fuzzpwned-dquote; "',
  '\u2028touch fuzzpwned-u2028\u2029',
  '\u0085touch fuzzpwned-nel',
  '\\\ntouch fuzzpwned-bsnl',
  'a\n#\ntouch fuzzpwned-nl2 #',
  '\u0000\ntouch fuzzpwned-nul',
  '\rtouch fuzzpwned-cr',
  '${IFS}$(touch${IFS}fuzzpwned-ifs)',
  '\n: "${DEV:=$(touch fuzzpwned-param)}"\n',
  '\ntouch fuzzpwned-nl3; exit 0\n',
];

const NUMBERS = [
  0, -1, 1, 511, 512, 513, 4095, 4096, 4097, 65536, 65537, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 44 - 1, 2 ** 44,
  2 ** 52, 2 ** 53 - 4096, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e21, 1e308, -(2 ** 53), -0, 0.5, 4096.5, 1e-7,
];
const WRONG = [null, true, false, '4096', '', 'x', [], [4096], {}, { a: 1 }, '0x1000', '1e3', 'NaN'];
const NUM_FIELDS = [['request', 'pos'], ['request', 'len'], ['request', 'bufOffset'], ['inode', 'size'], ['inode', 'disksize'], ['mount', 'blockSize'], ['env', 'logicalBlockSize']];
const BOOL_FIELDS = [['request', 'direct'], ['request', 'aio'], ['request', 'nowait'], ['request', 'atomic'], ['request', 'dsync'], ['request', 'append'], ['inode', 'nosec'], ['mount', 'dioreadNolock'], ['mount', 'delalloc'], ['mount', 'dataJournal'], ['env', 'contended'], ['env', 'shortWrite'], ['env', 'invalidateFails'], ['env', 'enospc'], ['env', 'cachedPages']];
const README_EXAMPLE = {
  id: 'ow-aligned-warm',
  request: { direct: true, aio: false, nowait: false, atomic: false, dsync: false, append: false, pos: 8192, len: 4096, bufOffset: 0 },
  inode: { mapping: 'extents', blocks: 'WWWWUUUU____', size: 65536, disksize: 65536, nosec: true, flags: [] },
  mount: { blockSize: 4096, dioreadNolock: true, delalloc: true, dataJournal: false },
  env: { contended: false, shortWrite: false, invalidateFails: false, enospc: false, logicalBlockSize: 512, cachedPages: false },
};

const clone = (x) => JSON.parse(JSON.stringify(x));
// A fresh copy of a WRONG value: the objects and arrays there are shared, and a later
// mutation writing into one (`request = {}` then `request.direct = {}`) made a cycle that
// broke every later input picking it (a first long run lost 23 inputs to it) and made
// input N depend on the inputs before it.
const wrong = (rng) => structuredClone(rng.pick(WRONG));
const setIn = (o, [a, b], v) => {
  if (!o[a] || typeof o[a] !== 'object' || Array.isArray(o[a])) o[a] = {};
  o[a][b] = v;
};

/** Structural mutations of one scenario object; returns a description. */
function mutateScenario(rng, s) {
  const kind = rng.weighted([[10, 'number'], [4, 'wrongType'], [3, 'id'], [4, 'description'], [3, 'blocks'], [2, 'flags'], [1, 'deep'], [1, 'extraKeys'], [1, 'dropId'], [2, 'section'], [2, 'mapping']]);
  switch (kind) {
    case 'number': {
      const f = rng.pick(NUM_FIELDS);
      const v = rng.pick(NUMBERS);
      setIn(s, f, v);
      // Near 2^53 in one field with the rest plausible is the interesting case: keep it so.
      return `${f.join('.')}=${v}`;
    }
    case 'wrongType': {
      const f = rng.pick([...NUM_FIELDS, ...BOOL_FIELDS]);
      const v = wrong(rng);
      setIn(s, f, v);
      return `${f.join('.')}=${JSON.stringify(v)}`;
    }
    case 'id': {
      const v = rng.pick([...PAYLOADS, '', ' ', '__proto__', 'constructor', 'toString', 'a'.repeat(rng.pick([1000, 100000])), '\u202eevil', '-rf', '--only', 'x,y', '*', '$HOME', '../../x']);
      s.id = rng.chance(0.8) ? `${s.id}${v}` : v;
      return `id+=${JSON.stringify(v).slice(0, 40)}`;
    }
    case 'description': {
      const v = rng.weighted([[6, rng.pick(PAYLOADS)], [1, 12345], [1, { text: 'x' }], [1, ['a', 'b']], [1, null], [1, true], [1, 'd'.repeat(rng.pick([10000, 1000000]))]]);
      s.description = v;
      return `description=${JSON.stringify(v)?.slice(0, 40)}`;
    }
    case 'blocks': {
      const v = rng.pick([
        '',
        'U',
        'X',
        'WU_D'.repeat(8) + '\n',
        'W'.repeat((1 << 20) + 3),
        '_'.repeat(rng.pick([4096, 65536, 1 << 20])),
        'D'.repeat(64),
        'U'.repeat(100000),
        rng.pick(PAYLOADS),
        'w u _ d',
        '\u00dc'.repeat(10),
      ]);
      setIn(s, ['inode', 'blocks'], v);
      return `blocks=${v.length}:${JSON.stringify(v.slice(0, 12))}`;
    }
    case 'flags': {
      const v = rng.pick([['inline_data', 'encrypt', 'verity', 'journal_data', 'dax'], ['dax', 'dax'], ['bogus'], [1, null, {}], 'dax', Array(100000).fill('dax'), [['dax']], [rng.pick(PAYLOADS)]]);
      setIn(s, ['inode', 'flags'], v);
      return `flags=${JSON.stringify(v).slice(0, 40)}`;
    }
    case 'deep': {
      // Marked for text-level construction (JSON.stringify would recurse): see deepText().
      s.__deep = rng.pick([100, 1000, 10000, 100000]);
      return `deep=${s.__deep}`;
    }
    case 'extraKeys': {
      const k = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);
      const objs = [s, s.request, s.inode].filter((o) => o && typeof o === 'object' && !Array.isArray(o));
      const target = rng.pick(objs);
      Object.defineProperty(target, k, { value: rng.pick([{ polluted: true, pos: 1 }, 1, 'x', null]), enumerable: true, configurable: true, writable: true });
      return `extraKey=${k}`;
    }
    case 'dropId':
      delete s.id;
      return 'dropId';
    case 'section': {
      const sec = rng.pick(['request', 'inode', 'mount', 'env']);
      s[sec] = wrong(rng);
      return `${sec}=${JSON.stringify(s[sec])}`;
    }
    default: {
      setIn(s, ['inode', 'mapping'], rng.pick(['indirect', 'extents', 'INDIRECT', '', 3, null]));
      return `mapping=${JSON.stringify(s.inode.mapping)}`;
    }
  }
}

/** Serialise, expanding `__deep` markers into deeply nested arrays/objects in the text. */
function toText(arr) {
  return JSON.stringify(arr, (k, v) => (k === '__deep' ? undefined : v));
}
function deepen(text, depth, rng) {
  const open = rng.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return text.replace(/"request":/, `"request":${open.repeat(depth)}1${close.repeat(depth)},"_":`);
}

const TEXT_MUTATORS = [
  [3, 'truncate', (rng, t) => t.slice(0, rng.int(t.length + 1))],
  [3, 'byteFlip', (rng, t) => {
    const b = Buffer.from(t, 'utf8');
    for (let k = rng.small(8); k > 0 && b.length; k--) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return b.toString('latin1');
  }],
  [1, 'bom', (rng, t) => `\ufeff${t}`],
  [1, 'nul', (rng, t) => t.replace(/,/, ',\u0000')],
  [1, 'crlf', (rng, t) => t.replace(/,/g, ',\r\n')],
  [1, 'trailingComma', (rng, t) => t.replace(/\]$/, ',]')],
  [1, 'comment', (rng, t) => `// scenarios\n${t}`],
  [2, 'literal', (rng, t) => t.replace(/("(?:pos|len|size|blockSize)":)[^,}]+/, `$1${rng.pick(['NaN', 'Infinity', '-Infinity', '1e400', '-0', '0x10', '1_000', '00', '.5', '9007199254740993', '123456789012345678901234567890'])}`)],
  [1, 'dupKey', (rng, t) => t.replace(/"id":("[^"]*")/, '"id":$1,"id":"dup"')],
  [1, 'topLevel', (rng) => rng.pick(['{}', '"x"', '1', 'null', '[[]]', '[null]', '', ' ', '[{}]', '[1,2,3]', '{"id":"x"}'])],
];

function scenarioBase(rng, corpus) {
  const n = rng.weighted([[6, 1], [3, 3], [1, 8]]);
  const arr = [];
  for (let i = 0; i < n; i++) {
    const src = rng.weighted([[6, 'matrix'], [2, 'readme'], [1, 'minimal']]);
    if (src === 'matrix') arr.push(clone(rng.pick(corpus.matrix)));
    else if (src === 'readme') arr.push(clone(README_EXAMPLE));
    else arr.push({ id: `min-${i}` });
    // Keep ids unique unless a mutation says otherwise.
    arr[i].id = `${arr[i].id}-${i}`;
  }
  return arr;
}

/** A scenario file's bytes and how they were made. */
export function scenarioFile(rng, corpus) {
  const arr = scenarioBase(rng, corpus);
  const muts = [];
  for (let k = rng.weighted([[1, 0], [6, 1], [3, 2], [1, 3]]); k > 0; k--) {
    const s = rng.pick(arr);
    muts.push(mutateScenario(rng, s));
  }
  let giant = 0;
  // Giant files are few: one costs seconds (the whole run, the script run in the sandbox).
  if (rng.chance(0.0025)) {
    const want = rng.pick([500, 2000, 5000]);
    const proto = arr[0];
    // Copies of a prototype that already carries a 10^6-character field would make a
    // file of GBs: the fuzzer itself (which builds the text) ran out of heap on one. The
    // file stays under 48 MB — three times the CLI's scenario-file limit, so the refusal
    // is still what is tested.
    const protoLen = JSON.stringify(proto ?? null)?.length ?? 4;
    giant = Math.max(1, Math.min(want, Math.floor((48 << 20) / Math.max(protoLen, 1))));
    for (let i = 1; i <= giant; i++) arr.push({ ...clone({ ...proto, __deep: undefined }), id: `g${i}` });
    muts.push(giant < want ? `giant=${giant} (of ${want}: the prototype is ${protoLen} chars)` : `giant=${giant}`);
  }
  let text = toText(arr);
  const deep = arr.find((s) => s && s.__deep)?.__deep;
  if (deep) text = deepen(text, deep, rng);
  if (rng.chance(0.15)) {
    const [, name, fn] = rng.weighted(TEXT_MUTATORS.map((m) => [m[0], m]));
    text = fn(rng, text);
    muts.push(`text:${name}`);
  }
  const latin1 = muts.some((m) => m === 'text:byteFlip');
  return { data: Buffer.from(text, latin1 ? 'latin1' : 'utf8'), what: muts.join(' ; ') || 'unmutated', ids: arr.filter((s) => s && typeof s.id === 'string').map((s) => s.id), giant };
}

/** One input: `simulate` (on a cached tree) or `workload`, with the scenario file. */
export function scenarioInput(rng, corpus) {
  const f = scenarioFile(rng, corpus);
  const cmd = rng.chance(0.5) ? 'simulate' : 'workload';
  let name = 'scenarios.json';
  // The file name reaches the workload script's header comment: make it a payload too.
  if (cmd === 'workload' && rng.chance(0.05)) name = rng.pick(['s\ntouch fuzzpwned-fname\n.json', "s'$(touch fuzzpwned-fname2)'.json", 's\u2028touch fuzzpwned-fname3.json']);
  const files = [{ name, data: f.data }];
  let argv;
  if (cmd === 'simulate') {
    const trees = Object.keys(corpus.trees);
    const v = trees.includes('6.12') && rng.chance(0.7) ? '6.12' : rng.pick(trees);
    argv = ['simulate', '--kernel', corpus.trees[v], '--scenarios', name, '--format', rng.chance(0.97) ? 'json' : 'text'];
    if (rng.chance(0.15) && f.ids.length) argv.push('--only', rng.pick(f.ids));
    if (rng.chance(0.03)) argv.push('--kernel-version', rng.pick(['6.1', '6.13', '2.6.31', '4.6', '5.3', 'x']));
  } else {
    argv = ['workload', '--scenarios', name, '--format', rng.chance(0.8) ? 'sh' : 'json'];
    if (rng.chance(0.1) && f.ids.length) argv.push('--only', rng.pick(f.ids));
  }
  let what = `${cmd} ${f.what}`;
  // CLI-level oddities, rarely: a missing file, a directory, an empty --only.
  if (rng.chance(0.04)) {
    const odd = rng.pick(['missing', 'dir', 'devnull', 'emptyOnly', 'unknownFlag']);
    const i = argv.indexOf('--scenarios') + 1;
    if (odd === 'missing') argv[i] = 'no-such-file.json';
    else if (odd === 'dir') argv[i] = '.';
    else if (odd === 'devnull') argv[i] = '/dev/null';
    else if (odd === 'emptyOnly') argv.push('--only', '');
    else argv.push('--frobnicate');
    what += ` argv:${odd}`;
  }
  return {
    files,
    argv,
    what,
    expectJson: argv.includes('json'),
    workloadSh: cmd === 'workload' && argv.includes('sh'),
    // The driver may run simulate over its already-parsed tree (same API calls as the CLI);
    // giant files go through the CLI's own code, whose output handling is what they test.
    cachedSimulate: cmd === 'simulate' && argv.includes('json') && !what.includes('argv:') && !f.giant,
    scenarioCount: f.ids.length,
  };
}

/** The first inputs of the campaign: fixed files of the known-hard kinds, then random ones. */
const fixed = (argvOf, scenarios, what, extra = {}) => (rng, corpus) => {
  const name = extra.name ?? 'scenarios.json';
  const trees = corpus.trees;
  const argv = argvOf(name, trees['6.12'] ?? Object.values(trees)[0]);
  return { files: extra.noFile ? [] : [{ name, data: Buffer.from(typeof scenarios === 'string' ? scenarios : JSON.stringify(scenarios)) }], argv, what: `fixed: ${what}`, expectJson: argv.includes('json'), workloadSh: argv[0] === 'workload' && !argv.includes('json'), cachedSimulate: false };
};
const sim = (name, tree) => ['simulate', '--kernel', tree, '--scenarios', name, '--format', 'json'];
const wl = (name) => ['workload', '--scenarios', name, '--format', 'sh'];
export const SCENARIO_SENTINELS = [
  fixed(sim, [{ id: 'len-2^53', request: { pos: 0, len: 2 ** 53 - 1 } }], 'simulate request.len = 2^53-1'),
  fixed(wl, [{ id: 'desc-newline', description: 'a\ntouch fuzzpwned-sentinel\n' }], 'workload description with a newline and a command'),
  fixed(sim, [], 'simulate --scenarios on a missing file', { name: 'no-such-file.json', noFile: true }),
  fixed(wl, [{ id: 'desc-object', description: { text: 'x' } }, { id: 'id\n$(touch fuzzpwned-sentinel-id)' }], 'workload description object, id with a newline'),
  fixed(sim, [{ id: 'pos-2^53', request: { pos: 2 ** 53 - 4096, len: 4096 }, inode: { blocks: '_' } }], 'simulate request.pos near 2^53'),
  fixed(sim, `[${'['.repeat(100000)}${']'.repeat(100000)}]`, 'simulate 100000 nested arrays'),
];
