export { vmMachine } from './machine.js';
export { vmActions } from './actors.js';
export type { VmContext } from './events.js';
export type { Release } from './releases.js';
