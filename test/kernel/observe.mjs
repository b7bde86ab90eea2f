// Turn what the guest recorded for one write (tracefs event log, filefrag before/after,
// the tool's output) into the outcome fields the model reports. Pure functions; no side
// effects on import.
//
// Events (see guest/init.sh): wi / wi_ret = ext4_file_write_iter entry / return; bwi =
// ext4_buffered_write_iter; gpw_ret = generic_perform_write's return when called from ext4;
// dio / dio_ret = iomap_dio_rw (dio_flags bit 0 = IOMAP_DIO_FORCE_WAIT); diowait =
// inode_dio_wait; endio = ext4_dio_write_end_io (flags bit 0 = IOMAP_DIO_UNWRITTEN);
// conv = ext4_convert_unwritten_extents; oadd / odel = ext4_orphan_add / _del; rwsem ops
// with the semaphore and the caller; trylock returns with their return site; ext4
// map_blocks tracepoints.

const ERRNO = new Map(Object.entries({
  1: 'EPERM', 4: 'EINTR', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 15: 'ENOTBLK',
  16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 27: 'EFBIG', 28: 'ENOSPC', 30: 'EROFS', 95: 'EOPNOTSUPP', 117: 'EUCLEAN',
  512: 'ERESTARTSYS', 524: 'ENOTSUPP', 529: 'EIOCBQUEUED',
}).map(([k, v]) => [Number(k), v]));
const ERRNO_BY_NAME = new Map([...ERRNO].map(([k, v]) => [v, k]));

/** A return value as the model prints it: bytes, or `-EAGAIN`-style. */
export function showRet(n) {
  if (n === undefined || n === null) return 'none';
  if (n >= 0) return n;
  return ERRNO.has(-n) ? `-${ERRNO.get(-n)}` : String(n);
}

const IOCB_DIRECT = 1 << 17;
const LINE = /^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?([\d.]+):\s+([\w]+):\s+(.*)$/;

/** Parse a tracefs `trace` file into events: { comm, pid, ts, name, site, fields, text }. */
export function parseTrace(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, comm, pid, , ts, name, rest] = m;
    let site;
    let body = rest;
    const p = /^\(([^)]*)\)\s*/.exec(rest);
    if (p) {
      site = p[1];
      body = rest.slice(p[0].length);
    }
    const fields = {};
    for (const f of body.matchAll(/(\w+)=(\S+)/g)) fields[f[1]] = f[2];
    // Tracepoints: "dev 254,0 ino 12 lblk 16 len 1 flags CREATE|UNWRIT".
    const ino = /\bino (\d+)/.exec(body);
    if (ino) fields.ino = ino[1];
    const flags = /\bflags ([A-Z_|]+|0x[0-9a-f]+)/.exec(body);
    if (flags) fields.flagsText = flags[1];
    out.push({ comm, pid: Number(pid), ts: Number(ts), name, site, fields, text: rest });
  }
  return out;
}

/** Symbolise an address with sorted [[addr, name]] kallsyms: `name+0xoff`. */
export function symbolize(kallsyms, addr) {
  if (addr === undefined) return undefined;
  const a = BigInt(addr);
  let lo = 0;
  let hi = kallsyms.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (kallsyms[mid][0] <= a) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return addr;
  return `${kallsyms[best][1]}+0x${(a - kallsyms[best][0]).toString(16)}`;
}

const fnOf = (sym) => (sym ? sym.replace(/\+0x[0-9a-f]+(\/0x[0-9a-f]+)?( \[\w+\])?$/, '') : undefined);
/** The return site of a kretprobe event: "(ext4_file_write_iter+0x678/0x890 [ext4] <- iomap_dio_rw)". */
const retSite = (ev) => (ev.site && ev.site.includes(' <- ') ? fnOf(ev.site.split(' <- ')[0].trim()) : undefined);
const num = (v) => (v === undefined ? undefined : Number(v));

