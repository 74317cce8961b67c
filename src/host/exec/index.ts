export type { CommandRunner, CommandResult, RunResult, RunOptions, RecordedCommand, ScriptedReply } from './runner.js';
export { run, runStatus, runChecked, createExecFileRunner, createNetnsRunner, createRecordingRunner, describeCommand, which, whichTool, toolEnv } from './runner.js';
export { SBIN_DIRS, ensureToolPath, withSbinDirs } from './tool-path.js';
