export type { GuestListener } from './types.js';
export { mergeListeners } from './merge.js';
export { probeHttp, labelHttpRows } from './probe.js';
export { formatPortsTable } from './format.js';
export { withForwards } from './forwards.js';
