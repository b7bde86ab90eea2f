// The VS Code client's manifest, checked without VS Code: what the client code registers
// and reads is what package.json declares, and the .vsix holds exactly the files the
// installed extension runs. (Behaviour inside VS Code is the e2e test's job.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { api } from './helpers.mjs';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const protocol = loadTs(join(ROOT, 'server/src/protocol.ts'));
const PREFIX = `${protocol.CLIENT_ID}.`;

/** Evaluates a dependency-free TypeScript module (protocol.ts) the way the bundle would. */
function loadTs(file) {
  const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'cjs' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return module.exports;
}

function walk(dir, skip = () => false) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (skip(full)) continue;
    if (statSync(full).isDirectory()) out.push(...walk(full, skip));
    else out.push(full);
  }
  return out;
}

const clientSources = walk(join(ROOT, 'client/src')).filter((f) => f.endsWith('.ts'));

/** Command ids passed to registerCommand in client/src, resolved through CLIENT_COMMANDS. */
function registeredCommands() {
  const ids = [];
  for (const file of clientSources) {
    for (const m of readFileSync(file, 'utf8').matchAll(/registerCommand\(\s*([^,)]+)/g)) {
      const arg = m[1].trim();
      const optional = /^OPTIONAL_CLIENT_COMMANDS\.(\w+)$/.exec(arg);
      if (optional) {
        // Commands the server uses only when the client announces them: registered, not in the palette.
        assert.ok(optional[1] in (protocol.OPTIONAL_CLIENT_COMMANDS ?? {}), `${relative(ROOT, file)}: OPTIONAL_CLIENT_COMMANDS.${optional[1]} is not in protocol.ts`);
        continue;
      }
      const viaConst = /^CLIENT_COMMANDS\.(\w+)$/.exec(arg);
      const literal = /^(['"`])([^'"`]+)\1$/.exec(arg);
      if (viaConst) {
        assert.ok(viaConst[1] in protocol.CLIENT_COMMANDS, `${relative(ROOT, file)}: CLIENT_COMMANDS.${viaConst[1]} is not in protocol.ts`);
        ids.push(protocol.CLIENT_COMMANDS[viaConst[1]]);
      } else if (literal) {
        ids.push(literal[2]);
      } else {
        assert.fail(`${relative(ROOT, file)}: registerCommand(${arg}, …): use CLIENT_COMMANDS or a literal so this test can see the id`);
      }
    }
  }
  return ids;
}

test('every command the client registers is declared, and every declared command is registered', () => {
  const registered = registeredCommands();
  const declared = pkg.contributes.commands.map((c) => c.command);
  assert.deepEqual([...registered].sort(), Object.values(protocol.CLIENT_COMMANDS).sort(), 'client/src registers exactly CLIENT_COMMANDS');
  assert.deepEqual([...declared].sort(), [...registered].sort(), 'contributes.commands = registered commands');
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'ext4 Write-Path', `${c.command} category`);
    assert.ok(c.title, `${c.command} has a title`);
    assert.ok(pkg.activationEvents.includes(`onCommand:${c.command}`), `${c.command} activates the extension`);
  }
  for (const entry of pkg.contributes.menus.commandPalette) assert.ok(declared.includes(entry.command), `menu entry ${entry.command} is declared`);
});

test('every setting of protocol.ts plus trace.server is declared under ext4WritePath.', () => {
  const props = pkg.contributes.configuration.properties;
  const expected = [...Object.keys(protocol.DEFAULT_SETTINGS), 'trace.server'].map((k) => PREFIX + k);
  assert.deepEqual(Object.keys(props).sort(), expected.sort(), 'declared settings = DEFAULT_SETTINGS + trace.server');
  for (const [key, value] of Object.entries(protocol.DEFAULT_SETTINGS)) {
    const decl = props[PREFIX + key];
    assert.equal(decl.default, value, `${key}: package.json default = DEFAULT_SETTINGS`);
    assert.equal(decl.type, typeof value, `${key}: type`);
    assert.ok(decl.markdownDescription, `${key}: markdownDescription`);
  }
  // One setting value per kernel profile, in the model's order, plus auto.
  assert.deepEqual(props[`${PREFIX}kernelVersion`].enum, ['auto', ...Object.keys(api.PROFILES)]);
  assert.equal(props[`${PREFIX}timeBudget`].minimum, 200);
  assert.deepEqual(props[`${PREFIX}trace.server`].enum, ['off', 'messages', 'verbose']);
  assert.equal(props[`${PREFIX}trace.server`].default, 'off');
  // Settings the client reads by name exist (a typo would silently read the default).
  for (const file of clientSources) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:str|config\.get<unknown>)\('(\w+)'\)/g)) {
      assert.ok(`${PREFIX}${m[1]}` in props, `${relative(ROOT, file)} reads undeclared setting ${m[1]}`);
    }
  }
});

