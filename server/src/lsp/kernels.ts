import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { toBase } from '../io/kernelTree';
import { referenceTreeFor } from '../review/inferProfile';
import type { KernelProfile } from '../model/profiles';
import { CACHED_TREES, cachedKernel, interpretedTexts, isKernelTree, loadKernelTree, LoadedKernel } from '../io/kernelTree';
import { INTERPRETED_FILES } from '../kernel/image';
import type { BaseTree } from '../review/review';
import { SourceFile } from '../syntax/sourceFile';
import type { CParser } from '../syntax/treeSitter';

/** Where the base tree of patch documents comes from, and why (for hovers and the log). */
export interface ResolvedBase {
  root?: string;
  why: string;
  /** Settings that were set but could not be used. */
  problems: string[];
}

/** A loaded tree and the base built from it with the editor's unsaved C texts applied. */
interface Entry {
  kernel: LoadedKernel;
  base?: BaseTree;
  /** SourceFiles parsed for editor texts (owned here, freed when the overlay changes). */
  overlayFiles: SourceFile[];
}

const isInterpreted = (rel: string) => (INTERPRETED_FILES as readonly string[]).includes(rel);

/**
 * The kernel trees the server reads: each loaded (read + parsed) once per root and profile
 * and kept until a C file under it changes on disk. Open, edited fs/ext4 C documents are
 * overlays: the base of a tree uses the editor's text for them, so patches are reviewed
 * against the code the reviewer is editing. Only C text is read; nothing is executed.
 */
export class KernelTrees {
  private readonly loaded = new Map<string, Entry>();
  /** root → tree-relative path → editor text. */
  private readonly overlays = new Map<string, Map<string, string>>();
  /** Cached tree root → its interpreted files' disk texts (candidates()). */
  private readonly diskTexts = new Map<string, Map<string, string>>();

  constructor(private readonly parser: CParser, private readonly log: (message: string) => void) {}

  /**
   * The base for patch documents: the `kernelTree` setting when it is a kernel tree, else
   * the first workspace folder (or its parent) that has fs/ext4/file.c, else none.
   */
  resolveBase(setting: string, folders: readonly string[]): ResolvedBase {
    const problems: string[] = [];
    if (setting) {
      // A relative setting is relative to the first workspace folder (where settings.json lives).
      const p = isAbsolute(setting) || !folders.length ? resolve(setting) : resolve(folders[0], setting);
      if (isKernelTree(p)) return { root: p, why: `ext4WritePath.kernelTree = ${p}`, problems };
      problems.push(`ext4WritePath.kernelTree ${p} has no fs/ext4/file.c: ignored`);
    }
    for (const f of folders) {
      for (const d of [f, dirname(f)]) if (isKernelTree(d)) return { root: d, why: `workspace folder ${d}`, problems };
    }
    return { why: 'no kernel tree (set ext4WritePath.kernelTree or open a kernel tree as a workspace folder)', problems };
  }

  /** The tree an absolute path to an `fs/ext4/*.c` file belongs to, if that tree is a kernel tree. */
  treeOf(absPath: string): { root: string; rel: string } | undefined {
    const m = /^(.*)[\\/]fs[\\/]ext4[\\/][^\\/]+\.c$/.exec(absPath);
    if (!m || !m[1] || !isKernelTree(m[1])) return undefined;
    return { root: m[1], rel: absPath.slice(m[1].length + 1).split(sep).join('/') };
  }

  /** The base tree of `root` (loaded on first use), with editor overlays applied. */
  base(root: string, profile?: string): BaseTree {
    const key = `${root}\u0000${profile ?? ''}`;
    let e = this.loaded.get(key);
    if (!e) {
      const t0 = Date.now();
      const kernel = loadKernelTree(root, this.parser, { profile });
      this.log(`loaded kernel tree ${root} (${kernel.profileWhy}) in ${Date.now() - t0} ms${kernel.problems.length ? `; ${kernel.problems.join('; ')}` : ''}`);
      e = { kernel, overlayFiles: [] };
      this.loaded.set(key, e);
    }
    if (!e.base) e.base = this.withOverlays(e, root);
    return e.base;
  }

