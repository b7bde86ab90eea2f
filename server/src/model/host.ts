import type { CNode } from '../syntax/cst';
import type { Host, HostKind, Interpreter } from '../interp/interpreter';
import { int, T, Value } from '../interp/values';
import { ACCESSORS, BUILTINS } from './builtins';
import { EXT4 } from './ext4';
import { IOMAP } from './iomap';
import { IOMAP_BUFFERED } from './iomapBuffered';
import { LOCKING } from './locking';
import type { BuiltinFn, ModelFn, Registry } from './registry';
import { VFS } from './vfs';
import type { World } from './world';
import { ERRNO_NAMES } from './constants';
import { legacyRegistry } from './legacy';
import type { KernelProfile } from './profiles';

/** Every TypeScript-implemented kernel function and macro, by name. */
export const REGISTRY: Registry = { ...BUILTINS, ...ACCESSORS, ...LOCKING, ...EXT4, ...VFS, ...IOMAP, ...IOMAP_BUFFERED };

/**
 * The registry a profile runs with: the common one, plus the legacy DIO era's models for
 * `blockdev` profiles (model/legacy/). Built per call; cheap (object spreads).
 */
export function registryFor(profile: KernelProfile): Registry {
  const legacy = legacyRegistry(profile);
  return legacy ? { ...REGISTRY, ...legacy } : REGISTRY;
}

/** Does the model implement `name` (as a builtin or a model)? For "what is modelled" reports. */
export function modelledBy(name: string, profile?: KernelProfile): { kind: HostKind; cite: string } | undefined {
  const r = (profile ? registryFor(profile) : REGISTRY)[name];
  return r ? { kind: r.kind, cite: r.cite } : undefined;
}

/**
 * The `Host` the interpreter runs against for one scenario: the registry bound to a world,
 * plus constant lookup (tree headers first, then the profile's built-in table).
 */
export function makeHost(w: World, constant: (name: string) => bigint | undefined): Host & { bind(it: Interpreter): void } {
  const REGISTRY = registryFor(w.profile);
  let interp: Interpreter | undefined;
  const ctx = () => ({ w, it: interp! });
  return {
    bind(it: Interpreter) {
      interp = it;
    },
    kind(name: string) {
      return REGISTRY[name]?.kind;
    },
    builtin(name: string, args: readonly CNode[], it: Interpreter): Value {
      interp = it;
      return (REGISTRY[name] as BuiltinFn).run(ctx(), args);
    },
    model(name: string, args: Value[], it: Interpreter, site: CNode): Value {
      interp = it;
      return (REGISTRY[name] as ModelFn).run(ctx(), args, site);
    },
    constant(name: string): Value | undefined {
      if (name === 'current') return { k: 'obj', obj: w.objects.current };
      const v = constant(name);
      if (v === undefined) return undefined;
      return int(v, v > 0x7fffffffn || v < -0x80000000n ? (v < 0n ? T.long : T.ulong) : T.int);
    },
    errnoName(n: bigint) {
      return ERRNO_NAMES.get(n);
    },
  };
}
