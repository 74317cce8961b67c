export { assertLoopbackHost, startUiServer } from './server.js';
export type { UiServer } from './server.js';
