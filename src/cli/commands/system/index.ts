export { registerSystemCommands } from './register.js';
