export { prepareWorkspace } from './prepare.js';
export type { PreparedWorkspace } from './prepare.js';
export { copyDirToGuest } from './copy.js';