test('activation covers diff, mbox and C; mbox/eml is a contributed language', () => {
  for (const lang of ['diff', 'c', 'mbox']) assert.ok(pkg.activationEvents.includes(`onLanguage:${lang}`), `onLanguage:${lang}`);
  const mbox = pkg.contributes.languages.find((l) => l.id === 'mbox');
  assert.deepEqual(mbox.extensions, ['.mbox', '.eml']);
  assert.ok(mbox.aliases.includes('Mail'));
  const diff = pkg.contributes.languages.find((l) => l.id === 'diff');
  assert.ok(diff.extensions.includes('.patch') && diff.extensions.includes('.diff'));
});

test('workspace trust and virtual workspaces are declared', () => {
  const { untrustedWorkspaces, virtualWorkspaces } = pkg.capabilities;
  assert.equal(untrustedWorkspaces.supported, 'limited');
  for (const key of untrustedWorkspaces.restrictedConfigurations) assert.ok(key in pkg.contributes.configuration.properties, `${key} declared`);
  assert.deepEqual([...untrustedWorkspaces.restrictedConfigurations].sort(), [`${PREFIX}kernelTree`, `${PREFIX}scenarios`]);
  assert.equal(virtualWorkspaces.supported, false);
});

test('the trace command shows in the palette for diff, mbox and fs/ext4 C editors only', () => {
  const { when } = pkg.contributes.menus.commandPalette.find((m) => m.command === protocol.CLIENT_COMMANDS.showTrace);
  for (const lang of ['diff', 'mbox', 'c']) assert.match(when, new RegExp(`editorLangId == ${lang}\\b`));
  // The regexes of the when clause, run as JavaScript regexes (as VS Code does).
  const path = new RegExp(/resourcePath =~ \/(.+?)\/ \|\|/.exec(when)[1]);
  assert.ok(path.test('/src/linux/fs/ext4/inode.c'));
  assert.ok(path.test('C:\\src\\linux\\fs\\ext4\\file.c'));
  assert.ok(!path.test('/src/linux/fs/xfs/xfs_file.c'));
  assert.ok(!path.test('/src/linux/fs/ext4/ext4.h'));
  const ext = new RegExp(/resourceExtname =~ \/(.+?)\/$/.exec(when)[1]);
  for (const e of ['.patch', '.diff', '.mbox', '.eml', '.txt']) assert.ok(ext.test(e), e);
  assert.ok(!ext.test('.md'));
});

test('the main file exists after the build and needs nothing from node_modules', () => {
  const main = join(ROOT, pkg.main);
  assert.ok(existsSync(main), `${pkg.main} missing: run npm run build first`);
  // The .vsix ships no node_modules, so the bundle may require only vscode and Node's own modules.
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  for (const [, mod] of readFileSync(main, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
    assert.ok(mod === 'vscode' || builtins.has(mod), `${pkg.main} requires ${mod}`);
  }
  // It cannot be required outside VS Code (no `vscode` module); check esbuild's export list.
  const exports = /__export\(extension_exports, \{([^}]*)\}\)/.exec(readFileSync(main, 'utf8'));
  assert.ok(exports, `${pkg.main} is not the esbuild bundle of client/src/extension.ts`);
  assert.match(exports[1], /\bactivate: /);
  assert.match(exports[1], /\bdeactivate: /);
});

test('the server bundle the client forks is built (once its source exists)', (t) => {
  if (!existsSync(join(ROOT, 'server/src/lsp/server.ts'))) {
    t.skip('server/src/lsp/server.ts not written yet');
    return;
  }
  assert.ok(existsSync(join(ROOT, 'dist/server.js')), 'dist/server.js missing: run npm run build first');
});

/**
 * The files `vsce package` would put in the .vsix, by vsce's own rule: a file is packed
 * unless an ignore pattern matches it and no `!` pattern does; a pattern without `*` in
 * its last segment also covers `pattern/**`. Candidates are the repo (not .git, not
 * node_modules) plus the production dependencies, as vsce lists them.
 */
/** The extension page: the file `npm run package` hands vsce with --readme-path (README.md without it). */
const README = /--readme-path (\S+)/.exec(pkg.scripts.package)?.[1] ?? 'README.md';

