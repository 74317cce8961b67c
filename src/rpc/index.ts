// Types only from methods.ts: its zod schemas stay out of the CLI's startup path.
// The daemon imports METHOD_PARAMS and the schemas from './methods.js' directly.
export { PROTOCOL_VERSION } from './protocol.js';
export type { MethodResults } from './methods.js';
export { LineDecoder, LineTooLongError, encodeLine } from './framing.js';
export { RpcConnection } from './connection.js';
export { receiveLine, serialiseReply } from './envelope.js';
export type { LineHandler } from './connection.js';
export { RpcSocketServer } from './socket-server.js';
export { RpcClient } from './client.js';
export { packageVersion } from './version.js';
