export { startVizServer } from './server.js';
export type { VizServer } from './server.js';
export { layoutGraph } from './layout.js';
export type { VizActor, VizEvent, VizSource, PositionedGraph, PositionedNode } from './types.js';
export { createDaemonVizSource, statePathToIds } from './daemon-source.js';
export type { DaemonVizSource, DaemonVizSourceOptions } from './daemon-source.js';
