// Types only from methods.ts: its zod schemas stay out of the CLI's startup path.
// The daemon imports METHOD_PARAMS and the schemas from './methods.js' directly.
export { PROTOCOL_VERSION } from './protocol.js';
export type { MethodName, MethodParams, MethodResult, MethodResults, DaemonStatus } from './methods.js';
export { LineDecoder, LineTooLongError, encodeLine, MAX_LINE_BYTES } from './framing.js';
export { RpcConnection } from './connection.js';
export { receiveLine, envelopeProblem, serialiseReply, MAX_BATCH } from './envelope.js';
export type { LineHandler, RpcConnectionOptions } from './connection.js';
export { RpcSocketServer } from './socket-server.js';
export type { RpcSocketServerOptions } from './socket-server.js';
export { RpcClient } from './client.js';
export { packageVersion } from './version.js';
export type { ConnectOptions, NotificationHandler } from './client.js';
