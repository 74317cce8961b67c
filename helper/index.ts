export type { HelperOpName, PrivilegedOps } from '../src/model/helper-ops.js';
export { createOpExecutor, createInProcessOps } from './executor.js';
export type { HelperServer } from './server.js';
export { startHelperServer } from './server.js';
export type { HelperClient } from './client.js';
export { createHelperClient } from './client.js';
export { parseHelperArgs } from './args.js';
