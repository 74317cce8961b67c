export { parseCopySpec, parseEndpoint } from './spec.js';
export { planTarget, baseOf } from './plan.js';
export type { PathKind } from './plan.js';
export { packHostPath } from './pack.js';
export { createSafeExtractor } from './extract.js';
export { copyIn, copyOut, checkHostSource } from './copy.js';
export { extractCommand, guestPathArg, guestTarError, packCommand, probeDestCommand } from './remote.js';
export { createTransferProgress, formatBytes, formatRate } from './progress.js';
