export { createVmRuntimePorts } from './factory.js';
export type { VmRuntimePorts, VmRuntimeOptions, RealVmm } from './factory.js';
export { createQemuStorage, createFirecrackerStorage, dmNameFor } from './storage.js';
export type { StorageOptions, FirecrackerStorageOptions, StoragePrivilegedOps } from './storage.js';
export { createLaunchPlanner } from './planner.js';
export type { PlannerOptions } from './planner.js';
export { createSshGuestReady } from './guest-ready.js';
export type { GuestReadyOptions } from './guest-ready.js';
export type { ImageSource } from './image-lookup.js';