/** filefrag -v extents: [{ first, last, flags }] in fs blocks, and the block size. */
export function parseFilefrag(text) {
  const extents = [];
  let blockSize;
  const bs = /\((\d+) blocks of (\d+) bytes\)/.exec(text);
  if (bs) blockSize = Number(bs[2]);
  for (const m of text.matchAll(/^[ \t]*\d+:[ \t]+(\d+)\.\.[ \t]*(\d+):[ \t]+(\d+)\.\.[ \t]*(\d+):[ \t]+(\d+):[ \t]*(?:\d+:)?[ \t]*(.*)$/gm)) {
    extents.push({ first: Number(m[1]), last: Number(m[2]), physical: Number(m[3]), flags: m[6].trim() });
  }
  const stat = /size=(\d+) ino=(\d+)/.exec(text);
  const ff = /File size of .* is (\d+)/.exec(text);
  return { extents, blockSize, size: stat ? Number(stat[1]) : ff ? Number(ff[1]) : undefined, ino: stat ? Number(stat[2]) : undefined };
}

/**
 * The block layout filefrag shows, in the scenario's alphabet: W written, U unwritten,
 * D delalloc, _ hole; `inline` when the data is inline.
 */
export function layoutOf(ff, nBlocks) {
  const out = Array.from({ length: nBlocks }, () => '_');
  let inline = false;
  for (const x of ff.extents) {
    if (/inline/.test(x.flags)) { inline = true; continue; }
    const c = /unwritten/.test(x.flags) ? 'U' : /delalloc/.test(x.flags) ? 'D' : 'W';
    for (let b = x.first; b <= x.last && b < nBlocks; b++) out[b] = c;
  }
  return { blocks: out.join(''), inline };
}

/** Problems when the prepared file is not the state the scenario asks for. */
export function checkPrepared(before, expect) {
  const problems = [];
  if (before.size !== undefined && before.size !== expect.size) problems.push(`prepared i_size ${before.size}, scenario wants ${expect.size}`);
  if (expect.inline) {
    if (!layoutOf(before, 0).inline) problems.push('prepared file is not inline');
    return problems;
  }
  const bs = expect.blockSize;
  const n = Math.max(expect.blocks.length, Math.ceil(expect.size / bs));
  const want = expect.blocks.padEnd(n, '_');
  const got = layoutOf(before, n).blocks;
  if (got !== want) problems.push(`prepared blocks ${got}, scenario wants ${want}`);
  return problems;
}

/** What the write tool itself reported (when the kernel's ->write_iter never ran). */
export function toolResult(out, rc) {
  const wrote = /wrote (\d+)\/\d+ bytes/.exec(out);
  if (wrote) return Number(wrote[1]);
  const fioErr = /"error"\s*:\s*(\d+)/.exec(out);
  if (fioErr && Number(fioErr[1]) !== 0) return -Number(fioErr[1]);
  const fioBytes = [...out.matchAll(/"io_bytes"\s*:\s*(\d+)/g)].map((m) => Number(m[1]));
  if (fioErr && fioBytes.length) return Math.max(...fioBytes);
  const msgs = { 'Resource temporarily unavailable': 'EAGAIN', 'Operation not supported': 'EOPNOTSUPP', 'Invalid argument': 'EINVAL', 'No space left on device': 'ENOSPC', 'Input/output error': 'EIO' };
  for (const [msg, name] of Object.entries(msgs)) if (out.includes(msg)) return -ERRNO_BY_NAME.get(name);
  return rc === '0' ? undefined : `tool exit ${rc}`;
}

/**
 * Derive the observed outcome of one scenario.
 * @param rec   what the guest recorded (readResults().scenarios.get(id))
 * @param ctx   { kallsyms, fileFns: Set of fs/ext4/file.c function names, write: WriteSpec }
 */
