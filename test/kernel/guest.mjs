// The real-kernel side of the conformance suite: fetch a Debian kernel image, build the
// initramfs, boot it under QEMU (TCG) with the workload script and read the results back.
// No side effects on import (node --test loads every .mjs under test/).
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');

/** Cache root shared with scripts/fetch-kernels.sh. */
export function cacheDir() {
  return process.env.EXT4WP_CACHE ?? join(process.env.HOME ?? '/tmp', '.cache', 'ext4-write-path');
}

export class HarnessError extends Error {}

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  } catch (err) {
    const why = err.code === 'ENOENT' ? `${cmd} is not installed` : `${cmd} ${args.join(' ')} failed (exit ${err.status}):\n${String(err.stderr ?? '').trim()}`;
    throw new HarnessError(why);
  }
}

/** Host tools the suite needs, and the Debian packages that provide them. */
export const HOST_TOOLS = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['busybox', 'busybox-static'],
  ['xfs_io', 'xfsprogs'],
  ['fio', 'fio'],
  ['mke2fs', 'e2fsprogs'],
  ['filefrag', 'e2fsprogs'],
  ['chattr', 'e2fsprogs'],
  ['cpio', 'cpio'],
  ['depmod', 'kmod'],
  ['modprobe', 'kmod'],
  ['xz', 'xz-utils'],
  ['tar', 'tar'],
  ['dpkg-deb', 'dpkg'],
  ['apt-get', 'apt'],
];

/** Fail loudly, naming the packages, when a host tool is missing. */
export function checkHostTools() {
  const path = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  const missing = HOST_TOOLS.filter(([t]) => !path.some((d) => existsSync(join(d, t))));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, p]) => p))];
    throw new HarnessError(`missing host tools: ${missing.map(([t]) => t).join(', ')}\n  install them with: apt-get install -y ${pkgs.join(' ')}`);
  }
}

/**
 * Kernel to boot. `spec` is `6.1`, `6.12`, a Debian package name (`linux-image-…`), a local
 * `.deb`, or `{ bzImage, modules }` (a local build: modules = directory holding
 * lib/modules/<kver>, as `make modules_install INSTALL_MOD_PATH=DIR` writes it).
 */
