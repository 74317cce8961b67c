export { startVizServer } from './server.js';
export type { VizServer } from './server.js';
export { layoutGraph } from './layout.js';
export type { VizEvent } from './types.js';
export { createDaemonVizSource, statePathToIds } from './daemon-source.js';
export type { DaemonVizSource } from './daemon-source.js';
