import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceFile } from '../syntax/sourceFile';
import type { CParser } from '../syntax/treeSitter';
import { DEFAULT_PREPROC_CONFIG, PreprocConfig } from '../syntax/preproc';
import { CONSTANT_HEADERS, HeaderConstants, OPTIONAL_CONSTANT_HEADERS } from '../kernel/headers';
import { INTERPRETED_FILES, KernelImage } from '../kernel/image';
import { HeaderCode, OverlayCache } from '../kernel/headerCode';
import { BUILTIN_CONSTANTS } from '../model/constants';
import { chooseProfile, KernelProfile, KernelVersion, parseMakefileVersion, profileConflict } from '../model/profiles';
import type { BaseTree } from '../review/review';

/** A kernel tree read from disk: parsed ext4 C, its headers' constants and code, and its profile. */
export interface LoadedKernel {
  root: string;
  version?: KernelVersion;
  profile: KernelProfile;
  /** Why this profile (Makefile version, or the user's setting). */
  profileWhy: string;
  image: KernelImage;
  files: SourceFile[];
  /** Constant lookup: the tree's headers, then the profile's built-in table. */
  constant: (name: string) => bigint | undefined;
  /** The same lookup with some headers' texts replaced (a patch's post-image of a header). */
  constantsWith: (overlay: ReadonlyMap<string, string>) => (name: string) => bigint | undefined;
  /** File texts by tree-relative path (the base for applying patches). */
  texts: Map<string, string>;
  problems: string[];
  /** The profile the caller asked for and why it was not used (profileConflict), if so. */
  profileConflict?: string;
}

/** Does `dir` look like a kernel tree (has fs/ext4/file.c)? */
export function isKernelTree(dir: string): boolean {
  return existsSync(join(dir, 'fs', 'ext4', 'file.c'));
}

/**
 * Read and parse a kernel tree's write-path C. Missing files and headers are problems,
 * not errors: the engine falls back to built-in constants and reports what it lacked.
 */
export function loadKernelTree(root: string, parser: CParser, opts: { profile?: string; config?: PreprocConfig } = {}): LoadedKernel {
  const problems: string[] = [];
  const read = (rel: string): string | undefined => {
    try {
      return readFileSync(join(root, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  const makefile = read('Makefile');
  const version = makefile ? parseMakefileVersion(makefile) : undefined;
  if (!version) problems.push(`${root}: no kernel version in Makefile`);
  // A profile the tree's Makefile contradicts is refused, never silently simulated (issue 13).
  const conflict = profileConflict(version, opts.profile);
  const chosen = chooseProfile(version, conflict ? undefined : opts.profile);
  const { profile } = chosen;
  const why = conflict ? `${chosen.why}; the requested ${conflict} — not used` : chosen.why;
  const config = opts.config ?? DEFAULT_PREPROC_CONFIG;
  const texts = new Map<string, string>();
  const files: SourceFile[] = [];
  for (const rel of INTERPRETED_FILES) {
    const text = read(rel);
    if (text === undefined) {
      problems.push(`${root}: ${rel} missing`);
      continue;
    }
    texts.set(rel, text);
    files.push(new SourceFile(rel, text, parser, config));
  }
  const headerTexts = CONSTANT_HEADERS.map((h) => read(h) ?? '');
  const missing = CONSTANT_HEADERS.filter((_, i) => !headerTexts[i]);
  if (missing.length) problems.push(`headers missing (built-in constants used instead): ${missing.join(', ')}`);
  const optional = OPTIONAL_CONSTANT_HEADERS.map((h) => read(h) ?? '');
  const headers = new HeaderConstants([...headerTexts, ...optional], (s) => config.defined.has(s));
  const builtin = BUILTIN_CONSTANTS[profile.constants];
  // One lookup per distinct set of header texts, kept for the tree's life (a few, bounded):
  // the same function object lets the RunCache reuse runs across reviews of one document.
  const byOverlay = new OverlayCache<(name: string) => bigint | undefined>();
  const constantsWith = (overlay: ReadonlyMap<string, string>) =>
    byOverlay.get(overlay, (texts) => {
      const patched = new HeaderConstants([...CONSTANT_HEADERS, ...OPTIONAL_CONSTANT_HEADERS].map((h) => texts.get(h) ?? read(h) ?? ''), (s) => config.defined.has(s));
      return (name: string) => patched.get(name) ?? builtin[name];
    });
  return {
    root,
    version,
    profile,
    profileWhy: why,
    ...(conflict ? { profileConflict: conflict } : {}),
    // The headers' static inlines and macros: scanned on the first name nothing else answers for.
    image: new KernelImage(files, new Map(), config, new Map(), undefined, new HeaderCode(read, texts, parser, config)),
    files,
    constant: (name) => headers.get(name) ?? builtin[name],
    constantsWith,
    texts,
    problems,
  };
}

/** Where `npm run fetch-kernels` caches the Debian trees. */
export function kernelCacheDir(): string {
  return process.env.EXT4WP_CACHE ?? join(process.env.HOME ?? '/tmp', '.cache', 'ext4-write-path');
}

/** The Debian trees `fetch-kernels` caches, newest first: the order a series is tried in when no tree is given (review/findTree.ts). */
export const CACHED_TREES: readonly string[] = ['7.2', '6.12', '6.1'];

/** The cached tree for `version` (`6.1`, `6.12`), if fetched. */
export function cachedKernel(version: string): string | undefined {
  const dir = join(kernelCacheDir(), `linux-${version}`);
  return existsSync(join(dir, '.complete')) ? dir : undefined;
}

/** Adapt a loaded tree to the review's base. */
export function toBase(k: LoadedKernel): BaseTree {
  const v = k.version ? `${k.version.version}.${k.version.patchlevel}.${k.version.sublevel}` : undefined;
  return { root: k.root, version: v, texts: k.texts, files: k.files, profile: k.profile, profileWhy: k.profileWhy, constant: k.constant, constantsWith: k.constantsWith, headers: k.image.headers, ...(k.profileConflict ? { profileConflict: k.profileConflict } : {}) };
}


/**
 * The interpreted files' texts of the tree at `root` (tree-relative path → text), read
 * without parsing: enough to tell whether a series applies (review/findTree.ts). Files
 * the tree lacks are absent.
 */
export function interpretedTexts(root: string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const rel of INTERPRETED_FILES) {
    try {
      texts.set(rel, readFileSync(join(root, rel), 'utf8'));
    } catch {
      // not in this tree
    }
  }
  return texts;
}
