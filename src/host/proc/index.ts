export { run, runStatus, which } from './run.js';
export type { RunOptions, RunResult } from './run.js';
