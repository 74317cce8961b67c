/** The actor system's public surface: what bangerd and tools import. */
export { createBangerSystem } from './system.js';
export type { BangerSystem, BangerSystemOptions } from './system.js';
export type {
  BangerPorts,
  VmStorePort,
  VmPatch,
  RuntimeMirror,
  VmRecordFactory,
  StoragePort,
  PreparedStorage,
  Announce,
  LaunchPlanner,
  GuestReadyPort,
  HandlesPort,
  HostProbePort,
  DnsServerFactory,
  Clock,
  Logger,
} from './ports.js';
export type { VmService, VmOp } from './supervisor/service.js';
export { failureToError } from './supervisor/service.js';
export type { ReconcileReport } from './supervisor/events.js';
export { toInspectRecord, stateName } from './inspect.js';
export { vmMachine, STEP } from './vm/index.js';
export type { Release, VmFailure } from './vm/index.js';
export { supervisorMachine } from './supervisor/machine.js';
export { tapPoolMachine } from './tap-pool/index.js';
export { dnsMachine } from './dns/index.js';
export type { HostDnsMode } from './dns/index.js';
export { helperBridgeMachine } from './helper-bridge/index.js';
