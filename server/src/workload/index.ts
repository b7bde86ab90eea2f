/**
 * Scenario → real workload: how to make a scenario happen on a real ext4 filesystem with
 * stock tools (mkfs.ext4, mount, xfs_io, fio, chattr, filefrag), so that a real kernel can
 * be observed doing the write the model simulates.
 *
 * Pure: no I/O. `workloadFor()` maps one normalised Scenario to a `Workload` (a list of
 * steps, each a phase and an argv); `formatShell()` renders workloads as a POSIX shell
 * script and `formatJson()` as JSON (`ext4-write-path workload`). Argument vectors use the
 * placeholders `{dev}` (the scratch block device, reformatted), `{mnt}` (its mount point)
 * and `{file}` (the file under test, `{mnt}/ext4wp.file`).
 *
 * How the state is made:
 * * filesystem: `mkfs.ext4 -b <blockSize>`; an indirect-mapped inode needs a filesystem
 *   without extents (`-O ^extent,^64bit`); `inline_data` needs `-O inline_data`.
 * * mount: `data=journal`, `nodelalloc`, `nodioread_nolock` from the mount spec.
 * * blocks: `truncate` to `size`; `W` runs are written (buffered) and fsynced; `U` runs are
 *   `falloc -k` (unwritten extents, size kept); `_` stays a hole; `D` runs are written
 *   buffered after the remount and not synced (dirty delalloc pages).
 * * `IS_NOSEC`: the filesystem is always remounted after preparation, so the inode is
 *   loaded afresh (cold: `IS_NOSEC` false). Warm = one state-neutral modification first,
 *   which runs `file_remove_privs()` and sets `S_NOSEC`: a buffered rewrite of a written
 *   block with the bytes it holds (then fsync and drop that page), or `falloc -k` over an
 *   already allocated (unwritten) block, or `falloc -k` + `fpunch` of a hole.
 * * `cachedPages`: a buffered read of the target range after the remount.
 * * the write: xfs_io `pwrite -V 1 -O` (one `pwritev2()`, `-N` = `RWF_NOWAIT`, `-D` =
 *   `RWF_DSYNC`), opened with `-d` (O_DIRECT) and `-a` (O_APPEND); fio for AIO (`libaio`,
 *   `iodepth=1`) and for a misaligned user buffer (`iomem_align`, `pvsync2` when sync).
 *
 * What stock tools cannot make is reported in `unsupported` (the scenario is skipped):
 * encrypted/verity/DAX inodes, RWF_ATOMIC (no tool in Debian 12 issues it), lock
 * contention, short writes, invalidation failures, -ENOSPC, `i_disksize` ≠ `i_size`,
 * another logical block size than 512, AIO past EOF other than appending at EOF (fio lays
 * the file out otherwise).
 */
import type { Scenario } from '../scenario/types';

export type Phase = 'mkfs' | 'mount' | 'prepare' | 'remount' | 'warm' | 'dirty' | 'cache' | 'before' | 'write' | 'after' | 'cleanup';

/** The tools a workload runs; the shell form maps each to an overridable variable. */
export const TOOLS = {
  'mkfs.ext4': 'MKFS_EXT4',
  mount: 'MOUNT',
  umount: 'UMOUNT',
  xfs_io: 'XFS_IO',
  fio: 'FIO',
  chattr: 'CHATTR',
  lsattr: 'LSATTR',
  filefrag: 'FILEFRAG',
  stat: 'STAT',
} as const;
export type Tool = keyof typeof TOOLS;

export interface WorkloadStep {
  phase: Phase;
  /** argv[0] is a Tool; `{dev}`, `{mnt}`, `{file}` are placeholders. */
  argv: [Tool, ...string[]];
  /** Why this step (shown as a comment in the shell form). */
  why?: string;
}

/** How the write itself is issued (what an observer compares with). */
export interface WriteSpec {
  tool: 'xfs_io' | 'fio';
  direct: boolean;
  aio: boolean;
  nowait: boolean;
  dsync: boolean;
  append: boolean;
  /** Offset the write really goes to (for O_APPEND / fio file_append: i_size). */
  pos: number;
  /** Offset passed to the system call (`ki_pos` before generic_write_checks()). */
  issuedPos: number;
  len: number;
  bufOffset: number;
}

