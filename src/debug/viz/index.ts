export { startVizServer } from './server.js';
export type { VizServer } from './server.js';
export { layoutGraph } from './layout.js';
export type { VizActor, VizEvent, VizSource, PositionedGraph, PositionedNode } from './types.js';
