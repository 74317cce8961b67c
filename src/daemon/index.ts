export { startDaemon, socketAnswers } from './daemon.js';
export type { StartDaemonOptions, RunningDaemon } from './daemon.js';
export type { DaemonContext, DaemonServices, VmQueries, Clock } from './context.js';
export { createDispatcher, lineHandler } from './server.js';
export { acquireLock, readPid, isDaemonProcess } from './lock.js';
export type { DaemonLock, LockProbe } from './lock.js';
export { createFileLogger } from './logger.js';
export { METHOD_TABLES, daemonMethods, vmMethods, imageMethods } from './methods/index.js';
export type { MethodTable, MethodEntry, CallInfo } from './methods/index.js';
