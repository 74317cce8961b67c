export { run, runStatus, toolEnv, which, whichTool } from './run.js';
export type { RunOptions, RunResult } from './run.js';
export {
  parseProcStat,
  readProcStat,
  processStartTime,
  isProcessAlive,
  readCmdline,
  findProcesses,
  findPidsByArg,
  waitForExit,
  signalProcess,
  processMetrics,
  sampleProcess,
  stopThenKill,
} from './process.js';
export type { ProcStat, ProcessMetrics } from './process.js';