export function prepareKernel(spec, log = () => {}) {
  let root;
  let vmlinuz;
  let pkg;
  if (typeof spec === 'object') {
    if (!existsSync(spec.bzImage)) throw new HarnessError(`bzImage ${spec.bzImage} not found`);
    if (!existsSync(join(spec.modules, 'lib', 'modules'))) throw new HarnessError(`${spec.modules}/lib/modules not found (use make modules_install INSTALL_MOD_PATH=${spec.modules})`);
    root = spec.modules;
    vmlinuz = spec.bzImage;
    pkg = `local ${spec.bzImage}`;
  } else {
    log(`fetching kernel image ${spec}`);
    root = run('bash', [join(HERE, 'fetch-kernel-image.sh'), spec], { stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
    const boot = readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!boot) throw new HarnessError(`${root}/boot has no vmlinuz-*`);
    vmlinuz = join(root, 'boot', boot);
    pkg = root.split('/').pop();
  }
  const kvers = readdirSync(join(root, 'lib', 'modules'));
  if (kvers.length !== 1) throw new HarnessError(`${root}/lib/modules should hold exactly one kernel version, has: ${kvers.join(', ') || 'none'}`);
  const kver = kvers[0];
  if (typeof spec === 'object' && !existsSync(join(root, 'lib', 'modules', kver, 'modules.dep'))) run('depmod', ['-b', root, kver]);
  return { spec, root, kver, vmlinuz, pkg };
}

/** Build (or reuse) the initramfs for a kernel; the cache key covers the guest script and tools. */
export function buildInitramfs(kernel, log = () => {}) {
  const h = createHash('sha256');
  for (const f of ['guest/init.sh', 'build-initramfs.sh']) h.update(readFileSync(join(HERE, f)));
  h.update(kernel.root).update(kernel.kver);
  for (const t of ['/usr/sbin/xfs_io', '/usr/bin/fio', '/usr/sbin/mke2fs', '/bin/busybox']) {
    try { h.update(String(statSync(t).mtimeMs)); } catch { /* reported by the build */ }
  }
  const dir = join(cacheDir(), 'initramfs');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${kernel.kver}-${h.digest('hex').slice(0, 12)}.cpio`);
  if (!existsSync(out)) {
    log(`building initramfs for ${kernel.kver}`);
    run('bash', [join(HERE, 'build-initramfs.sh'), kernel.root, kernel.kver, out], { stdio: ['ignore', 'pipe', 'inherit'] });
  }
  return out;
}

/** A newc cpio archive (gzip) of `files` ({ path: content }), for the per-run job script. */
export function cpioGz(files) {
  const parts = [];
  let ino = 1;
  const hex = (n) => n.toString(16).padStart(8, '0');
  const pad4 = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (name, mode, data) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const header = `070701${[ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0].map(hex).join('')}`;
    parts.push(Buffer.from(header), nameBuf, pad4(110 + nameBuf.length), data, pad4(data.length));
  };
  const dirs = new Set();
  for (const p of Object.keys(files)) {
    const segs = p.split('/');
    for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) entry(d, 0o040755, Buffer.alloc(0));
  for (const [p, content] of Object.entries(files)) entry(p, 0o100755, Buffer.from(content));
  entry('TRAILER!!!', 0, Buffer.alloc(0));
  return gzipSync(Buffer.concat(parts));
}

function sparseFile(path, bytes) {
  rmSync(path, { force: true });
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

/**
 * Boot `kernel` with `initramfs` + the job script under QEMU (TCG), wait for it to power
 * off, and unpack the results disk into `workDir/results`. Kills QEMU's process group on
 * timeout (overall, or no progress line for `stallMs`). Returns { resultsDir, console, seconds }.
 */
export async function runGuest({ kernel, initramfs, jobs, workDir, timeoutMs = 20 * 60_000, stallMs = 180_000, log = () => {}, smp = 2, memory = '1G', writeDelayMs = 30 }) {
  mkdirSync(workDir, { recursive: true });
  const initrd = join(workDir, 'initrd.gz');
  writeFileSync(initrd, Buffer.concat([readFileSync(initramfs), cpioGz({ 'ext4wp/jobs.sh': jobs, 'ext4wp/config': `DEV=/dev/vda\nRESULTS=/dev/vdb\nWRITE_DELAY_MS=${Math.max(0, Math.floor(writeDelayMs))}\n` })]));
  const disk = join(workDir, 'scratch.img');
  const outImg = join(workDir, 'results.img');
  sparseFile(disk, 64 << 20);
  sparseFile(outImg, 64 << 20);
  const consolePath = join(workDir, 'console.log');
  const consoleOut = createWriteStream(consolePath);
  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-m', memory, '-smp', String(smp),
    '-nodefaults', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', kernel.vmlinuz, '-initrd', initrd,
    '-append', 'console=ttyS0 quiet panic=-1 oops=panic',
    '-drive', `file=${disk},format=raw,if=virtio,cache=unsafe`,
    '-drive', `file=${outImg},format=raw,if=virtio,cache=none`,
  ];
  const started = Date.now();
  log(`booting ${kernel.kver} (QEMU TCG, ${smp} vCPUs)`);
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let lastProgress = Date.now();
  let tail = [];
  let fatal;
  let killedFor;
  let partial = '';
  const onData = (buf) => {
    consoleOut.write(buf);
    const lines = (partial + buf.toString()).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail = tail.slice(-40);
      const m = /EXT4WP: (?:\[[\d.]+\] )?(.*)/.exec(line);
      if (m) {
        lastProgress = Date.now();
        if (m[1].startsWith('FATAL')) fatal = m[1];
        if (/^(scenario|boot|tracing|done|step failed)/.test(m[1])) log(`  guest: ${m[1]}`);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const killGroup = (why) => {
    killedFor = why;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  const exit = new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new HarnessError(`cannot start qemu-system-x86_64: ${err.message}`)));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const timer = setInterval(() => {
    if (Date.now() - started > timeoutMs) killGroup(`overall timeout of ${Math.round(timeoutMs / 1000)} s`);
    else if (Date.now() - lastProgress > stallMs) killGroup(`no progress for ${Math.round(stallMs / 1000)} s`);
  }, 1000);
  const cleanup = () => killGroup('harness interrupted');
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  let status;
  try {
    status = await exit;
  } finally {
    clearInterval(timer);
    process.removeListener('SIGINT', cleanup);
    process.removeListener('SIGTERM', cleanup);
    await new Promise((r) => consoleOut.end(r));
  }
  const seconds = (Date.now() - started) / 1000;
  const context = `\n--- last console lines (${consolePath}) ---\n${tail.join('\n')}`;
  if (killedFor) throw new HarnessError(`QEMU killed: ${killedFor}${context}`);
  if (status.code !== 0) throw new HarnessError(`QEMU exited with status ${status.code ?? status.signal}${context}`);
  const resultsDir = join(workDir, 'results');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir);
  try {
    execFileSync('tar', ['-xf', outImg, '-C', resultsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new HarnessError(`the guest wrote no readable results (${String(err.stderr ?? err.message).trim()})${context}`);
  }
  if (fatal || existsSync(join(resultsDir, 'FATAL'))) throw new HarnessError(`guest failed: ${fatal ?? readFileSync(join(resultsDir, 'FATAL'), 'utf8')}${context}`);
  if (!existsSync(join(resultsDir, 'END'))) throw new HarnessError(`guest results are incomplete (no END marker)${context}`);
  return { resultsDir, console: consolePath, seconds };
}

/** Read the per-scenario result folders the guest wrote. */
export function readResults(resultsDir) {
  const read = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);
  const scenarios = new Map();
  for (const d of readdirSync(resultsDir)) {
    if (!/^s\d+$/.test(d)) continue;
    const dir = join(resultsDir, d);
    const id = read(join(dir, 'id'))?.trim();
    if (!id) continue;
    scenarios.set(id, {
      index: Number(d.slice(1)),
      dir,
      trace: read(join(dir, 'trace')) ?? '',
      before: read(join(dir, 'before')) ?? '',
      after: read(join(dir, 'after')) ?? '',
      steps: read(join(dir, 'steps')) ?? '',
      failed: read(join(dir, 'failed')),
      writeCmd: read(join(dir, 'write.cmd'))?.trim(),
      writeOut: read(join(dir, 'write.out')) ?? '',
      writeRc: read(join(dir, 'write.rc'))?.trim(),
      done: existsSync(join(dir, 'done')),
    });
  }
  const kallsyms = (read(join(resultsDir, 'kallsyms')) ?? '').split('\n').flatMap((l) => {
    const m = /^([0-9a-f]+) \w (\S+)/.exec(l);
    return m ? [[BigInt(`0x${m[1]}`), m[2]]] : [];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    uname: read(join(resultsDir, 'uname'))?.trim(),
    device: read(join(resultsDir, 'device'))?.trim(),
    probeErrors: read(join(resultsDir, 'probe-errors')) ?? '',
    insmod: read(join(resultsDir, 'insmod.log')) ?? '',
    skipped: read(join(resultsDir, 'skipped')) ?? '',
    kallsyms,
    scenarios,
  };
}
