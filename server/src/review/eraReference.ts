import { EXT4_FILES } from '../kernel/image';
import { BUILTIN_CONSTANTS } from '../model/constants';
import type { KernelProfile } from '../model/profiles';
import { SourceFile } from '../syntax/sourceFile';
import type { CParser } from '../syntax/treeSitter';
import type { BaseTree } from './review';

/**
 * The reference of a legacy profile whose era already had iomap (5.3): a fetched Debian
 * tree with the functions the era did not have, or had with another signature
 * (`profile.iomapReference.hidden`), blanked out of its interpreted files, so the era's
 * models (model/legacy/) or the patch's own C stand in for them. Blanked lines stay as
 * empty lines: every other function keeps its line numbers. Constants: the tree's headers,
 * then the era's built-in table (fs/direct-io.c flags, EXT4_STATE_DIO_UNWRITTEN).
 *
 * Pure apart from parsing: the parsed files are disposed before returning.
 */
export function eraReference(tree: BaseTree, profile: KernelProfile, why: string, parser: CParser): BaseTree {
  const hidden = new Set(profile.iomapReference?.hidden ?? []);
  // The era's iomap and page cache are the TypeScript models of their version (5.3's
  // iomap_dio_rw() took an end_io, not dops, and only warned on an invalidation failure),
  // not the reference tree's C.
  const texts = new Map([...tree.texts].filter(([p]) => EXT4_FILES.includes(p)));
  const removed: string[] = [];
  for (const path of EXT4_FILES) {
    const text = tree.texts.get(path);
    if (text === undefined) continue;
    const f = new SourceFile(path, text, parser);
    try {
      const lines = text.split('\n');
      for (const e of f.functions.values()) {
        if (!hidden.has(e.name)) continue;
        for (let r = e.startRow; r <= e.endRow && r < lines.length; r++) lines[r] = '';
        removed.push(e.name);
      }
      texts.set(path, lines.join('\n'));
    } finally {
      f.dispose();
    }
  }
  const table = BUILTIN_CONSTANTS[profile.constants];
  return {
    root: tree.root,
    version: `${profile.release}; iomap side from ${tree.version ?? tree.root ?? 'the reference tree'}`,
    texts,
    files: [],
    profile,
    profileWhy: `profile ${profile.id}: ${why}; the era's VFS, fs/direct-io.c and ext4 DIO functions are models (docs/model.md), ext4's iomap side is the reference tree's C without ${removed.length ? removed.join(', ') : 'nothing'} (not in ${profile.id})`,
    constant: (name) => tree.constant(name) ?? table[name],
  };
}
