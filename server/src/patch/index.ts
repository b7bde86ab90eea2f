// Public API of the patch-ingestion layer (pure: no I/O, no editor dependencies).

export type { FileDiff, Hunk, HunkLine, Patch, PatchDocument, Problem } from './types';
export { parsePatchDocument } from './parse';
export { decodeDocument } from './decode';
export { applySeries, hunkSides, NOT_APPLICABLE, OUT_OF_TIME } from './apply';
export type { AppliedHunk, FailedHunk, SeriesResult } from './apply';