export interface Workload {
  id: string;
  description?: string;
  /** Empty when the scenario can be made with stock tools. */
  unsupported: string[];
  /** Things worth knowing about how the state was made. */
  notes: string[];
  mkfsOptions: string[];
  mountOptions: string[];
  steps: WorkloadStep[];
  write: WriteSpec;
  /** The state the scenario asks for, for checking the prepared file. */
  expect: { size: number; blocks: string; blockSize: number; mapping: 'extents' | 'indirect'; nosec: boolean; inline: boolean };
}

/** Byte pattern of prepared (written) data, and of the write under test. */
export const PREP_PATTERN = '0x57';
export const WRITE_PATTERN = '0x61';
/** Largest file an inline-data inode can hold in i_block alone. */
const INLINE_MAX = 60;

/** Runs of equal characters in `blocks`: [char, first block, block count]. */
export function runs(blocks: string): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (let i = 0; i < blocks.length; ) {
    let j = i;
    while (j < blocks.length && blocks[j] === blocks[i]) j++;
    out.push([blocks[i], i, j - i]);
    i = j;
  }
  return out;
}

/** Map one scenario to the commands that make it happen on a real ext4. */
export function workloadFor(s: Scenario): Workload {
  const { request: r, inode, mount: m, env } = s;
  const bs = m.blockSize;
  const unsupported: string[] = [];
  const notes: string[] = [];
  const steps: WorkloadStep[] = [];
  const step = (phase: Phase, argv: WorkloadStep['argv'], why?: string) => steps.push(why ? { phase, argv, why } : { phase, argv });
  const inline = inode.flags.includes('inline_data');

  // Things stock tools cannot make.
  for (const f of ['encrypt', 'verity', 'dax'] as const) {
    if (inode.flags.includes(f)) unsupported.push(`inode flag ${f}: needs ${f === 'dax' ? 'a DAX-capable (pmem) device' : f === 'encrypt' ? 'fscrypt keys and tooling' : 'fsverity tooling'}, not part of this workload`);
  }
  if (r.atomic) unsupported.push('request.atomic: no tool in Debian 12 (xfs_io 6.1, fio 3.33) issues RWF_ATOMIC');
  if (env.contended) unsupported.push('env.contended: holding i_rwsem from another task is not reproducible with stock tools');
  if (env.shortWrite) unsupported.push('env.shortWrite: a short DIO needs fault injection');
  if (env.invalidateFails) unsupported.push('env.invalidateFails: a page-cache invalidation failure needs fault injection');
  if (env.enospc) unsupported.push('env.enospc: -ENOSPC at allocation needs a full filesystem tuned to the write');
  if (env.logicalBlockSize !== 512) unsupported.push(`env.logicalBlockSize ${env.logicalBlockSize}: the disk has 512-byte logical blocks`);
  if (inode.disksize !== inode.size) unsupported.push('inode.disksize ≠ inode.size: an in-flight extension cannot be prepared');
  if (inline && (inode.size > INLINE_MAX || /[WUD]/.test(inode.blocks))) unsupported.push(`inline_data: only files of at most ${INLINE_MAX} bytes without blocks are prepared`);
  if (r.len === 0) unsupported.push('request.len 0: nothing is written');
  if (inode.mapping === 'indirect' && bs > 4096) unsupported.push('indirect mapping with blocks larger than 4 KiB');
  const lastW = inode.blocks.lastIndexOf('W');
  if (lastW >= 0 && lastW * bs >= inode.size) unsupported.push('a written block wholly beyond i_size cannot be prepared (truncate frees it)');
  if (inode.blocks.includes('D') && !inode.nosec) unsupported.push('delalloc (D) blocks are made by a buffered write, which sets S_NOSEC: cannot be cold');

  // The write itself.
  const size = inode.size;
  const pos = r.append ? size : r.pos;
  const useFio = r.aio || r.bufOffset > 0;
  if (r.aio && pos + r.len > size && pos !== size) unsupported.push('AIO past EOF: fio lays the file out unless it appends exactly at EOF');
  if (r.aio && pos === size && !r.append) notes.push('AIO at EOF: fio file_append (writes at i_size)');
  const write: WriteSpec = { tool: useFio ? 'fio' : 'xfs_io', direct: r.direct, aio: r.aio, nowait: r.nowait, dsync: r.dsync, append: r.append, pos, issuedPos: useFio && pos >= size ? size : r.pos, len: r.len, bufOffset: r.bufOffset };
  if (r.append && !r.aio) notes.push('O_APPEND: the offset is passed as request.pos; generic_write_checks() moves it to i_size');

  // Filesystem and mount.
  const mkfsOptions = ['-q', '-F', '-b', String(bs), '-E', 'nodiscard'];
  const features: string[] = [];
  if (inode.mapping === 'indirect') features.push('^extent', '^64bit');
  if (inline) features.push('inline_data');
  if (features.length) mkfsOptions.push('-O', features.join(','));
  const mountOptions: string[] = [];
  if (m.dataJournal) mountOptions.push('data=journal');
  else {
    if (!m.delalloc) mountOptions.push('nodelalloc');
    if (!m.dioreadNolock) mountOptions.push('nodioread_nolock');
    else if (bs !== 4096) mountOptions.push('dioread_nolock');
  }
  const mountArgv = (): WorkloadStep['argv'] => ['mount', '-t', 'ext4', ...(mountOptions.length ? ['-o', mountOptions.join(',')] : []), '{dev}', '{mnt}'];
  step('mkfs', ['mkfs.ext4', ...mkfsOptions, '{dev}']);
  step('mount', mountArgv());

  // The file's blocks.
  const io: string[] = ['-f'];
  if (inline) {
    io.push('-c', `pwrite -q -S ${PREP_PATTERN} -b ${Math.max(size, 1)} 0 ${size}`);
  } else {
    io.push('-c', `truncate ${size}`);
    for (const [c, first, n] of runs(inode.blocks)) {
      const start = first * bs;
      if (c === 'W') {
        const end = Math.min((first + n) * bs, size);
        if (end > start) io.push('-c', `pwrite -q -S ${PREP_PATTERN} -b ${end - start} ${start} ${end - start}`);
      } else if (c === 'U') {
        io.push('-c', `falloc -k ${start} ${n * bs}`);
      }
    }
  }
  io.push('-c', 'fsync');
  step('prepare', ['xfs_io', ...io, '{file}'], inline ? 'an inline-data file' : `blocks ${inode.blocks || '(none)'}, i_size ${size}`);
  if (inode.flags.includes('journal_data')) step('prepare', ['chattr', '+j', '{file}'], 'per-inode data journaling (EXT4_INODE_JOURNAL_DATA)');
  if (inode.mapping === 'indirect' && inode.blocks.includes('U')) notes.push('indirect-mapped: U read as a hole');

  // Fresh inode: IS_NOSEC is false after the remount.
  step('remount', ['umount', '{mnt}'], 'evict the inode and the page cache');
  step('remount', mountArgv());
  if (inode.nosec) {
    const warm = warmUp(s, pos);
    if (warm) step('warm', ['xfs_io', ...warm.args, '{file}'], `IS_NOSEC: ${warm.why}`);
    else if (!inode.blocks.includes('D')) unsupported.push('inode.nosec: no state-neutral way to run file_remove_privs() before the write on this layout');
  }
  const dirty = runs(inode.blocks).filter(([c]) => c === 'D');
  if (dirty.length) {
    const args: string[] = [];
    for (const [, first, n] of dirty) args.push('-c', `pwrite -q -S ${PREP_PATTERN} -b ${n * bs} ${first * bs} ${n * bs}`);
    step('dirty', ['xfs_io', ...args, '{file}'], 'delalloc blocks: buffered, not synced');
  }
  if (env.cachedPages) step('cache', ['xfs_io', '-c', `pread -q ${pos} ${r.len}`, '{file}'], 'the target range in the page cache');
  step('before', ['filefrag', '-v', '{file}']);
  step('before', ['stat', '-c', 'size=%s ino=%i', '{file}']);
  if (inline || inode.flags.includes('journal_data')) step('before', ['lsattr', '{file}']);
  step('write', useFio ? fioArgv(write, size) : xfsIoArgv(write));
  step('after', ['filefrag', '-v', '{file}']);
  step('cleanup', ['umount', '{mnt}']);
  return {
    id: s.id,
    ...(s.description ? { description: s.description } : {}),
    unsupported,
    notes,
    mkfsOptions,
    mountOptions,
    steps,
    write,
    expect: { size, blocks: inode.blocks, blockSize: bs, mapping: inode.mapping, nosec: inode.nosec, inline },
  };
}

