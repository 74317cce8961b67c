export { supervisorMachine, vmActorId } from './machine.js';
export type { SupervisorMachine } from './machine.js';
export { provideSupervisor, isStable, STABLE_VM_STATES } from './actors.js';
export type { SupervisorOptions } from './actors.js';
export { reconcile } from './reconcile.js';
export type { ReconcilePorts } from './reconcile.js';
export { createVmService, failureToError } from './service.js';
export type { VmService, VmOp } from './service.js';
export type { SupervisorEvent, SupervisorInput, ReconcileOutput, ReconcileReport } from './events.js';
