export { run, runStatus, toolEnv, which, whichTool } from './run.js';
export type { RunOptions, RunResult } from './run.js';
