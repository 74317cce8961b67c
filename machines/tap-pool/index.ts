export { tapPoolMachine } from './machine.js';
