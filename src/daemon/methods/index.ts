import { daemonMethods } from './daemon.js';
import { debugMethods } from './debug.js';
import { eventMethods } from './events.js';
import { forwardMethods } from './forward.js';
import { imageMethods } from './image.js';
import type { MethodTable } from './types.js';
import { snapshotMethods } from './snapshot.js';
import { vmMethods } from './vm.js';

export type { MethodTable, MethodEntry, CallInfo } from './types.js';
export { daemonMethods, vmMethods, imageMethods, eventMethods, debugMethods, snapshotMethods, forwardMethods };

/** Every group the daemon serves. A new group is one file plus one entry here. */
export const METHOD_TABLES: readonly MethodTable[] = [daemonMethods, vmMethods, snapshotMethods, forwardMethods, imageMethods, eventMethods, debugMethods];
