import type { Interpreter } from '../interp/interpreter';
import { int, T, toBigInt, Value } from '../interp/values';
import { bioSize, completeBios, isZeroBio, sub } from './block';
import { getBlocksFlagNames, mapFlagNames } from './ext4';
import type { World } from './world';

/**
 * Probes on the interpreted fs/iomap C, as the conformance harness puts kprobes on the real
 * kernel (test/kernel/observe.mjs): they record what happened — the DIO's start, each
 * mapping iomap_dio_iter() is given, sub-block zeroing, the user data put into bios,
 * ->end_io with its flags, the submission's end — as World events the outcome is derived
 * from. They decide nothing: every branch is the tree's C. Function names are the kernel's
 * (fs/iomap/direct-io.c, 6.1–7.2); a tree that renames one simply records less, and the
 * outcome then lacks that event (the review shows the change).
 */
export interface Probes {
  enter(name: string, args: readonly Value[], it: Interpreter): void;
  exit(name: string, ret: Value, it: Interpreter): void;
}

function iomapTypeName(w: World, t: bigint): string {
  for (const n of ['HOLE', 'DELALLOC', 'MAPPED', 'UNWRITTEN', 'INLINE']) if (w.c(`IOMAP_${n}`) === t) return `IOMAP_${n}`;
  return `type ${t}`;
}

/** The probes for one scenario's world. */
export function probesFor(w: World): Probes {
  const c = w.c;
  // ext4_map_blocks(handle, inode, map, flags) calls in progress: what they were asked.
  const maps: Array<{ map: Value | undefined; flags: bigint; lblk: number; len: number }> = [];
  return {
    enter(name, args, it) {
      switch (name) {
        case 'ext4_map_blocks': {
          const map = args[2];
          const get = (f: string) => (map?.k === 'obj' ? Number(BigInt.asUintN(32, toBigInt(map.obj.get(f)))) : 0);
          maps.push({ map, flags: toBigInt(args[3] ?? int(0)), lblk: get('m_lblk'), len: get('m_len') });
          return;
        }
        case '__iomap_dio_rw': {
          // __iomap_dio_rw(iocb, iter, ops, dops, dio_flags, private, done_before)
          const ops = args[2];
          const dioFlags = toBigInt(args[4] ?? int(0));
          const forceWait = (dioFlags & c('IOMAP_DIO_FORCE_WAIT')) !== 0n;
          w.emit({ e: 'dio-start', lock: w.lock, ops: ops?.k === 'obj' ? ops.obj.ctype : '?', dioFlags: forceWait ? ['IOMAP_DIO_FORCE_WAIT'] : [] });
          if (forceWait) w.emit({ e: 'wait', what: 'IOMAP_DIO_FORCE_WAIT' });
          return;
        }
        case 'iomap_dio_iter': {
          const iomap = sub(args[0], 'iomap');
          if (!iomap) return;
          w.emit({ e: 'iomap', type: iomapTypeName(w, toBigInt(iomap.get('type'))), offset: Number(toBigInt(iomap.get('offset'))), length: Number(toBigInt(iomap.get('length'))), zeroPartial: false });
          return;
        }
        case 'iomap_dio_zero': {
          // iomap_dio_zero(iter, dio, pos, len): a zeroing bio for part of an fs block.
          if (toBigInt(args[3] ?? int(0)) <= 0n) return;
          for (let i = w.events.length - 1; i >= 0; i--) {
            const e = w.events[i];
            if (e.e === 'iomap') {
              e.zeroPartial = true;
              break;
            }
          }
          return;
        }
        case 'iomap_dio_submit_bio': {
          // iomap_dio_submit_bio(iter, dio, bio, pos): user data [pos, pos + size) goes to disk.
          const bio = args[2];
          if (isZeroBio(bio)) return;
          const size = bioSize(bio);
          const pos = toBigInt(args[3] ?? int(0));
          w.dioBytes += size;
          const bits = BigInt(w.blkbits);
          if (size > 0n) for (let b = pos >> bits; b <= (pos + size - 1n) >> bits; b++) {
            w.charge(1, 'iomap_dio_submit_bio');
            w.dioWritten.add(Number(b));
          }
          return;
        }
        case 'iomap_dio_complete': {
          const dio = args[0];
          if (dio?.k !== 'obj') return;
          const dops = dio.obj.get('dops');
          const endIo = dops.k === 'obj' ? dops.obj.get('end_io') : undefined;
          if (endIo?.k !== 'fn') return;
          const unwritten = (toBigInt(dio.obj.get('flags')) & c('IOMAP_DIO_UNWRITTEN')) !== 0n;
          w.emit({ e: 'end_io', flags: unwritten ? ['IOMAP_DIO_UNWRITTEN'] : [], size: Number(toBigInt(dio.obj.get('size'))), context: w.context, lock: w.lock });
          return;
        }
        default:
          void it;
      }
    },
    exit(name, ret, it) {
      switch (name) {
        case 'ext4_map_blocks': {
          const m = maps.pop();
          if (!m) return;
          const mflags = m.map?.k === 'obj' ? toBigInt(m.map.obj.get('m_flags')) : 0n;
          const ctx = { w, it };
          w.emit({ e: 'map', flags: getBlocksFlagNames(ctx, m.flags), lblk: m.lblk, len: m.len, ret: Number(toBigInt(ret)), mflags: mapFlagNames(ctx, mflags) });
          return;
        }
        case '__iomap_dio_rw': {
          w.emit({ e: 'may-sleep', what: 'DIO submission', context: w.context });
          if (ret.k === 'errptr' && ret.err === -c('EIOCBQUEUED')) {
            w.dioQueued = true;
            w.emit({ e: 'dio-done', bytes: Number(w.dioBytes), queued: true, ret: '-EIOCBQUEUED' });
            it.assume('AIO: bios are still in flight when submission ends, so they complete after it returns (the kernel completes inline only if every bio finished first)');
            w.pending.push(() => completeBios({ w, it }));
          }
          return;
        }
        case 'iomap_dio_complete':
          if (!w.dioQueued) w.emit({ e: 'dio-done', bytes: Number(w.dioBytes), queued: false, ret: it.showValue(ret.k === 'int' ? ret : int(toBigInt(ret), T.long)) });
          return;
        default:
          return;
      }
    },
  };
}
