import type { CheckCode } from '../engine/outcome';

/** The invariant checks (BRIEF.md), with a one-line title each; the pages live in docs/checks/. */
export const CHECKS: ReadonlyArray<{ code: CheckCode; title: string }> = [
  { code: 'atomic-fallback', title: 'An IOCB_ATOMIC write never falls back to buffered IO' },
  { code: 'unwritten-unconverted', title: 'Extents allocated unwritten for a DIO are converted when it completes' },
  { code: 'stale-data', title: 'No stale data exposed after a crash' },
  { code: 'extend-unwaited', title: 'An extending DIO completes before i_size/i_disksize are updated, under the exclusive lock' },
  { code: 'unaligned-shared', title: 'Unaligned DIO that zeroes partial blocks runs exclusive and drained' },
  { code: 'lock-imbalance', title: 'i_rwsem is released on every path in the mode it is held' },
  { code: 'nowait-blocks', title: 'IOCB_NOWAIT never sleeps' },
  { code: 'orphan-missing', title: 'Blocks allocated beyond EOF stay covered by the orphan list' },
  { code: 'endio-blocks', title: '->end_io in interrupt context does not block' },
  { code: 'delalloc-leak', title: 'A short delalloc write releases its stale reservation' },
  { code: 'lock-order', title: 'No journal handle is held while taking a folio lock' },
  { code: 'warn-reached', title: 'No WARN_ON/BUG_ON condition holds on the write path' },
];

/**
 * The page documenting check `code` (LSP `codeDescription.href`, SARIF `helpUri`):
 * `<docsBase><code>.md`. The caller passes where docs/checks/ is (a `file://` URI of the
 * installed extension or checkout, or a web URL); this module does no I/O.
 */
export function checkDocUrl(code: string, docsBase: string): string {
  return `${docsBase.endsWith('/') ? docsBase : `${docsBase}/`}${code}.md`;
}
