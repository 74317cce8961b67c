export type { CommandRunner, CommandResult } from './runner.js';
export { run, runStatus, runChecked, createExecFileRunner, createNetnsRunner, createRecordingRunner, which, whichTool, toolEnv } from './runner.js';
export { withSbinDirs } from './tool-path.js';
