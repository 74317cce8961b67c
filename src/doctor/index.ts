export type { CheckStatus, CheckResult, AcceleratorReport, VmDefaultReport, DoctorPorts } from './types.js';
export {
  HOST_TOOLS,
  ALL_CHECKS,
  runDoctor,
  formatDoctor,
  checkArchitecture,
  checkAccelerator,
  checkVmmBinaries,
  checkHostTools,
  checkHelper,
  checkDatabase,
  checkDefaultImage,
  checkFreeDisk,
  checkSshInclude,
  checkVmDefaults,
} from './checks.js';
