export { runCli } from './program.js';
export type { CommandGroup } from './commands/index.js';
export { print, renderTable, renderFields, age } from './output.js';
export { reportError } from './report-error.js';
