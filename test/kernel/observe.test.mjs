// Unit tests of the conformance observer and comparison, on observations recorded from the
// real Debian kernels (test/kernel/fixtures/*/observations.json: trace, filefrag, tool
// output and the ext4 symbols they reference, as the guest wrote them for a few scenarios).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPrepared, layoutOf, observe, parseFilefrag, parseTrace, showRet, symbolize, toolResult } from './observe.mjs';
import { checkLimitations, compareScenario, matches, modelTraceSummary, renderMarkdown } from './report.mjs';
import { cpioGz } from './guest.mjs';
import { gunzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const fixture = (k) => {
  const f = JSON.parse(readFileSync(join(HERE, 'fixtures', k, 'observations.json'), 'utf8'));
  const kallsyms = f.kallsyms.map(([a, n]) => [BigInt(a), n]);
  const run = (id) => {
    const c = f.cases.find((x) => x.id === id);
    const rec = { trace: c.trace, before: c.before, after: c.after, writeOut: c.writeOut, writeRc: c.writeRc };
    return { c, o: observe(rec, { kallsyms, fileFns: new Set(f.fileFns), write: c.write, expect: c.expect }) };
  };
  return { f, run };
};

for (const k of ['6.1', '6.12']) {
  test(`${k}: every recorded observation derives the outcome it had`, () => {
    const { f, run } = fixture(k);
    for (const { id, observed } of f.cases) {
      const { o } = run(id);
      assert.deepEqual(o.problems, [], id);
      assert.deepEqual(o.outcome, observed, id);
    }
  });

  test(`${k}: cold DIO overwrite restarts exclusive (IS_NOSEC clear)`, () => {
    const { o } = fixture(k).run('dio-sync-al-written-cold');
    assert.deepEqual(o.outcome.lockSequence, ['shared', 'unlock-shared', 'exclusive', 'unlock-exclusive']);
    assert.equal(o.outcome.lockAcrossIo, 'exclusive');
    assert.equal(o.outcome.path, 'dio');
    assert.equal(o.outcome.ret, 4096);
  });

  test(`${k}: queued AIO into an unwritten extent converts at completion`, () => {
    const { o } = fixture(k).run('dio-aio-al-unwritten-warm');
    assert.equal(o.outcome.ret, '-EIOCBQUEUED');
    assert.equal(o.outcome.completionRet, 4096);
    assert.equal(o.outcome.dioUnwritten, true);
    assert.equal(o.outcome.unwrittenConverted, true);
    assert.equal(o.outcome.unwrittenLeft, false);
    assert.ok(o.log.some((l) => /ext4_dio_write_end_io .*IOMAP_DIO_UNWRITTEN/.test(l)));
  });

  test(`${k}: indirect-mapped partial write goes 4096 direct + 12288 buffered`, () => {
    const { o } = fixture(k).run('ind-dio-sync-partial');
    assert.equal(o.outcome.path, 'dio+buffered');
    assert.equal(o.outcome.fallback, 'remainder');
    assert.equal(o.extra.dioBytes, 4096);
    assert.equal(o.extra.bufferedBytes, 12288);
  });

  test(`${k}: cold RWF_NOWAIT DIO gets -EAGAIN after the shared trylock`, () => {
    const { o } = fixture(k).run('dio-sync-al-written-nowait-cold');
    assert.equal(o.outcome.ret, '-EAGAIN');
    assert.deepEqual(o.outcome.lockSequence, ['shared', 'unlock-shared']);
    assert.equal(o.outcome.path, 'error');
  });

  test(`${k}: buffered RWF_NOWAIT is refused with -EOPNOTSUPP`, () => {
    const { o } = fixture(k).run('buf-nowait');
    assert.equal(o.outcome.ret, '-EOPNOTSUPP');
    assert.equal(o.outcome.path, 'error');
  });

  test(`${k}: writeback conversions before a DIO are not counted as end_io conversions`, () => {
    const { o } = fixture(k).run('dio-delalloc-target');
    assert.equal(o.outcome.unwrittenConverted, false);
  });

  test(`${k}: a prepared layout that differs from the scenario is a problem`, () => {
    const { f } = fixture(k);
    const c = f.cases.find((x) => x.id === 'dio-sync-al-written-cold');
    assert.deepEqual(checkPrepared(parseFilefrag(c.before), c.expect), []);
    const wrong = checkPrepared(parseFilefrag(c.before), { ...c.expect, blocks: 'WWWWWWWW____WWWW' });
    assert.match(wrong[0], /prepared blocks WWWWUUUU____WWWW, scenario wants WWWWWWWW____WWWW/);
  });
}

test('trace lines, symbols, return values', () => {
  const [e] = parseTrace('          xfs_io-193     [001] .....    18.122658: down_read: (down_read+0x0/0xa0) sem=0xff2c caller=0xffffffffc0605318\n');
  assert.equal(e.pid, 193);
  assert.equal(e.name, 'down_read');
  assert.equal(e.fields.caller, '0xffffffffc0605318');
  const [r] = parseTrace('   kworker/u4:2-ext4-12  [000] d..1. 1.5: dio_ret: (ext4_file_write_iter+0x678/0x890 [ext4] <- iomap_dio_rw) ret=-529\n');
  assert.equal(r.comm, 'kworker/u4:2-ext4');
  assert.equal(r.site, 'ext4_file_write_iter+0x678/0x890 [ext4] <- iomap_dio_rw');
  assert.equal(symbolize([[0x1000n, 'a'], [0x2000n, 'b']], '0x2010'), 'b+0x10');
  assert.equal(showRet(-11), '-EAGAIN');
  assert.equal(showRet(-529), '-EIOCBQUEUED');
  assert.equal(showRet(4096), 4096);
  assert.equal(toolResult('pwrite: Resource temporarily unavailable\n', '1'), -11);
  assert.equal(toolResult('wrote 4096/4096 bytes at offset 0\n', '0'), 4096);
});

test('filefrag layouts: written, unwritten, delalloc, inline', () => {
  const ff = parseFilefrag(`File size of f is 65536 (16 blocks of 4096 bytes)
 ext:     logical_offset:        physical_offset: length:   expected: flags:
   0:        0..       3:       6173..      6176:      4:            
   1:        4..       7:       6169..      6172:      4:       6177: unwritten
   2:        9..      10:          0..         0:      0:             unknown_loc,delalloc
   3:       12..      15:       6177..      6180:      4:          3: last,eof
$ stat
size=65536 ino=12
`);
  assert.equal(layoutOf(ff, 16).blocks, 'WWWWUUUU_DD_WWWW');
  assert.equal(ff.ino, 12);
  const inline = parseFilefrag('File size of f is 60 (1 block of 4096 bytes)\n   0:        0..      59:     203560..    203619:     60:             last,not_aligned,inline,eof\n');
  assert.equal(layoutOf(inline, 0).inline, true);
});

test('comparison: agreement, unexplained and documented disagreements', () => {
  const model = { path: 'dio', fallback: 'none', lockAcrossIo: 'shared', lockSequence: ['shared', 'unlock-shared'], waits: ['IOMAP_DIO_FORCE_WAIT', 'inode_dio_wait'], dioUnwritten: false, unwrittenConverted: false, unwrittenLeft: false, orphan: 'none', ret: 4096 };
  const same = { outcome: { ...model, waits: ['inode_dio_wait', 'IOMAP_DIO_FORCE_WAIT'] }, problems: [] };
  assert.equal(compareScenario({ id: 'a', kernel: '6.1', model, observed: same, limitations: [] }).agree, true);
  const other = { outcome: { ...model, lockAcrossIo: 'exclusive' }, problems: [] };
  const bad = compareScenario({ id: 'a', kernel: '6.1', model, observed: other, limitations: [] });
  assert.equal(bad.unexplained, 1);
  const lims = [{ scenario: 'a*', kernel: '6.1', field: 'lockAcrossIo', reason: 'because' }];
  const ok = compareScenario({ id: 'abc', kernel: '6.1', model, observed: other, limitations: lims });
  assert.equal(ok.unexplained, 0);
  assert.equal(ok.explained, 1);
  assert.equal(ok.fields.lockAcrossIo.explained, 'because');
  assert.equal(lims[0].used, true);
  assert.equal(compareScenario({ id: 'abc', kernel: '6.12', model, observed: other, limitations: [{ ...lims[0] }] }).unexplained, 1);
  const unobserved = compareScenario({ id: 'a', kernel: '6.1', model, observed: { outcome: {}, problems: ['guest did not run it'] }, limitations: [] });
  assert.equal(unobserved.unexplained, 1);
  assert.equal(matches('/^dio-.*-cold$/', 'dio-sync-al-written-cold'), true);
  assert.equal(matches('ind-*', 'dio-x'), false);
  assert.deepEqual(checkLimitations([{ scenario: 'x', kernel: '*', field: 'path', reason: '' }]), ['limitation #0: "reason" must be a non-empty string']);
  assert.deepEqual(checkLimitations(JSON.parse(readFileSync(join(HERE, 'limitations.json'), 'utf8'))), []);
});

test('report renders disagreements with both traces', () => {
  const report = {
    kernels: [{ id: '6.1', package: 'p', uname: 'u', modelTree: 't', guestSeconds: 1, scenarios: [
      { id: 's', agree: false, unexplained: 1, explained: 0, fields: { ret: { agree: false, model: 1, observed: 2 } }, model: { path: 'dio', fallback: 'none', lockAcrossIo: 'none', waits: [], ret: 1, orphan: 'none' }, observed: { path: 'dio', fallback: 'none', lockAcrossIo: 'none', waits: [], ret: 2, orphan: 'none' }, modelTrace: ['model step'], events: ['event line'] },
    ] }],
    staleLimitations: [],
  };
  const md = renderMarkdown(report);
  assert.match(md, /### `s` on 6\.1 — UNEXPLAINED/);
  assert.match(md, /model step/);
  assert.match(md, /event line/);
  assert.deepEqual(modelTraceSummary([{ kind: 'lock', fn: 'f', file: 'model', line: 0, text: 'i_rwsem: shared', result: 'shared', depth: 1 }]), ['  lock f: i_rwsem: shared → shared']);
});

test('the job archive is a valid newc cpio', () => {
  const buf = gunzipSync(cpioGz({ 'ext4wp/jobs.sh': 'echo hi\n' }));
  const text = buf.toString('latin1');
  assert.ok(text.startsWith('070701'));
  assert.ok(text.includes('ext4wp/jobs.sh\0'));
  assert.ok(text.includes('echo hi\n'));
  assert.ok(text.includes('TRAILER!!!'));
});
