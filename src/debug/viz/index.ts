export { startVizServer } from './server.js';
export type { VizServer } from './server.js';
export { layoutGraph } from './layout.js';
export type { PositionedGraph, VizActor, VizEvent } from './types.js';
export { createDaemonVizSource, createVizTracker, statePathToIds } from './daemon-source.js';
export type { DaemonVizSource, VizCall, VizTracker } from './daemon-source.js';
