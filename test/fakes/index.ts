export { FakeHelper } from './fake-helper.js';
export type { FakeHelperOptions } from './fake-helper.js';
export { createFakePorts, createFakeStorage, silentLogger } from './fake-ports.js';
export type { FakePortsBundle } from './fake-ports.js';
export { healthyDoctorPorts, FAKE_CONFIG_FILE } from './fake-doctor-ports.js';
