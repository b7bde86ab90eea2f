// The scenario → real workload mapping (`ext4-write-path workload`, server/src/workload/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ext4wp-workload-'));
let n = 0;
function workloads(scenarios, format = 'json') {
  const file = join(dir, `s${n++}.json`);
  writeFileSync(file, JSON.stringify(scenarios));
  const out = execFileSync('node', [CLI, 'workload', '--scenarios', file, '--format', format], { encoding: 'utf8' });
  return format === 'json' ? JSON.parse(out).workloads : out;
}
const one = (s) => workloads([{ id: 'x', ...s }])[0];
const phase = (w, p) => w.steps.filter((st) => st.phase === p).map((st) => st.argv.join(' '));
const L = 'WWWWUUUU____WWWW';

test('a warm aligned DIO overwrite: mkfs, layout, remount, warm-up, one pwritev2 with O_DIRECT', () => {
  const w = one({ request: { pos: 4096, len: 4096 }, inode: { blocks: L } });
  assert.deepEqual(w.unsupported, []);
  assert.deepEqual(w.steps.map((s) => s.phase), ['mkfs', 'mount', 'prepare', 'remount', 'remount', 'warm', 'before', 'before', 'write', 'after', 'cleanup']);
  assert.deepEqual(phase(w, 'mkfs'), ['mkfs.ext4 -q -F -b 4096 -E nodiscard {dev}']);
  assert.deepEqual(phase(w, 'prepare'), ["xfs_io -f -c truncate 65536 -c pwrite -q -S 0x57 -b 16384 0 16384 -c falloc -k 16384 16384 -c pwrite -q -S 0x57 -b 16384 49152 16384 -c fsync {file}"]);
  // Warm: a state-neutral rewrite of a written block outside the write's range.
  assert.deepEqual(phase(w, 'warm'), ['xfs_io -c pwrite -q -S 0x57 -b 4096 0 4096 -c fsync -c fadvise -d 0 4096 {file}']);
  assert.deepEqual(phase(w, 'write'), ['xfs_io -d -c pwrite -V 1 -O -b 4096 -S 0x61 4096 4096 {file}']);
  assert.equal(w.write.tool, 'xfs_io');
});

test('cold: no warm-up after the remount (IS_NOSEC clear)', () => {
  const w = one({ request: { pos: 4096, len: 4096 }, inode: { blocks: L, nosec: false } });
  assert.deepEqual(phase(w, 'warm'), []);
  assert.deepEqual(phase(w, 'remount'), ['umount {mnt}', 'mount -t ext4 {dev} {mnt}']);
});

test('warm-up without written blocks: falloc over unwritten, falloc + punch of a hole', () => {
  assert.deepEqual(phase(one({ request: { pos: 0, len: 4096 }, inode: { blocks: '_UU_' } }), 'warm'), ['xfs_io -c falloc -k 4096 4096 {file}']);
  assert.deepEqual(phase(one({ request: { pos: 0, len: 4096 }, inode: { blocks: '____' } }), 'warm'), ['xfs_io -c falloc -k 4096 4096 -c fpunch 4096 4096 {file}']);
  assert.match(one({ request: { pos: 0, len: 4096 }, inode: { mapping: 'indirect', blocks: '_' } }).unsupported.join(), /no state-neutral way/);
});

test('request flags: RWF_NOWAIT, RWF_DSYNC, buffered, O_APPEND', () => {
  assert.deepEqual(phase(one({ request: { nowait: true, dsync: true, pos: 512, len: 1024 } }), 'write'), ['xfs_io -d -c pwrite -V 1 -O -b 1024 -N -D -S 0x61 512 1024 {file}']);
  assert.deepEqual(phase(one({ request: { direct: false, pos: 0, len: 100 } }), 'write'), ['xfs_io -c pwrite -V 1 -O -b 100 -S 0x61 0 100 {file}']);
  const a = one({ request: { append: true, pos: 0 }, inode: { blocks: 'WW' } });
  assert.deepEqual(phase(a, 'write'), ['xfs_io -d -a -c pwrite -V 1 -O -b 4096 -S 0x61 0 4096 {file}']);
  assert.equal(a.write.pos, 8192);
  assert.equal(a.write.issuedPos, 0);
});

