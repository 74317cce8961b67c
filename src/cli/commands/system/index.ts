export type { SystemCommandDeps } from './register.js';
export { registerSystemCommands } from './register.js';