  /**
   * The fetched Debian trees, newest first, for a patch reviewed with no tree configured
   * (ReviewOptions.candidates, review/findTree.ts): each with its interpreted files' disk
   * texts (read once) and its base, loaded only for the tree the series applies to.
   */
  candidates(): Array<{ name: string; texts: ReadonlyMap<string, string>; load: () => BaseTree }> {
    return CACHED_TREES.flatMap((v) => {
      const dir = cachedKernel(v);
      if (!dir) return [];
      let texts = this.diskTexts.get(dir);
      if (!texts) this.diskTexts.set(dir, (texts = interpretedTexts(dir)));
      return [{ name: v, texts, load: () => this.base(dir) }];
    });
  }

  /** The fetched Debian tree that serves as the reference for `profile` (hunk-only mode). */
  reference(profile: KernelProfile): BaseTree | undefined {
    const dir = cachedKernel(referenceTreeFor(profile));
    return dir ? this.base(dir) : undefined;
  }

  /**
   * Set (text) or clear (undefined) the editor text of an fs/ext4 C file. True when this
   * changes a base that patches are reviewed against (an interpreted file whose text differs).
   */
  setOverlay(absPath: string, text: string | undefined): boolean {
    const t = this.treeOf(absPath);
    if (!t) return false;
    let m = this.overlays.get(t.root);
    const old = m?.get(t.rel);
    if (old === text) return false;
    if (text === undefined) m?.delete(t.rel);
    else {
      if (!m) this.overlays.set(t.root, (m = new Map()));
      m.set(t.rel, text);
    }
    if (!isInterpreted(t.rel)) return false;
    let changed = false;
    for (const [key, e] of this.loaded) {
      if (!key.startsWith(`${t.root}\u0000`)) continue;
      // An overlay equal to the disk text changes nothing (a document opened, not edited).
      const disk = e.kernel.texts.get(t.rel);
      if ((old ?? disk) === (text ?? disk)) continue;
      this.dropBase(e);
      changed = true;
    }
    return changed;
  }

  /** A file changed on disk: forget every loaded tree it belongs to. True if one was loaded. */
  fileChanged(absPath: string): boolean {
    let hit = false;
    for (const [key, e] of [...this.loaded]) {
      const root = key.slice(0, key.indexOf('\u0000'));
      if (!absPath.startsWith(root + sep)) continue;
      this.dropBase(e);
      for (const f of e.kernel.files) f.dispose();
      this.loaded.delete(key);
      hit = true;
    }
    return hit;
  }

  /** Roots currently loaded (for file watching). */
  roots(): string[] {
    return [...new Set([...this.loaded.keys()].map((k) => k.slice(0, k.indexOf('\u0000'))))];
  }

  dispose(): void {
    for (const e of this.loaded.values()) {
      this.dropBase(e);
      for (const f of e.kernel.files) f.dispose();
    }
    this.loaded.clear();
  }

  private withOverlays(e: Entry, root: string): BaseTree {
    const base = toBase(e.kernel);
    const over = this.overlays.get(root);
    if (!over?.size) return base;
    const texts = new Map(base.texts);
    const files = [...base.files];
    const applied: string[] = [];
    for (const [rel, text] of over) {
      if (!isInterpreted(rel) || text === e.kernel.texts.get(rel)) continue;
      const f = new SourceFile(rel, text, this.parser);
      e.overlayFiles.push(f);
      texts.set(rel, text);
      applied.push(rel);
      const i = files.findIndex((x) => x.path === rel);
      if (i >= 0) files[i] = f;
      else files.push(f);
    }
    return applied.length ? { ...base, texts, files, profileWhy: `${base.profileWhy}; editor text of ${applied.join(', ')}` } : base;
  }

  /**
   * Forget the overlaid base. Its parsed overlay files are freed now: sessions built on it
   * keep only plain results and memoised simulations, which never re-read the trees.
   */
  private dropBase(e: Entry): void {
    e.base = undefined;
    for (const f of e.overlayFiles) f.dispose();
    e.overlayFiles = [];
  }
}

/** `file:` path of `root/rel` (rel uses `/`). */
export function treePath(root: string, rel: string): string {
  return join(root, ...rel.split('/'));
}