function packagedFiles() {
  // minimatch comes with vscode-languageclient (package-lock.json pins it); vsce matches with it too.
  const minimatchModule = require('minimatch');
  const minimatch = typeof minimatchModule === 'function' ? minimatchModule : minimatchModule.minimatch;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const prodDeps = Object.entries(lock.packages).filter(([p, info]) => p.startsWith('node_modules/') && !info.dev);
  const toRel = (f) => relative(ROOT, f).split(sep).join('/');
  const files = walk(ROOT, (f) => /^(\.git|node_modules)$/.test(toRel(f))).map(toRel);
  for (const [dir] of prodDeps) if (existsSync(join(ROOT, dir))) files.push(...walk(join(ROOT, dir), (f) => toRel(f) === `${dir}/node_modules`).map(toRel));
  const raw = readFileSync(join(ROOT, '.vscodeignore'), 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  const patterns = [...raw, ...raw.filter((i) => !/(^|\/)[^/]*\*[^/]*$/.test(i)).map((i) => (i.endsWith('/') ? `${i}**` : `${i}/**`))];
  const ignore = ['.vscodeignore', '**/.git/**', '**/*.vsix', ...patterns.filter((p) => !p.startsWith('!'))];
  // vsce never ignores the manifest nor the readme it was told to use (--readme-path).
  const negate = [...patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)), 'package.json', README];
  const opts = { dot: true };
  return files.filter((f) => !ignore.some((p) => minimatch(f, p, opts)) || negate.some((p) => minimatch(f, p, opts))).sort();
}

test('.vscodeignore packs the bundles, the grammar, the check pages, the manifest, the extension page and its pictures, and nothing else', () => {
  const files = packagedFiles();
  // The check pages diagnostics link to (codeDescription → docs/checks/<code>.md next to dist/).
  const checkPages = readdirSync(join(ROOT, 'docs/checks')).filter((f) => f.endsWith('.md')).map((f) => `docs/checks/${f}`);
  const media = ['media/screenshots', 'media/walkthrough'].flatMap((d) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).filter((f) => /\.(png|md)$/.test(f)).map((f) => `${d}/${f}`) : []));
  const expected = [
    'package.json',
    README,
    'LICENSE',
    'media/icon.png',
    ...media,
    'scripts/fetch-kernels.sh',
    'dist/client.js',
    'dist/server.js',
    'dist/web-tree-sitter.wasm',
    'grammars/tree-sitter-c.wasm',
    'grammars/parser.info',
    ...checkPages,
  ].filter((f) => existsSync(join(ROOT, f)));
  assert.deepEqual(files, expected.sort());
  // What the packaged extension needs at run time, where it looks for it.
  for (const f of ['dist/client.js', 'dist/web-tree-sitter.wasm', 'grammars/tree-sitter-c.wasm']) assert.ok(files.includes(f), `${f} packed`);
  assert.equal(pkg.main.replace(/^\.\//, ''), 'dist/client.js');
});

