export { runCli } from './program.js';
export type { RunCliOptions } from './program.js';
export { GROUPS } from './commands/index.js';
export type { CommandGroup, CommandEntry, CommandModule, CommandInput, CommandOutput, CliContext } from './commands/index.js';
export { print, renderTable, renderFields, age } from './output.js';
export { reportError } from './report-error.js';
export type { ReportIo } from './report-error.js';
export { ensureDaemon, tryHello, shutdownAndWait, defaultDaemonMain, isAlive } from './daemon-client.js';
export type { EnsureDaemonOptions } from './daemon-client.js';
