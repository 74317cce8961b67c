export { LineDecoder, LineTooLongError, encodeLine, readMessages, MAX_LINE_BYTES } from './framing.js';
export { RpcConnection } from './connection.js';
export type { LineHandler, RpcConnectionOptions } from './connection.js';
export { receiveLine, envelopeProblem, serialiseReply, MAX_BATCH } from './envelope.js';
export { RpcSocketServer } from './socket-server.js';
export type { RpcSocketServerOptions } from './socket-server.js';
export { packageVersion } from './version.js';
