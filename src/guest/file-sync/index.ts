export { stageFileSync, guestRelative } from './stage.js';
export type { FileSyncOutcome } from './stage.js';
