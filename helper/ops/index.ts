export type { HostPort, OpContext } from './context.js';
export { realHost } from './context.js';
export type { OpHandler } from './handlers.js';
export { OP_HANDLERS } from './handlers.js';
