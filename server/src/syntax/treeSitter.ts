import { Language, Parser } from 'web-tree-sitter';

/**
 * Where the two WASM files live. The caller (CLI, language server, tests) resolves the
 * paths; this layer does no path guessing beyond what it is told.
 */
export interface GrammarPaths {
  /** `tree-sitter-c.wasm`, copied into `grammars/` by the build. */
  grammarWasm: string;
  /** Directory holding `web-tree-sitter.wasm` (the runtime), e.g. `dist/`. */
  runtimeDir?: string;
}

/**
 * A ready C parser. One per process is plenty; it is not shared mutable state in the
 * sense that matters (each `parse` returns a fresh tree the caller owns and must
 * `delete()`).
 */
export interface CParser {
  /** Parse C text; the caller owns the tree and must call `tree.delete()`. */
  parse(text: string): import('web-tree-sitter').Tree;
  readonly language: Language;
}

/**
 * Initialise web-tree-sitter and load the C grammar.
 * @throws Error when a WASM file cannot be loaded (a build problem, not bad input).
 */
export async function createCParser(paths: GrammarPaths): Promise<CParser> {
  await Parser.init(
    paths.runtimeDir
      ? { locateFile: (name: string) => `${paths.runtimeDir}/${name}` }
      : undefined,
  );
  const language = await Language.load(paths.grammarWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    language,
    parse(text: string) {
      const tree = parser.parse(text);
      if (!tree) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}
