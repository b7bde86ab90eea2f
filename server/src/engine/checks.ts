import type { Scenario } from '../scenario/types';
import type { World } from '../model/world';
import { warnSite, type Finding, type Outcome } from './outcome';

/**
 * The invariants of BRIEF.md, checked against one scenario's event log and outcome.
 * Each check names the thread it comes from; it fires only on what the simulation did.
 */
export function checkInvariants(s: Scenario, w: World, o: Outcome): Finding[] {
  const out: Finding[] = [];
  const add = (code: Finding['code'], message: string) => out.push({ code, severity: 'error', message });
  const ev = w.events;
  const size0 = BigInt(s.inode.size);
  const extending = BigInt(s.request.pos) + BigInt(s.request.len) > size0;
  const succeeded = typeof o.ret === 'number' ? o.ret > 0 : o.ret === '-EIOCBQUEUED' && typeof o.completionRet === 'number' && o.completionRet > 0;

  // 1. atomic-fallback (001): an IOCB_ATOMIC write never falls back to buffered IO.
  if (s.request.atomic && o.fallback !== 'none') add('atomic-fallback', `IOCB_ATOMIC write fell back to buffered IO (${o.fallback}): ${o.fallbackReason}`);

  // 2. unwritten-unconverted (000): a successful DIO leaves no unwritten blocks in what it wrote.
  if (succeeded && o.unwrittenLeft) add('unwritten-unconverted', 'blocks written by this DIO are still unwritten after it completed: ->end_io did not convert them (was IOMAP_DIO_UNWRITTEN set?)');

  // 3. stale-data (000, 003): DIO must not expose newly allocated blocks inside i_size as initialized.
  const dioStarted = ev.some((e) => e.e === 'dio-start');
  if (dioStarted) {
    for (const e of ev) {
      if (e.e === 'alloc' && !e.unwritten && e.insideSize && s.request.direct) {
        const kind = w.mapping === 'indirect' ? 'an indirect-mapped hole was filled by DIO' : 'DIO allocated written (not unwritten) blocks inside i_size';
        add('stale-data', `${kind} (blocks ${e.lblk}..${e.lblk + e.len - 1}): a crash before the data lands exposes stale data`);
        break;
      }
    }
  }

  // 4. extend-unwaited (000): an extending DIO updates i_size/i_disksize only after it completed, under the exclusive lock.
  if (s.request.direct && extending && dioStarted && o.dioBytes > 0) {
    const sizeEv = ev.filter((e) => e.e === 'size');
    // Under the exclusive lock: the submitter's own update, or a work item it waits for
    // with flush_workqueue() while holding the lock (legacy io_end conversion).
    const bad = sizeEv.find((e) => e.e === 'size' && (e.lock !== 'exclusive' || e.context === 'irq'));
    // A submitter that waits for its own queued completion under the lock (the 2019
    // series' `ret == -EIOCBQUEUED && extend → inode_dio_wait()`) still returns
    // -EIOCBQUEUED, but the size update ran before it dropped i_rwsem.
    const waitedOwn = o.waits.includes('wait-after-EIOCBQUEUED') && !bad;
    if (o.ret === '-EIOCBQUEUED' && !waitedOwn) add('extend-unwaited', 'extending AIO DIO returned -EIOCBQUEUED: the size update runs at completion without i_rwsem');
    else if (bad && bad.e === 'size') add('extend-unwaited', `i_size/i_disksize updated in ${bad.context} context with i_rwsem ${bad.lock}`);
  }

  // 5. unaligned-shared (000 and later): DIO that zeroes partial blocks runs exclusive and drained.
  const zeroing = ev.some((e) => e.e === 'iomap' && e.zeroPartial);
  if (zeroing && s.request.direct) {
    // inode_dio_wait() (2.6.38+/iomap) or, for unaligned AIO in 2.6.38–5.0, ext4_unwritten_wait() under ext4_aio_mutex.
    const drained = o.waits.includes('inode_dio_wait') || o.waits.includes('ext4_unwritten_wait');
    if (o.lockAcrossIo !== 'exclusive') add('unaligned-shared', `DIO zeroes partial fs blocks with i_rwsem ${o.lockAcrossIo}: a concurrent unaligned DIO can be overwritten by the zeroing`);
    else if (!drained) add('unaligned-shared', 'DIO zeroes partial fs blocks without inode_dio_wait(): in-flight AIO to the same block can race with the zeroing');
  }

  // 6. lock-imbalance: released in the mode held, never re-acquired while held, not held at return.
  for (const e of ev) if (e.e === 'lock-error') add('lock-imbalance', e.text);
  if (w.lockAtReturn !== 'none') add('lock-imbalance', `ext4_file_write_iter() returned with i_rwsem still held ${w.lockAtReturn}`);

  // 7. nowait-blocks (000): IOCB_NOWAIT never sleeps.
  if (s.request.nowait) {
    // A sync DIO waits for its own bios whatever IOCB_NOWAIT says (fs/iomap/direct-io.c
    // __iomap_dio_rw(): the wait_for_completion loop around blk_io_schedule() does not look
    // at IOCB_NOWAIT), so submitting and waiting for its IO is not "blocking" here.
    const sleep = ev.find((e) => e.e === 'may-sleep' && e.context === 'process' && e.what !== 'DIO submission' && e.what !== 'blk_io_schedule');
    const waited = o.waits.filter((x) => x !== 'IOMAP_DIO_FORCE_WAIT' || s.request.aio);
    if (sleep && sleep.e === 'may-sleep') add('nowait-blocks', `IOCB_NOWAIT request called ${sleep.what}, which may sleep`);
    else if (waited.length) add('nowait-blocks', `IOCB_NOWAIT request waited (${waited.join(', ')})`);
  }

  // 8. orphan-missing (003, 000): blocks allocated beyond EOF are covered by the orphan list until i_disksize covers them.
  const beyond = ev.find((e) => e.e === 'alloc' && e.beyondEof);
  if (beyond && beyond.e === 'alloc' && s.request.direct && !beyond.onOrphan && w.journaled) {
    add('orphan-missing', `DIO allocated blocks ${beyond.lblk}..${beyond.lblk + beyond.len - 1} beyond EOF while the inode was not on the orphan list: a crash leaks them`);
  }
  if (w.onOrphan && (typeof o.ret === 'number' || o.completionRet !== undefined)) add('orphan-missing', 'the inode was left on the orphan list after the write finished');

  // 9. endio-blocks (003): ->end_io in interrupt context must not sleep.
  const irqSleep = ev.find((e) => e.e === 'may-sleep' && e.context === 'irq');
  if (irqSleep && irqSleep.e === 'may-sleep') add('endio-blocks', `${irqSleep.what} called from ->end_io in interrupt context`);

  // 10. delalloc-leak (002): blocks this write reserved for delalloc are either released
  // (ext4_es_remove_extent() from a ->iomap_end punch) or covered by dirty page cache that
  // writeback will allocate; a reservation under no dirty folio is never consumed.
  const released = new Set(ev.flatMap((e) => (e.e === 'delalloc' && e.op === 'release' ? [e.lblk] : [])));
  const stale = ev.flatMap((e) => (e.e === 'delalloc' && e.op === 'reserve' ? Array.from({ length: e.len }, (_, i) => e.lblk + i) : []))
    .filter((b, i, xs) => xs.indexOf(b) === i && !released.has(b) && w.blockAt(b) === 'D' && !w.dirty.has(b));
  if (stale.length) add('delalloc-leak', `${w.shortBufferedCopy ? 'short buffered write' : 'buffered write'} left delalloc reservations on blocks ${stale.join(', ')} with no dirty page cache over them: the stale range was not punched, so the reservation is never used or released`);

  // 11. lock-order (002): the iomap buffered path takes folio locks with no journal handle
  // open (the buffer_head path starts the handle first and re-locks the folio under it).
  const inverted = ev.find((e) => e.e === 'folio-lock' && e.handleOpen && e.via !== 'buffer_head');
  if (inverted) add('lock-order', 'iomap buffered write took a folio lock while a journal handle is open (the iomap order is folio lock → transaction start; ->iomap_begin must stop its handle)');

  // 12. warn-reached: a WARN_ON/WARN/BUG_ON whose condition held. The kernel author wrote
  // each as "cannot happen"; reaching one is a bug report (include/asm-generic/bug.h: WARN*
  // taints and prints a stack, BUG_ON oopses). One finding per site.
  const seen = new Set<string>();
  for (const e of ev) {
    if (e.e !== 'warn') continue;
    const site = warnSite(e);
    if (seen.has(site)) continue;
    seen.add(site);
    out.push({ code: 'warn-reached', severity: e.text.startsWith('BUG') ? 'error' : 'warning', message: `${site} fired: the kernel treats this state as impossible` });
  }

  return out;
}
