import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createCParser, CParser, GrammarPaths } from '../syntax/treeSitter';

/**
 * Find the grammar and runtime WASM next to the bundle (`dist/` → `../grammars/`), or in
 * the source checkout when running from tests. `EXT4WP_GRAMMAR_DIR` overrides.
 * @throws Error naming the places looked in, when the grammar is missing (run `npm run build`).
 */
export function findGrammarPaths(from: string = __dirname): GrammarPaths {
  const candidates = [
    process.env.EXT4WP_GRAMMAR_DIR,
    join(from, '..', 'grammars'),
    join(from, '..', '..', 'grammars'),
    join(from, '..', '..', '..', 'grammars'),
    resolve('grammars'),
  ].filter((x): x is string => !!x);
  const dir = candidates.find((d) => existsSync(join(d, 'tree-sitter-c.wasm')));
  if (!dir) throw new Error(`tree-sitter-c.wasm not found (looked in ${candidates.join(', ')}); run \`npm run build\``);
  // The packaged extension has no node_modules: look next to the bundle first and only
  // then ask the resolver (which throws when the package is absent).
  const runtimeCandidates = [from, join(dir, '..', 'dist')];
  let runtimeDir = runtimeCandidates.find((d) => existsSync(join(d, 'web-tree-sitter.wasm')));
  if (!runtimeDir) {
    try {
      runtimeDir = dirname(require.resolve('web-tree-sitter/web-tree-sitter.wasm', { paths: [from, process.cwd()] }));
    } catch {
      runtimeDir = undefined;
    }
  }
  return { grammarWasm: join(dir, 'tree-sitter-c.wasm'), runtimeDir };
}

let shared: Promise<CParser> | undefined;

/** The process's C parser, created on first use. */
export function getParser(): Promise<CParser> {
  shared ??= createCParser(findGrammarPaths());
  return shared;
}
