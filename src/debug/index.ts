export { startVizServer, layoutGraph, createDaemonVizSource, statePathToIds } from './viz/index.js';
export type { VizServer, VizActor, VizEvent, VizSource, PositionedGraph, PositionedNode, DaemonVizSource, DaemonVizSourceOptions } from './viz/index.js';
