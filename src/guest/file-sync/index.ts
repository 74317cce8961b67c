export { stageFileSync, guestRelative } from './stage.js';
