export type { UnitParams } from './units.js';
export { HELPER_UNIT, DAEMON_UNIT, renderHelperUnit, renderDaemonUnit } from './units.js';
export type { InstalledFile, InstallMetadata, PlannedFile, InstallOptions, FileStatus, UninstallResult } from './install.js';
export { UNIT_DIR, TOKEN_PATH, METADATA_PATH, planInstall, installFiles, readMetadata, fileStatuses, uninstallFiles } from './install.js';
export { systemdRunning, assertSystemd, systemctlPlans, runSystemctl, unitStates, UNITS } from './systemctl.js';
export type { SystemService, SystemServiceDeps, InstallRequest, SystemStatus } from './service.js';
export { createSystemService } from './service.js';
