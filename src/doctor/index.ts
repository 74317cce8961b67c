export type {
  CheckStatus,
  CheckResult,
  AcceleratorReport,
  VmDefaultReport,
  DoctorPorts,
  VmmSetting,
  VmmConfigReport,
  DeviceMapperReport,
  OwnerImagesReport,
} from './types.js';
export type { DoctorCheck } from './checks.js';
export type { HostDoctorOptions } from './host-ports.js';
export { createHostDoctorPorts, acceleratorReport } from './host-ports.js';
export {
  HOST_TOOLS,
  ALL_CHECKS,
  runDoctor,
  doctorPassed,
  formatDoctor,
  checkArchitecture,
  checkAccelerator,
  checkVmm,
  qemuMachine,
  checkHostTools,
  checkHelper,
  checkDatabase,
  checkDefaultImage,
  checkOwnerImages,
  checkFreeDisk,
  checkSshInclude,
  checkVmDefaults,
} from './checks.js';
