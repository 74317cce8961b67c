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
