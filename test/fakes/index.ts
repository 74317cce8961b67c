export { FakeHelper } from './fake-helper.js';
export type { HostModel, FakeHelperOptions } from './fake-helper.js';
export { createFakeVmm } from './fake-vmm.js';
export type { FakeVmm, FakeVmmOverrides } from './fake-vmm.js';
export { MemoryVmStore } from './memory-store.js';
export { createFakePorts, createFakeStorage, MemoryHandles, silentLogger, nullDnsServer } from './fake-ports.js';
export type { FakePortsBundle } from './fake-ports.js';
export { healthyDoctorPorts, FAKE_CONFIG_FILE } from './fake-doctor-ports.js';
