export type { CommandRunner, CommandResult, RunOptions, RecordedCommand, ScriptedReply } from './runner.js';
export { CommandSpawnError, createExecFileRunner, createNetnsRunner, createRecordingRunner, describeCommand } from './runner.js';
export { runChecked } from './checked.js';
export { SBIN_DIRS, ensureToolPath, withSbinDirs } from './tool-path.js';
