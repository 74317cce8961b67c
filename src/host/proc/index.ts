export {
  parseProcStat,
  readProcStat,
  processStartTime,
  isProcessAlive,
  readCmdline,
  findProcesses,
  waitForExit,
  signalProcess,
  processMetrics,
  stopThenKill,
} from './process.js';