test('AIO uses fio libaio; at EOF it appends; past EOF elsewhere it cannot', () => {
  const w = one({ request: { aio: true, pos: 4096, len: 4096, nowait: true }, inode: { blocks: L } });
  const write = phase(w, 'write')[0];
  assert.match(write, /^fio --name=ext4wp --filename=\{file\} --rw=write --ioengine=libaio --iodepth=1 --direct=1 --bs=4096 --size=4096 /);
  assert.match(write, /--offset=4096/);
  assert.match(write, /--nowait=1/);
  assert.match(write, /--fallocate=none/);
  assert.equal(w.write.tool, 'fio');
  const eof = one({ request: { aio: true, pos: 65536, len: 4096 }, inode: { blocks: L } });
  assert.match(phase(eof, 'write')[0], /--file_append=1/);
  assert.doesNotMatch(phase(eof, 'write')[0], /--offset/);
  assert.match(one({ request: { aio: true, pos: 61440, len: 8192 }, inode: { blocks: L } }).unsupported.join(), /AIO past EOF/);
});

test('a misaligned user buffer goes through fio with iomem_align (pvsync2 when sync)', () => {
  const write = phase(one({ request: { pos: 4096, len: 4096, bufOffset: 1 } }), 'write')[0];
  assert.match(write, /--ioengine=pvsync2/);
  assert.match(write, /--iomem_align=1/);
});

test('filesystem and inode: indirect mapping, data=journal, nodelalloc, chattr +j, inline data, delalloc blocks', () => {
  const ind = one({ inode: { mapping: 'indirect', blocks: 'WWWW____' } });
  assert.deepEqual(ind.mkfsOptions.slice(-2), ['-O', '^extent,^64bit']);
  assert.deepEqual(one({ mount: { dataJournal: true } }).mountOptions, ['data=journal']);
  assert.deepEqual(one({ mount: { delalloc: false, dioreadNolock: false } }).mountOptions, ['nodelalloc', 'nodioread_nolock']);
  const j = one({ inode: { flags: ['journal_data'] } });
  assert.deepEqual(phase(j, 'prepare')[1], 'chattr +j {file}');
  const inl = one({ request: { pos: 0, len: 4096 }, inode: { blocks: '', size: 60, flags: ['inline_data'] } });
  assert.deepEqual(inl.mkfsOptions.slice(-2), ['-O', 'inline_data']);
  assert.deepEqual(phase(inl, 'prepare'), ['xfs_io -f -c pwrite -q -S 0x57 -b 60 0 60 -c fsync {file}']);
  assert.deepEqual(inl.unsupported, []);
  const d = one({ request: { pos: 36864 }, inode: { blocks: 'WWWWUUUU_DD_WWWW' } });
  assert.deepEqual(phase(d, 'dirty'), ['xfs_io -c pwrite -q -S 0x57 -b 8192 36864 8192 {file}']);
  assert.match(one({ inode: { blocks: 'WD', nosec: false } }).unsupported.join(), /cannot be cold/);
  assert.deepEqual(phase(one({ env: { cachedPages: true }, request: { pos: 4096 } }), 'cache'), ['xfs_io -c pread -q 4096 4096 {file}']);
});

test('what stock tools cannot make is reported, not guessed', () => {
  const u = (s) => one(s).unsupported.join('; ');
  assert.match(u({ inode: { flags: ['encrypt'] } }), /encrypt/);
  assert.match(u({ inode: { flags: ['verity'] } }), /verity/);
  assert.match(u({ inode: { flags: ['dax'] } }), /dax/);
  assert.match(u({ request: { atomic: true } }), /RWF_ATOMIC/);
  assert.match(u({ env: { contended: true } }), /contended/);
  assert.match(u({ env: { shortWrite: true } }), /shortWrite/);
  assert.match(u({ env: { enospc: true } }), /enospc/);
  assert.match(u({ env: { logicalBlockSize: 4096 } }), /logicalBlockSize/);
  assert.match(u({ inode: { disksize: 4096 } }), /disksize/);
});

