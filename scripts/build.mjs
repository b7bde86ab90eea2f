// One build tool for everything: esbuild bundles the CLI, the language server and the
// VS Code client; the tree-sitter grammar WASM is copied from the npm package into
// grammars/ (issue 2: the grammar is taken from `tree-sitter-c`, never committed).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');

function pkgVersion(name) {
  // Read the file directly: web-tree-sitter's `exports` does not expose package.json.
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

mkdirSync(join(root, 'grammars'), { recursive: true });
mkdirSync(join(root, 'dist'), { recursive: true });
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), join(root, 'grammars', 'tree-sitter-c.wasm'));
// web-tree-sitter loads its runtime WASM next to the bundle that requires it.
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), join(root, 'dist', 'web-tree-sitter.wasm'));
writeFileSync(
  join(root, 'grammars', 'parser.info'),
  [
    '# Written by scripts/build.mjs; the WASM itself is copied from npm at build time.',
    `grammar: tree-sitter-c ${pkgVersion('tree-sitter-c')} (tree-sitter-c.wasm from the npm package)`,
    `runtime: web-tree-sitter ${pkgVersion('web-tree-sitter')}`,
    '',
  ].join('\n'),
);

// The ESM build of web-tree-sitter reads import.meta.url, which a CJS bundle lacks; use its CJS build.
const treeSitterCjs = {
  name: 'web-tree-sitter-cjs',
  setup(b) {
    b.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: join(root, 'node_modules/web-tree-sitter/web-tree-sitter.cjs') }));
  },
};

const common = {
  plugins: [treeSitterCjs],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode'],
};
// The CLI runs with the batch engine's V8 flags (CLI_NODE_FLAGS in server/src/protocol.ts, read
// from there so there is one list): `env -S` splits the #! line's arguments.
const engineFlags = /CLI_NODE_FLAGS: readonly string\[\] = \[([^\]]*)\]/.exec(readFileSync(join(root, 'server/src/protocol.ts'), 'utf8'));
if (!engineFlags) throw new Error('build: CLI_NODE_FLAGS not found in server/src/protocol.ts');
const nodeFlags = [...engineFlags[1].matchAll(/'([^']*)'/g)].map((m) => m[1]).join(' ');
const entries = [
  { entryPoints: [join(root, 'server/src/cli/main.ts')], outfile: join(root, 'dist/cli.js'), banner: { js: `#!/usr/bin/env -S node ${nodeFlags}` } },
  // The programmatic API for tests and the benchmark.
  { entryPoints: [join(root, 'server/src/api.ts')], outfile: join(root, 'dist/api.js') },
];
for (const [src, out] of [['server/src/lsp/server.ts', 'dist/server.js'], ['client/src/extension.ts', 'dist/client.js']]) {
  try { readFileSync(join(root, src)); entries.push({ entryPoints: [join(root, src)], outfile: join(root, out) }); } catch { /* not written yet */ }
}
await Promise.all(entries.map((e) => build({ ...common, ...e })));
if (watch) console.log('watch mode is not supported; rerun npm run build');
