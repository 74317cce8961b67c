export type { CheckResult, AcceleratorReport, DoctorPorts, VmmConfigReport, DeviceMapperReport } from './types.js';
export type { HostDoctorOptions } from './host-ports.js';
export { createHostDoctorPorts, acceleratorReport } from './host-ports.js';
export {
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
  checkImages,
  checkOwnerImages,
  checkFreeDisk,
  checkSnapshots,
  checkSshInclude,
  checkVmDefaults,
} from './checks.js';
