export { tapPoolMachine, tapName, tapIndex } from './machine.js';
export type { TapPoolMachine } from './machine.js';
export { provideTapPool, acquireTap } from './actors.js';
export type { TapPoolEvent, TapPoolInput, TapPoolContext, TapGrant } from './events.js';
