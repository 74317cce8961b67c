export { pullImage, resolveImage } from './pull.js';
export { parseBootablePlatform } from './manifest.js';
export type { LayerProgress, PulledImage, PullOptions, ResolvedImage, ResolveOptions } from './pull.js';
export { parseReference } from './reference.js';
export { writePulledLayout } from './layout.js';