/** A state-neutral modification that runs file_remove_privs(), or undefined. */
function warmUp(s: Scenario, pos: number): { args: string[]; why: string } | undefined {
  const { inode, mount: m, request: r } = s;
  const bs = m.blockSize;
  const inline = inode.flags.includes('inline_data');
  if (inline) {
    if (inode.size === 0) return undefined;
    return { args: ['-c', `pwrite -q -S ${PREP_PATTERN} -b ${inode.size} 0 ${inode.size}`, '-c', 'fsync'], why: 'rewrite the inline bytes with what they hold' };
  }
  const first = pos >> Math.log2(bs);
  const last = (pos + r.len - 1) >> Math.log2(bs);
  const inRange = (b: number) => b >= first && b <= last;
  // Blocks in order of preference: outside the write's range first.
  const candidates = (c: string) => {
    const all = [...inode.blocks].flatMap((x, i) => (x === c && i * bs < inode.size ? [i] : []));
    return [...all.filter((b) => !inRange(b)), ...all.filter(inRange)];
  };
  const w = candidates('W')[0];
  if (w !== undefined) {
    const len = Math.min(bs, inode.size - w * bs);
    return {
      args: ['-c', `pwrite -q -S ${PREP_PATTERN} -b ${len} ${w * bs} ${len}`, '-c', 'fsync', '-c', `fadvise -d ${w * bs} ${len}`],
      why: `rewrite written block ${w} with the bytes it holds, fsync, drop the page`,
    };
  }
  if (inode.mapping !== 'extents') return undefined;
  const u = candidates('U')[0];
  if (u !== undefined) return { args: ['-c', `falloc -k ${u * bs} ${bs}`], why: `falloc over unwritten block ${u} (allocates nothing)` };
  const h = [...inode.blocks].map((x, i) => [x, i] as const).filter(([x, i]) => x === '_' && i * bs < inode.size && !inRange(i)).map(([, i]) => i)[0];
  if (h !== undefined) return { args: ['-c', `falloc -k ${h * bs} ${bs}`, '-c', `fpunch ${h * bs} ${bs}`], why: `falloc + punch of hole block ${h} (a hole again)` };
  return undefined;
}

