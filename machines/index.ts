/** The actor system's public surface: what bangerd and tools import. */
export { createBangerSystem } from './system.js';
export type { BangerSystem } from './system.js';
export type { BangerPorts, VmStorePort, VmPatch, RuntimeMirror, VmRecordFactory } from './ports.js';
export type { VmService } from './supervisor/service.js';
export type { VmSnapshotPlan } from './vm/events.js';
export { vmMachine } from './vm/index.js';
export { supervisorMachine } from './supervisor/machine.js';
export { tapPoolMachine } from './tap-pool/index.js';
export { dnsMachine } from './dns/index.js';
export type { HostDnsMode } from './dns/index.js';
export { helperBridgeMachine } from './helper-bridge/index.js';
