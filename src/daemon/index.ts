export { startDaemon, socketAnswers } from './daemon.js';
export type { RunningDaemon } from './daemon.js';
export type { DaemonContext } from './context.js';
export { createDispatcher } from './server.js';
export { acquireLock, readPid } from './lock.js';
export type { LockProbe } from './lock.js';
export { METHOD_TABLES } from './methods/index.js';
export type { MethodTable, CallInfo } from './methods/index.js';
