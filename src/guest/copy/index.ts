export { parseCopySpec, parseEndpoint, checkGuestPath } from './spec.js';
export type { CopySpec, CopyEndpoint } from './spec.js';
export { planTarget, baseOf } from './plan.js';
export type { PathKind, CopyTarget } from './plan.js';
export { packHostPath } from './pack.js';
export { createSafeExtractor, entrySegments, UnsafeEntryError } from './extract.js';
export { copyIn, copyOut, checkHostSource } from './copy.js';
export type { CopySummary } from './copy.js';
export { createTransferProgress, formatBytes, formatRate } from './progress.js';