test('the shell form is valid sh, frames scenarios with hooks and skips what it cannot make', () => {
  const sh = workloads([
    { id: 'ok', request: { pos: 4096 }, inode: { blocks: L } },
    { id: 'aio', request: { aio: true, pos: 4096 }, inode: { blocks: L } },
    { id: 'no', request: { atomic: true } },
  ], 'sh');
  assert.match(sh, /^#!\/bin\/sh/);
  assert.match(sh, /ext4wp_begin ok 1/);
  assert.match(sh, /ext4wp_step write "\$XFS_IO" -d -c 'pwrite -V 1 -O -b 4096 -S 0x61 4096 4096' "\$MNT\/ext4wp.file"/);
  assert.match(sh, /ext4wp_step write "\$FIO" --name=ext4wp --filename="\$MNT\/ext4wp.file" /);
  assert.match(sh, /ext4wp_skip no 'request.atomic: /);
  assert.equal(spawnSync('sh', ['-n'], { input: sh }).status, 0);
  // Run it with every tool replaced by a recorder: the hooks see phases and argv.
  const log = join(dir, 'run.log');
  const stub = join(dir, 'stub.sh');
  writeFileSync(stub, `#!/bin/sh\necho "$(basename "$0") $*" >> ${log}\n`, { mode: 0o755 });
  const env = { ...process.env, DEV: '/dev/null', MNT: join(dir, 'mnt') };
  for (const v of ['MKFS_EXT4', 'MOUNT', 'UMOUNT', 'XFS_IO', 'FIO', 'CHATTR', 'LSATTR', 'FILEFRAG', 'STAT']) env[v] = stub;
  const r = spawnSync('sh', ['-c', `ext4wp_step() { echo "[$1]" >> ${log}; shift; "$@"; }\n${sh}`], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(log, 'utf8');
  assert.match(lines, /\[write\]\nstub\.sh -d -c pwrite -V 1 -O -b 4096 -S 0x61 4096 4096 .*mnt\/ext4wp\.file/);
  assert.match(lines, /stub\.sh --name=ext4wp --filename=.*mnt\/ext4wp\.file --rw=write/);
  assert.match(r.stdout, /== no: skipped: request\.atomic/);
});

test('the conformance scenario set maps completely and covers the issue list', () => {
  const file = join(ROOT, 'test', 'kernel', 'scenarios.json');
  const list = JSON.parse(readFileSync(file, 'utf8'));
  const ws = JSON.parse(execFileSync('node', [CLI, 'workload', '--scenarios', file, '--format', 'json'], { encoding: 'utf8' })).workloads;
  assert.ok(ws.length >= 30, `${ws.length} scenarios`);
  for (const w of ws) assert.deepEqual(w.unsupported, [], w.id);
  const has = (pred, what) => assert.ok(list.some(pred), what);
  const r = (s) => ({ direct: true, aio: false, nowait: false, pos: 0, len: 4096, bufOffset: 0, ...s.request });
  const i = (s) => ({ mapping: 'extents', blocks: 'W'.repeat(16), nosec: true, flags: [], ...s.inode });
  const target = (s) => i(s).blocks[Math.floor(r(s).pos / 4096)] ?? 'beyond';
  has((s) => r(s).direct && !i(s).nosec, 'IS_NOSEC cold');
  has((s) => r(s).direct && i(s).nosec, 'IS_NOSEC warm');
  has((s) => r(s).nowait && r(s).direct, 'RWF_NOWAIT');
  has((s) => r(s).aio, 'libaio AIO');
  for (const t of ['W', 'U', '_']) has((s) => r(s).direct && r(s).pos % 4096 === 512 && r(s).len === 1024 && target(s) === t, `512-byte unaligned over ${t}`);
  for (const t of ['U', '_']) has((s) => r(s).direct && r(s).pos % 4096 === 0 && target(s) === t && i(s).mapping === 'extents', `aligned into ${t}`);
  const size = (s) => i(s).size ?? i(s).blocks.length * 4096;
  has((s) => r(s).direct && !r(s).aio && r(s).pos >= size(s), 'extending sync');
  has((s) => r(s).direct && r(s).aio && r(s).pos >= size(s), 'extending AIO');
  has((s) => i(s).mapping === 'indirect' && target(s) === '_', 'indirect hole');
  has((s) => i(s).mapping === 'indirect' && r(s).len > 4096 && i(s).blocks[Math.floor(r(s).pos / 4096)] === 'W' && i(s).blocks.slice(0, Math.floor((r(s).pos + r(s).len) / 4096)).includes('_'), 'indirect partly allocated');
  has((s) => s.mount?.dataJournal, 'data=journal');
  has((s) => i(s).flags.includes('inline_data'), 'inline data');
  has((s) => !r(s).direct && r(s).nowait, 'buffered RWF_NOWAIT');
  has((s) => r(s).bufOffset > 0, 'misaligned user buffer');
});
