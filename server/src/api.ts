/**
 * The programmatic API: what tests, the benchmark and other tools import (bundled to
 * dist/api.js). The CLI and the language server use the same modules.
 */
export { createCParser } from './syntax/treeSitter';
export { SourceFile } from './syntax/sourceFile';
export { DEFAULT_PREPROC_CONFIG, evalPreprocCondition } from './syntax/preproc';
export { Interpreter, Inconclusive, DEFAULT_LIMITS, parseNumber, arith } from './interp/interpreter';
export { Trace, TRACE_LIMIT } from './interp/trace';
export { KernelImage, INTERPRETED_FILES } from './kernel/image';
export { HeaderConstants, CONSTANT_HEADERS, evalExpr } from './kernel/headers';
export { BUILTIN_CONSTANTS, ERRNO_NAMES } from './model/constants';
export { PROFILES, chooseProfile, parseMakefileVersion } from './model/profiles';
export { REGISTRY, registryFor, modelledBy, makeHost as makeHostForTest } from './model/host';
export { KERNEL_GLOBALS } from './model/block';
export { World } from './model/world';
export { normalizeScenario, parseScenarioFile } from './scenario/normalize';
export { MAX_RW_COUNT, ext4MaxSize, ext4MaxBitmapSize } from './scenario/limits';
export { divergentSteps, MAX_TRACE_EDITS } from './review/compare';
export { featureGroups } from './review/feature';
export { defaultMatrix, coreGrid, extraScenarios, DEFAULT_LAYOUT, TARGETS } from './scenario/matrix';
export { simulate, ENTRY, fopFlagsIn } from './engine/simulate';
export { simulateAll } from './engine/run';
export { findGrammarPaths, getParser } from './io/grammar';
export { loadKernelTree, cachedKernel, kernelCacheDir, isKernelTree, toBase } from './io/kernelTree';
export { reviewPatch, ReviewSession } from './review/review';
export { compactTimelines, compactLockSequence, CLI_NODE_FLAGS } from './protocol';
export { RunCache } from './review/runCache';
export { formatReviewText, formatSarif, groupChanges } from './review/format';
export { parsePatchDocument, decodeDocument, applySeries } from './patch';
export { inferProfile, textDates } from './review/inferProfile';
export { workloadFor, formatShell } from './workload';
export { findTree } from './review/findTree';
