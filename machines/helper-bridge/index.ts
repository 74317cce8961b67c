export { helperBridgeMachine } from './machine.js';