/** The width and height of a PNG file, from its IHDR chunk. */
function pngSize(file) {
  const b = readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test('the icon is a 128×128 PNG rendered from our own SVG', () => {
  assert.equal(pkg.icon, 'media/icon.png');
  assert.deepEqual(pngSize(join(ROOT, pkg.icon)), { width: 128, height: 128 });
  assert.match(readFileSync(join(ROOT, 'media/icon.svg'), 'utf8'), /<svg[^>]+viewBox="0 0 128 128"/);
});

test('the extension page is the user README, and every picture it shows ships in the .vsix', () => {
  assert.notEqual(README, 'README.md', 'the repository README (developer material) is not the extension page');
  const page = readFileSync(join(ROOT, README), 'utf8');
  const files = packagedFiles();
  const images = [...page.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]);
  assert.ok(images.length > 0, 'a screenshot');
  for (const img of images) {
    assert.doesNotMatch(img, /^[a-z]+:/i, `${img}: relative, so it resolves inside the installed extension`);
    assert.ok(files.includes(img), `${img} is packed`);
  }
  // What a user needs from the page: the settings and the commands it documents are the declared ones.
  for (const key of Object.keys(pkg.contributes.configuration.properties)) assert.ok(page.includes(key), `${README} documents ${key}`);
  for (const c of pkg.contributes.commands.filter((c) => c.command !== protocol.CLIENT_COMMANDS.openLocation)) assert.ok(page.includes(c.title), `${README} documents ${c.title}`);
  assert.match(page, /## Limitations/);
  // The repository README still starts with the two commands of a fresh machine.
  const repo = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...repo.matchAll(/```sh\n([^`]+)```/g)].map((m) => m[1].trim());
  assert.deepEqual(blocks.slice(0, 2), ['npm ci --ignore-scripts && npm run demo', 'npm test']);
  for (const img of [...repo.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1])) assert.ok(existsSync(join(ROOT, img)), `README.md image ${img} exists`);
});

test('settings show in the Settings UI in order, with their scope and described values', () => {
  const props = Object.entries(pkg.contributes.configuration.properties);
  const orders = props.map(([, p]) => p.order);
  assert.deepEqual(orders, props.map((_, i) => i + 1), 'order follows the declaration');
  for (const [key, p] of props) {
    assert.ok(['window', 'machine-overridable'].includes(p.scope), `${key}: scope ${p.scope}`);
    assert.ok(p.markdownDescription && !p.description, `${key}: markdownDescription`);
    if (p.enum) assert.equal(p.markdownEnumDescriptions?.length, p.enum.length, `${key}: every value described`);
    for (const [, cmd] of (p.markdownDescription ?? '').matchAll(/\(command:([\w.]+)\)/g)) assert.ok(pkg.contributes.commands.some((c) => c.command === cmd), `${key} links to ${cmd}`);
  }
  // Paths are per machine (kept out of Settings Sync), and a workspace may still set its own.
  assert.equal(pkg.contributes.configuration.properties[`${PREFIX}kernelTree`].scope, 'machine-overridable');
  assert.equal(pkg.contributes.configuration.properties[`${PREFIX}scenarios`].scope, 'machine-overridable');
});

test('the walkthrough: four steps whose buttons, pictures and completion events all resolve', () => {
  const [wt, ...more] = pkg.contributes.walkthroughs;
  assert.equal(more.length, 0);
  const client = clientSources.map((f) => readFileSync(f, 'utf8')).join('\n');
  assert.match(client, new RegExp(`WALKTHROUGH_ID = '${wt.id}'`), 'Open Walkthrough opens this one');
  assert.deepEqual(wt.steps.map((s) => s.id), ['kernelTree', 'openPatch', 'hover', 'trace']);
  const files = packagedFiles();
  const declared = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const step of wt.steps) {
    const links = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 0 || step.id === 'hover', `${step.id}: a button`);
    for (const cmd of links) assert.ok(declared.has(cmd) || cmd.startsWith('workbench.'), `${step.id}: ${cmd}`);
    const media = step.media.image ?? step.media.markdown;
    assert.ok(files.includes(media), `${step.id}: ${media} is packed`);
    if (step.media.image) assert.ok(step.media.altText, `${step.id}: alt text`);
    assert.ok(step.completionEvents.length > 0, `${step.id}: completes`);
    for (const ev of step.completionEvents) {
      const [kind, what] = ev.split(/:(.*)/s);
      if (kind === 'onCommand') assert.ok(declared.has(what), ev);
      else if (kind === 'onSettingChanged') assert.ok(what in pkg.contributes.configuration.properties, ev);
      else if (kind === 'onContext' && /^resourceLangId == (diff|mbox)$/.test(what)) assert.ok(pkg.contributes.languages.some((l) => `resourceLangId == ${l.id}` === what), `${ev}: a language of ours`);
      else if (kind === 'onContext') assert.ok(client.includes(what.replace(`${protocol.CLIENT_ID}.`, '${CLIENT_ID}.')) || client.includes(what), `${ev}: the client sets it`);
      else assert.fail(`${step.id}: unexpected completion event ${ev}`);
    }
  }
});

test('the CLI gets the batch engine V8 flags everywhere it is started (its #! line, the npm scripts, the demo); the forked server does not', () => {
  const flags = api.CLI_NODE_FLAGS;
  assert.ok(flags.length > 0);
  const joined = flags.join(' ');
  // Not the language server: longer GC pauses there raised the edit-to-diagnostics p95.
  const client = readFileSync(join(ROOT, 'dist', 'client.js'), 'utf8');
  for (const f of flags) assert.ok(!client.includes(f), `client bundle passes ${f} to the server`);
  assert.equal(readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${joined}`);
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
  for (const name of ['simulate', 'review', 'bench']) assert.ok(scripts[name].includes(`node ${joined} `), `npm run ${name}: ${scripts[name]}`);
  assert.ok(readFileSync(join(ROOT, 'scripts', 'demo.sh'), 'utf8').includes(`node ${joined} dist/cli.js review`));
});
