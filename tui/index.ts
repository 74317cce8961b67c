export { App } from './app.js';
export type { TuiSource, VmTransitionEvent, VmStatsEvent, ConnectionState, ConnectionInfo, VmAction } from './source.js';
export { createDaemonSource } from './daemon-source.js';
export type { DaemonTuiSource } from './daemon-source.js';
export { intentFor, helpSections, splitKeys, HELP_LINE, BINDINGS } from './key-bindings.js';
export { visibleColumns } from './format.js';
export { colorsWanted } from './colors.js';
export { guardTerminal, signalExitCode } from './terminal-guard.js';
export type { GuardProcess, GuardedSignal } from './terminal-guard.js';
/** @public the crash fixture of test/integration/tui runs it from dist/ */
export { runFullScreen } from './run-full-screen.js';
export { runTui, shellOutcome } from './run-tui.js';
export type { InteractiveCommand, InteractiveResult } from './run-interactive.js';
