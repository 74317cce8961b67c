export { App } from './app.js';
export type { TuiSource, VmTransitionEvent, VmStatsEvent, ConnectionState, ConnectionInfo, VmAction } from './source.js';
export { createDaemonSource } from './daemon-source.js';
export type { DaemonTuiSource } from './daemon-source.js';
export { intentFor } from './key-bindings.js';
export { visibleColumns } from './format.js';
export { guardTerminal, signalExitCode } from './terminal-guard.js';
export type { GuardProcess, GuardedSignal } from './terminal-guard.js';
export { runFullScreen } from './run-full-screen.js';
