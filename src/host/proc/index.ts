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