function xfsIoArgv(w: WriteSpec): WorkloadStep['argv'] {
  const open: string[] = [];
  if (w.direct) open.push('-d');
  if (w.append) open.push('-a');
  const flags = ['-V', '1', '-O', '-b', String(w.len)];
  if (w.nowait) flags.push('-N');
  if (w.dsync) flags.push('-D');
  return ['xfs_io', ...open, '-c', `pwrite ${flags.join(' ')} -S ${WRITE_PATTERN} ${w.issuedPos} ${w.len}`, '{file}'];
}

function fioArgv(w: WriteSpec, size: number): WorkloadStep['argv'] {
  const engine = w.aio ? 'libaio' : 'pvsync2';
  const argv: WorkloadStep['argv'] = [
    'fio', '--name=ext4wp', '--filename={file}', '--rw=write', `--ioengine=${engine}`, '--iodepth=1',
    `--direct=${w.direct ? 1 : 0}`, `--bs=${w.len}`, `--size=${w.len}`,
    '--fallocate=none', '--allow_file_create=0', '--invalidate=0', '--overwrite=0',
    '--thread', '--disk_util=0', '--eta=never', '--output-format=json',
  ];
  if (w.pos >= size && w.pos + w.len > size) argv.push('--file_append=1');
  else argv.push(`--offset=${w.pos}`);
  if (w.nowait) argv.push('--nowait=1');
  if (w.dsync) argv.push('--sync=dsync');
  if (w.bufOffset) argv.push(`--iomem_align=${w.bufOffset}`);
  if (w.append) argv.push('--file_append=1');
  return [...new Set(argv)] as WorkloadStep['argv'];
}

