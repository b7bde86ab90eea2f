import type { CFunction, CodeImage } from '../interp/interpreter';
import type { StructLayout } from '../interp/values';
import type { GlobalInit, SourceFile } from '../syntax/sourceFile';
import { DEFAULT_PREPROC_CONFIG, PreprocConfig } from '../syntax/preproc';
import type { HeaderCode, HeaderMacro } from './headerCode';

/**
 * The C files whose functions are interpreted (issue 11): ext4's write path, iomap's direct
 * IO and its iterator, and the page-cache helpers iomap calls (mm/filemap.c; the functions
 * there that only keep page-cache state are `boundary` entries of the substrate).
 */
export const INTERPRETED_FILES = ['fs/ext4/file.c', 'fs/ext4/inode.c', 'fs/iomap/direct-io.c', 'fs/iomap/iter.c', 'mm/filemap.c', 'fs/read_write.c', 'fs/ext4/extents.c'] as const;

/** The interpreted files of ext4 itself (the rest are the kernel below it). */
export const EXT4_FILES: readonly string[] = INTERPRETED_FILES.filter((f) => f.startsWith('fs/ext4/'));

/**
 * An overlay entry that takes a function's definition out of one file: the image of a
 * post-image minus the hunk that added the function (review ablation), without
 * re-parsing that file. Other files' definitions of the name, and `fallback`, still count.
 */
export interface RemovedFunction {
  readonly removedFrom: SourceFile;
}

/** What an overlay holds per name: a function rebuilt from hunks, or a removal. */
export type OverlayEntry = CFunction | RemovedFunction;

/**
 * A set of parsed C files the interpreter can run: a kernel tree, the post-image of a
 * patch, or functions rebuilt from hunks (`overlay`, which wins over the files).
 */
export class KernelImage implements CodeImage {
  private readonly overlay: Map<string, OverlayEntry>;

  constructor(
    readonly files: readonly SourceFile[],
    overlay: ReadonlyMap<string, OverlayEntry> = new Map(),
    readonly config: PreprocConfig = DEFAULT_PREPROC_CONFIG,
    /** Initialised globals rebuilt from hunks (ops tables a patch adds), consulted after the files. */
    private readonly globals: ReadonlyMap<string, GlobalInit> = new Map(),
    /** Consulted last, for functions neither the overlay nor the files define (other hunks' new helpers, looked up lazily). */
    private readonly fallback?: (name: string) => CFunction | undefined,
    /** The static inlines and macros of the headers the tree's files include (kernel/headerCode.ts); consulted after the model. */
    readonly headers?: HeaderCode,
  ) {
    this.overlay = new Map(overlay);
  }

  /**
   * Per-name answers of the lookups below: an image does not change once built, and every
   * call, and every evaluation of a name not in scope, asks them again on every run.
   */
  private readonly found = new Map<string, CFunction | undefined>();
  private readonly macros = new Map<string, string | undefined>();
  private readonly globalsFound = new Map<string, Record<string, string> | undefined>();
  private readonly headerMacros = new Map<string, HeaderMacro | undefined>();

  lookupFunction(name: string): CFunction | undefined {
    return memo(this, this.found, name, this.lookupUncached);
  }

  private lookupUncached(name: string): CFunction | undefined {
    const o = this.overlay.get(name);
    const removedFrom = o && 'removedFrom' in o ? o.removedFrom : undefined;
    if (o && !removedFrom) return o as CFunction;
    for (const f of this.files) {
      if (f === removedFrom) continue;
      const e = f.functions.get(name);
      if (!e || !e.active) continue;
      const def = f.functionBody(name);
      if (def) return { name, file: f, def, lineBase: 1, displayPath: f.path };
    }
    return this.fallback?.(name);
  }

  lookupMacro(name: string): string | undefined {
    return memo(this, this.macros, name, this.lookupMacroUncached);
  }

  private lookupMacroUncached(name: string): string | undefined {
    for (const f of this.files) {
      const m = f.macros.get(name);
      if (m && !m.params && m.active !== false) return m.body;
    }
    return undefined;
  }

  lookupGlobal(name: string): Record<string, string> | undefined {
    return memo(this, this.globalsFound, name, this.lookupGlobalUncached);
  }

  private lookupGlobalUncached(name: string): Record<string, string> | undefined {
    for (const f of this.files) {
      const g = f.globals.get(name);
      if (g) return g.fields;
    }
    return this.globals.get(name)?.fields;
  }

  /** A `static inline` function of the included headers (after the model, see `Interpreter.call()`). */
  lookupHeaderFunction(name: string): CFunction | undefined {
    return this.headers?.lookupFunction(name);
  }

  /**
   * A `#define` in scope: the image's own files first (`#define IOMAP_DIO_WRITE (1U << 30)`
   * of fs/iomap/direct-io.c), then the included headers. Function-like macros are expanded
   * at the call, object-like ones evaluated where they are used.
   */
  lookupHeaderMacro(name: string): HeaderMacro | undefined {
    return memo(this, this.headerMacros, name, this.lookupHeaderMacroUncached);
  }

  private lookupHeaderMacroUncached(name: string): HeaderMacro | undefined {
    for (const f of this.files) {
      const m = f.macros.get(name);
      if (m && m.active !== false) return { name, ...(m.params ? { params: m.params } : {}), body: m.body, path: f.path, line: m.row + 1, active: true };
    }
    return this.headers?.lookupMacro(name);
  }

  /** The expansion of header macro `m` with the given argument texts. */
  expandHeaderMacro(m: HeaderMacro, args: readonly string[]): CFunction | undefined {
    return this.headers?.expand(m, args);
  }

  /** The tree's `struct name` (kernel/structs.ts). */
  lookupStruct(name: string): StructLayout | undefined {
    return this.headers?.lookupStruct(name);
  }

  /** A copy with extra functions layered on top (hunk-only mode). */
  withOverlay(extra: ReadonlyMap<string, OverlayEntry>): KernelImage {
    return new KernelImage(this.files, new Map([...this.overlay, ...extra]), this.config, this.globals, this.fallback, this.headers);
  }
}

/**
 * `map`'s answer for `key`, computed by `compute` (a method of `self`) once; an undefined
 * answer is remembered too. A method, not a closure: these run on every name evaluation.
 */
function memo<V>(self: KernelImage, map: Map<string, V>, key: string, compute: (this: KernelImage, key: string) => V): V {
  const v = map.get(key);
  if (v !== undefined || map.has(key)) return v as V;
  const computed = compute.call(self, key);
  map.set(key, computed);
  return computed;
}
