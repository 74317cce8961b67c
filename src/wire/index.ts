export { LineDecoder, LineTooLongError, encodeLine, readMessages } from './framing.js';
export { RpcConnection } from './connection.js';
export type { LineHandler } from './connection.js';
export { receiveLine } from './envelope.js';
export { RpcSocketServer } from './socket-server.js';
export { packageVersion } from './version.js';
