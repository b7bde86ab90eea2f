import type { KernelProfile } from '../profiles';
import type { Registry } from '../registry';
import { BUFFER_HEAD } from './bufferHead';
import { DIRECT_IO } from './directIo';
import { LEGACY_EXT4 } from './ext4';
import { LEGACY_VFS } from './vfs';

/**
 * The model functions a `blockdev` profile adds on top of the common registry: buffer
 * heads and work items, fs/direct-io.c, the era's VFS write path and the era's ext4
 * functions (each cites its version). Undefined for iomap profiles.
 */
export function legacyRegistry(profile: KernelProfile): Registry | undefined {
  if (profile.dio !== 'blockdev') return undefined;
  return { ...BUFFER_HEAD, ...DIRECT_IO, ...LEGACY_VFS, ...LEGACY_EXT4[profile.legacy?.era ?? '4.6'] };
}
