export { createVmSystem } from './vm-system.js';
export type { VmSystem, VmSystemOptions } from './vm-system.js';
export { EventHub } from './event-hub.js';
export { createVmRecordFactory } from './record-factory.js';
export { createVmStorePort, applyVmPatch } from './store-port.js';