/**
 * Text from input (a scenario's id or description, a file name) made safe for one `# …`
 * shell comment: a comment ends at the first newline, so a line break in a scenario file
 * would start a command in the printed script. Every control character (and U+2028/9,
 * which some tools treat as line ends) is written as a visible escape instead.
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const shq = (a: string): string => (/^[\w@%+=:,./^-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

function shellArg(a: string): string {
  if (a === '{dev}') return '"$DEV"';
  if (a === '{mnt}') return '"$MNT"';
  if (a === '{file}') return '"$MNT/ext4wp.file"';
  if (a.includes('{file}')) return a.split('{file}').map((p) => (p ? shq(p) : '')).join('"$MNT/ext4wp.file"');
  return shq(a);
}

/**
 * The workloads as one POSIX shell script. Every command goes through the hook
 * `ext4wp_step PHASE CMD...` and every scenario is framed by `ext4wp_begin ID N` /
 * `ext4wp_end ID`; unsupported scenarios call `ext4wp_skip ID REASON`. The defaults run
 * the commands and stop at the first failure; a harness defines its own hooks first (the
 * conformance suite traces the `write` phase).
 */
export function formatShell(workloads: Workload[], source = 'scenarios'): string {
  const out: string[] = [
    '#!/bin/sh',
    `# ext4-write-path workload: ${workloads.length} scenario(s) from ${commentText(source)}.`,
    '# DEV is reformatted for every scenario. Tools can be overridden by the variables below.',
    ': "${DEV:?set DEV to a scratch block device: it is reformatted}"',
    ': "${MNT:=/mnt/ext4wp}"',
  ];
  for (const [tool, v] of Object.entries(TOOLS)) out.push(`: "\${${v}:=${tool}}"`);
  out.push(
    'command -v ext4wp_step >/dev/null 2>&1 || ext4wp_step() { shift; "$@" || { echo "ext4wp: failed: $*" >&2; exit 1; }; }',
    'command -v ext4wp_begin >/dev/null 2>&1 || ext4wp_begin() { echo "== $1"; }',
    'command -v ext4wp_end >/dev/null 2>&1 || ext4wp_end() { :; }',
    'command -v ext4wp_skip >/dev/null 2>&1 || ext4wp_skip() { echo "== $1: skipped: $2"; }',
    'mkdir -p "$MNT"',
  );
  workloads.forEach((w, i) => {
    out.push('', `# --- ${i + 1}: ${commentText(w.id)}${w.description ? ` — ${commentText(w.description)}` : ''}`);
    for (const n of w.notes) out.push(`# note: ${commentText(n)}`);
    if (w.unsupported.length) {
      out.push(`ext4wp_skip ${shq(w.id)} ${shq(w.unsupported.join('; '))}`);
      return;
    }
    out.push(`ext4wp_begin ${shq(w.id)} ${i + 1}`);
    for (const st of w.steps) {
      if (st.why) out.push(`# ${commentText(st.why)}`);
      const [tool, ...args] = st.argv;
      out.push(`ext4wp_step ${st.phase} "$${TOOLS[tool]}" ${args.map(shellArg).join(' ')}`);
    }
    out.push(`ext4wp_end ${shq(w.id)}`);
  });
  return `${out.join('\n')}\n`;
}

/** The workloads as JSON (`workload --format json`). */
export function formatJson(workloads: Workload[]): string {
  return `${JSON.stringify({ tools: TOOLS, placeholders: { dev: 'scratch block device (reformatted)', mnt: 'its mount point', file: '{mnt}/ext4wp.file' }, workloads }, null, 1)}\n`;
}
