export { helperBridgeMachine } from './machine.js';
export type { HelperBridgeMachine } from './machine.js';
export { provideHelperBridge, callPrivileged, runHelperCall, isRetryable, DEFAULT_RETRY } from './actors.js';
export type { HelperBridgeEvent, HelperBridgeContext, HelperCall, RetryPolicy } from './events.js';
