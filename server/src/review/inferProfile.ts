import type { PatchDocument } from '../patch';
import { PROFILES, KernelProfile } from '../model/profiles';

/** Release dates of the profiles' kernels (the day the release was tagged upstream). */
const RELEASES: Array<{ id: KernelProfile['id']; date: string }> = [
  { id: '6.1', date: '2022-12-11' },
  { id: '6.12', date: '2024-11-17' },
  { id: '6.13', date: '2025-01-19' },
];

/** Identifiers that only exist in one era of the write path. */
const LEGACY_DIO = /\b(blockdev_direct_IO|__blockdev_direct_IO|ext4_get_block_write|ext4_end_io_dio|ext4_direct_IO_write|ext4_dio_get_block\w*|dio_unwritten_wq|EXT4_GET_BLOCKS_DIO_CREATE_EXT)\b/;
const LEGACY_2_6 = /\b(ext4_get_blocks|const struct iovec|nr_segs|EXT4_GET_BLOCKS_DIO_CREATE_EXT)\b/;
const LEGACY_2_6_G = new RegExp(LEGACY_2_6.source, 'g');
const LEGACY_4_G = /\b(iov_iter_rw|ext4_dio_get_block\w*|ext4_inode_aio\w*|__blockdev_direct_IO|ext4_init_io_end)\b/g;
const LEGACY_5 = /\b(__generic_file_write_iter|ext4_unwritten_wait|ext4_unaligned_aio|ext4_direct_IO_write|ext4_dio_get_block\w*|__blockdev_direct_IO)\b/;
const LEGACY_5_G = new RegExp(LEGACY_5.source, 'g');
/** Linux 5.5, where ext4 direct IO moved to iomap (the 2019 series, seed 000). */
const IOMAP_DIO_RELEASE = '2020-01-26';
const ATOMIC = /\b(IOCB_ATOMIC|RWF_ATOMIC|IOMAP_ATOMIC|FMODE_CAN_ATOMIC_WRITE)\b/;

/**
 * Choose a profile for a patch reviewed without a kernel tree (issue: "profiles are inferred
 * from the patch itself"): the identifiers its lines use, then its `Date:` header. Returns
 * the profile and a sentence saying why, shown in hovers and JSON.
 */
