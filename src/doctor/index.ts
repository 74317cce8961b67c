export type {
  CheckStatus,
  CheckResult,
  AcceleratorReport,
  VmDefaultReport,
  DoctorPorts,
  VmmSetting,
  VmmConfigReport,
  DeviceMapperReport,
  TunAccessReport,
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
  checkTun,
  checkNetwork,
  checkAccelerator,
  checkVmm,
  checkHostTools,
  checkIpForward,
  checkHelper,
  checkDatabase,
  checkDefaultImage,
  checkOwnerImages,
  checkFreeDisk,
  checkSshInclude,
  checkVmDefaults,
} from './checks.js';
