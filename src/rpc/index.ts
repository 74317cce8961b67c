// Types only from methods.ts: its zod schemas stay out of the CLI's startup path.
// The daemon imports METHOD_PARAMS and the schemas from './methods.js' directly.
// The NDJSON framing, connections and socket server (shared with banger-helper) live in src/wire.
export { PROTOCOL_VERSION } from './protocol.js';
export type { MethodResults } from './methods.js';
export { RpcClient } from './client.js';