export function inferProfile(doc: PatchDocument, text = ''): { profile: KernelProfile; why: string } {
  const lines: string[] = [];
  const dates: Date[] = [];
  const bases: string[] = [];
  for (const p of doc.patches) {
    if (p.date) {
      const d = new Date(p.date);
      if (!Number.isNaN(d.getTime())) dates.push(d);
    }
    if (p.baseCommit) bases.push(p.baseCommit.slice(0, 12));
    for (const f of p.files) for (const h of f.hunks) for (const l of h.lines) lines.push(l.text);
  }
  const code = lines.join('\n');
  // No Date: header (patchwork pages, web archives): take the earliest date the text mentions.
  if (!dates.length) dates.push(...textDates(text));
  const date = dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : undefined;
  const day = date?.toISOString().slice(0, 10);
  const base = bases.length ? ` (base-commit ${bases[0]} cannot be resolved without a git tree)` : '';
  if (ATOMIC.test(code)) {
    const id: KernelProfile['id'] = day && day < '2025-01-19' ? '6.12-atomic' : '6.13';
    return { profile: PROFILES[id], why: `the patch uses atomic-write identifiers${day ? ` and is dated ${day}` : ''}: ${id === '6.13' ? 'ext4 and iomap atomic writes as merged in 6.13' : 'the 6.12 tree plus the ext4 atomic-write series it was written for'}${base}` };
  }
  // 4.7 (2016-07-24) to 5.4: the last legacy-DIO ext4, whose removed lines a 2019 iomap
  // conversion holds (__generic_file_write_iter(), ext4_unwritten_wait(), ext4_unaligned_aio()).
  const legacy53 = day !== undefined && day >= '2016-07-24' && day < IOMAP_DIO_RELEASE;
  if (LEGACY_DIO.test(code) || (legacy53 && LEGACY_5.test(code))) {
    // 2.6-era code passes iovecs and calls ext4_get_blocks(); 3.16+ code uses iov_iter.
    const old = LEGACY_2_6.test(code) || (day !== undefined && day < '2011-01-01');
    const id: KernelProfile['id'] = old ? '2.6.31' : legacy53 ? '5.3' : '4.6';
    if (id === '5.3') {
      const idents = [...new Set(code.match(LEGACY_5_G) ?? [])].slice(0, 3).join(', ');
      return { profile: PROFILES[id], why: `the patch is dated ${day} and its lines use the legacy DIO path of 4.7–5.4 (${idents}): profile 5.3, the last ext4 DIO on fs/direct-io.c (iomap DIO came with 5.5)${base}` };
    }
    const idents = [...new Set(code.match(old ? LEGACY_2_6_G : LEGACY_4_G) ?? [])].slice(0, 3).join(', ');
    return { profile: PROFILES[id], why: `the patch uses the legacy blockdev_direct_IO path${day ? ` and is dated ${day}` : ''}${idents ? ` (${idents})` : ''}: profile ${id}, ${old ? 'the 2.6 DIO code (i_mutex, ext4_get_blocks, no io_end in the base)' : 'the 4.x DIO code (iov_iter, ext4_dio_get_block_*, io_end)'}${base}` };
  }
  if (day) {
    let chosen = RELEASES[0];
    for (const r of RELEASES) if (day >= r.date) chosen = r;
    const older = day < RELEASES[0].date;
    return {
      profile: PROFILES[chosen.id],
      why: older ? `the patch is dated ${day}, before any profile's kernel; ${chosen.id} is an approximation${base}` : `the patch is dated ${day}: the newest profile released by then is ${chosen.id}${base}`,
    };
  }
  return { profile: PROFILES['6.12'], why: `nothing in the patch dates it; defaulting to 6.12${base}` };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Dates written the ways mail and archive pages write them: `25 Aug 2009`, `Aug. 12, 2019`,
 * `Fri, Oct 25, 2024` (attribution lines). Only the first 64 KiB are scanned.
 */
export function textDates(text: string): Date[] {
  const out: Date[] = [];
  const head = text.slice(0, 65536);
  const mon = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?';
  const push = (y: string, m: string, d: string) => {
    const month = MONTHS.indexOf(m.slice(0, 3).toLowerCase());
    const dt = new Date(Date.UTC(Number(y), month, Number(d)));
    if (month >= 0 && Number(y) >= 1995 && Number(y) <= 2100 && !Number.isNaN(dt.getTime())) out.push(dt);
  };
  for (const m of head.matchAll(new RegExp(`\\b(\\d{1,2}) ${mon} (\\d{4})\\b`, 'g'))) push(m[3], m[2], m[1]);
  for (const m of head.matchAll(new RegExp(`\\b${mon} (\\d{1,2}), (\\d{4})\\b`, 'g'))) push(m[3], m[1], m[2]);
  return out;
}

/** Which fetched Debian tree serves as the reference for a profile (`6.1`, `6.12` or, for 6.13+, `7.2`); legacy profiles use none, except 5.3's iomap side (`iomapReference`). */
export function referenceTreeFor(profile: KernelProfile): '6.1' | '6.12' | '7.2' {
  if (profile.iomapReference) return profile.iomapReference.tree;
  // 6.13 and later: the newest tree, whose C (iomap's atomic rules, ext4_map_blocks()'s
  // m_seq) is what a patch of that era is written against (issue 11: profiles for 6.13+
  // come from the 7.2 tree).
  if (profile.id === '6.13') return '7.2';
  return profile.constants === '6.1' ? '6.1' : '6.12';
}