export function observe(rec, ctx) {
  const problems = [];
  const evs = parseTrace(rec.trace);
  const before = parseFilefrag(rec.before);
  const after = parseFilefrag(rec.after);
  const ino = before.ino;
  const sym = (a) => symbolize(ctx.kallsyms, a);
  const wiIdx = evs.findIndex((e) => e.name === 'wi');
  const log = [];
  // Deterministic lines (no timestamps or pids): the report is committed and regenerated.
  let writer;
  const who = (e) => (e.pid === writer ? 'writer' : e.comm.replace(/^(kworker|ksoftirqd|migration|rcu\w*)\/.*/, '$1').replace(/^<idle>$/, 'idle'));
  const note = (e, what) => log.push(`${who(e)}: ${what}`);
  if (rec.failed) problems.push(`preparation step failed: ${rec.failed.trim()}`);
  if (ctx.expect) problems.push(...checkPrepared(before, ctx.expect));
  if (wiIdx < 0) {
    // ->write_iter never ran: the VFS refused the request (or the tool failed first).
    const r = toolResult(rec.writeOut, rec.writeRc);
    if (r === undefined || typeof r === 'string') problems.push(`no ext4_file_write_iter event and no result from the tool (${r ?? 'no output'})`);
    const ret = typeof r === 'number' ? showRet(r) : 'none';
    return {
      outcome: { path: typeof r === 'number' && r < 0 ? 'error' : ctx.write.direct ? 'dio' : 'buffered', fallback: 'none', lockAcrossIo: 'none', lockSequence: [], waits: [], dioUnwritten: false, unwrittenConverted: false, unwrittenLeft: false, orphan: 'none', ret },
      extra: { reachedExt4: false, toolOutput: rec.writeOut.trim().split('\n').slice(0, 3).join(' | ') },
      log: [`(no ext4_file_write_iter call; the tool reported ${ret})`],
      problems,
    };
  }
  const wi = evs[wiIdx];
  const pid = wi.pid;
  writer = pid;
  const retIdx = evs.findIndex((e, i) => i > wiIdx && e.pid === pid && e.name === 'wi_ret');
  if (retIdx < 0) problems.push('no return event for ext4_file_write_iter');
  const end = retIdx < 0 ? evs.length : retIdx;
  const inWindow = (e, i) => i >= wiIdx && i <= end && e.pid === pid;
  // i_rwsem: the semaphore the fs/ext4/file.c functions lock.
  const lockNames = new Set(['down_read', 'down_write', 'up_read', 'up_write', 'downgrade_write']);
  let sem;
  for (let i = wiIdx; i <= end && i < evs.length; i++) {
    const e = evs[i];
    if (inWindow(e, i) && lockNames.has(e.name) && ctx.fileFns.has(fnOf(sym(e.fields.caller)))) {
      sem = e.fields.sem;
      break;
    }
  }
  const lockSequence = [];
  let held = 'none';
  let lockAtDio;
  let lockAtBuffered;
  const waits = [];
  const addWait = (w) => { if (!waits.includes(w)) waits.push(w); };
  let dioFlags;
  let dioRet;
  let dioCalls = 0;
  let bufferedBytes = 0;
  let bufferedCalls = 0;
  let queued = false;
  let completionBytes = 0;
  let completionError;
  let dioUnwritten = false;
  let converted = 0;
  let adds = 0;
  let dels = 0;
  const mapFlags = [];
  let ret;
  for (let i = wiIdx; i < evs.length; i++) {
    const e = evs[i];
    const mine = inWindow(e, i);
    const f = e.fields;
    switch (e.name) {
      case 'wi':
        if (i === wiIdx) note(e, `ext4_file_write_iter pos=${f.pos} ki_flags=${f.kiflags}${Number(f.kiflags) & IOCB_DIRECT ? ' (IOCB_DIRECT)' : ''}`);
        break;
      case 'wi_ret':
        if (i === retIdx) {
          ret = Number(f.ret);
          note(e, `ext4_file_write_iter returned ${showRet(ret)}`);
        }
        break;
      case 'down_read': case 'down_write': case 'up_read': case 'up_write': case 'downgrade_write': {
        if (!mine || f.sem !== sem) break;
        const op = { down_read: 'shared', down_write: 'exclusive', up_read: 'unlock-shared', up_write: 'unlock-exclusive', downgrade_write: 'downgrade' }[e.name];
        lockSequence.push(op);
        held = e.name === 'down_read' || e.name === 'downgrade_write' ? 'shared' : e.name === 'down_write' ? 'exclusive' : 'none';
        note(e, `i_rwsem ${e.name} ← ${sym(f.caller)}`);
        break;
      }
      case 'down_read_trylock': case 'down_write_trylock': {
        if (!mine || !ctx.fileFns.has(retSite(e))) break;
        const shared = e.name === 'down_read_trylock';
        const ok = Number(f.ret) !== 0;
        lockSequence.push(ok ? (shared ? 'shared' : 'exclusive') : shared ? 'trylock-shared-failed' : 'trylock-exclusive-failed');
        if (ok) held = shared ? 'shared' : 'exclusive';
        note(e, `i_rwsem ${e.name} → ${ok ? 1 : 0} ← ${retSite(e)}`);
        break;
      }
      case 'dio':
        if (!mine) break;
        dioCalls++;
        if (lockAtDio === undefined) lockAtDio = held;
        dioFlags = Number(f.dio_flags);
        if (dioFlags & 1) addWait('IOMAP_DIO_FORCE_WAIT');
        note(e, `iomap_dio_rw dio_flags=${f.dio_flags}${dioFlags & 1 ? ' (IOMAP_DIO_FORCE_WAIT)' : ''} with i_rwsem ${held}`);
        break;
      case 'dio_ret':
        if (!mine) break;
        if (dioRet === undefined) dioRet = Number(f.ret);
        if (Number(f.ret) === -529) queued = true;
        note(e, `iomap_dio_rw returned ${showRet(Number(f.ret))}`);
        break;
      case 'bwi':
        if (!mine) break;
        note(e, 'ext4_buffered_write_iter');
        break;
      case 'gpw_ret':
        if (!mine || Number(f.ret) <= 0 || !/^ext4_/.test(retSite(e) ?? '')) break;
        bufferedBytes += Number(f.ret);
        bufferedCalls++;
        if (lockAtBuffered === undefined) lockAtBuffered = held;
        note(e, `generic_perform_write wrote ${f.ret} (from ${retSite(e)}) with i_rwsem ${held}`);
        break;
      case 'diowait':
        if (!mine) break;
        addWait(queued ? 'wait-after-EIOCBQUEUED' : 'inode_dio_wait');
        note(e, `inode_dio_wait ← ${sym(f.caller)}`);
        break;
      case 'endio':
        // Completion may run in the writer (sync, waited), a kworker (queued AIO) or
        // interrupt context on whatever task was running: any pid from the request on.
        if (!mine && e.pid === pid && i < end) break;
        completionBytes += Math.max(0, Number(f.size));
        if (Number(f.error)) completionError = Number(f.error);
        if (Number(f.flags) & 1) dioUnwritten = true;
        note(e, `ext4_dio_write_end_io size=${f.size} error=${f.error} flags=${f.flags}${Number(f.flags) & 1 ? ' (IOMAP_DIO_UNWRITTEN)' : ''}${mine ? '' : ' [completion context]'}`);
        break;
      case 'conv': {
        if (!mine && e.pid === pid && i < end) break;
        // Only conversions at DIO completion count (the field's meaning); writeback's
        // conversions of buffered data (ext4_end_io_rsv_work) are logged, not counted.
        const from = fnOf(sym(f.caller));
        const atEndIo = !f.caller || from === 'ext4_dio_write_end_io';
        if (atEndIo) converted++;
        note(e, `ext4_convert_unwritten_extents off=${f.off} len=${f.len} ← ${from ?? '?'}${atEndIo ? '' : ' (not DIO end_io: not counted)'}${mine ? '' : ' [completion context]'}`);
        break;
      }
      case 'oadd':
        if (!mine && e.pid === pid) break;
        adds++;
        note(e, `ext4_orphan_add ← ${sym(f.caller)}`);
        break;
      case 'odel':
        if (!mine && e.pid === pid) break;
        dels++;
        note(e, `ext4_orphan_del ← ${sym(f.caller)}`);
        break;
      case 'ext4_ext_map_blocks_enter': case 'ext4_ind_map_blocks_enter':
        if (ino !== undefined && Number(f.ino) !== ino) break;
        if (!mapFlags.includes(f.flagsText)) mapFlags.push(f.flagsText);
        note(e, `${e.name.replace('_enter', '')} ${e.text.replace(/^dev \S+ /, '')}`);
        break;
      case 'ext4_ext_map_blocks_exit': case 'ext4_ind_map_blocks_exit':
        if (ino !== undefined && Number(f.ino) !== ino) break;
        note(e, `${e.name.replace('_exit', '')} → ${e.text.replace(/^.*?lblk/, 'lblk')}`);
        break;
      case 'ext4_da_write_begin': case 'ext4_write_begin':
        if (!mine) break;
        note(e, e.name);
        break;
      case 'iomap_dio_rw_begin': case 'iomap_dio_complete':
        if (!mine && e.pid === pid) break;
        note(e, `${e.name} ${e.text.replace(/^dev \S+ /, '')}`);
        break;
      default:
        break;
    }
  }
  // Outcome fields, derived the way the model derives its own (engine/simulate.ts).
  const direct = ctx.write.direct;
  let dioBytes = 0;
  if (dioRet !== undefined && dioRet > 0) dioBytes = dioRet;
  else if (queued) dioBytes = completionBytes;
  const retNum = ret ?? -1;
  let path;
  if (dioBytes > 0 && bufferedBytes > 0) path = 'dio+buffered';
  else if (bufferedBytes > 0) path = 'buffered';
  else if (dioBytes > 0 || (dioCalls > 0 && retNum >= 0)) path = 'dio';
  else if (retNum < 0 && retNum !== -529) path = 'error';
  else if (retNum === -529) path = 'dio';
  else path = direct ? 'dio' : 'buffered';
  const fallback = direct && bufferedBytes > 0 ? (dioBytes > 0 ? 'remainder' : 'whole') : 'none';
  const lockAcrossIo = dioCalls > 0 ? lockAtDio : lockAtBuffered ?? 'none';
  const ok = retNum > 0 || (retNum === -529 && completionBytes > 0 && !completionError);
  let unwrittenLeft = false;
  const bs = after.blockSize ?? ctx.blockSize ?? 4096;
  if (ok) {
    const pos = Number(wi.fields.pos);
    const len = retNum > 0 ? retNum : completionBytes;
    const first = Math.floor(pos / bs);
    const last = Math.floor((pos + len - 1) / bs);
    for (const x of after.extents) if (/unwritten/.test(x.flags) && x.first <= last && x.last >= first) unwrittenLeft = true;
  }
  if (!sem && lockSequence.length === 0 && (dioCalls > 0 || bufferedCalls > 0)) problems.push('no i_rwsem operation recognised from fs/ext4/file.c callers');
  return {
    outcome: {
      path,
      fallback,
      lockAcrossIo,
      lockSequence,
      waits,
      dioUnwritten,
      unwrittenConverted: converted > 0,
      unwrittenLeft,
      orphan: adds === 0 ? 'none' : dels > 0 ? 'add+del' : 'add',
      ret: showRet(ret),
      ...(queued ? { completionRet: completionError ? showRet(completionError) : completionBytes } : {}),
    },
    extra: { reachedExt4: true, dioCalls, dioRet: dioRet === undefined ? undefined : showRet(dioRet), dioFlags, dioBytes, bufferedBytes, mapFlags, sizeBefore: before.size, sizeAfter: after.size, extentsBefore: fmtExtents(before.extents), extentsAfter: fmtExtents(after.extents) },
    log,
    problems,
  };
}

function fmtExtents(xs) {
  return xs.map((x) => `${x.first}..${x.last}${/unwritten/.test(x.flags) ? ' U' : ''}`).join(', ');
}
