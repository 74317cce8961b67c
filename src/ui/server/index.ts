export { assertLoopbackHost, startUiServer } from './server.js';
export type { UiServer, UiServerDeps, UiServerOptions } from './server.js';
