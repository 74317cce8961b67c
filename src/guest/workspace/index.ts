export { prepareWorkspace } from './prepare.js';
export type { PrepareOptions, PreparedWorkspace } from './prepare.js';
export { runGit } from './git.js';
export type { GitRunner } from './git.js';
export { copyDirToGuest } from './copy.js';
