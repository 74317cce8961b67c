export { renderHelperUnit, renderDaemonUnit } from './units.js';
export { METADATA_PATH } from './install.js';
export { systemctlPlans } from './systemctl.js';
export type { SystemService } from './service.js';
export { createSystemService } from './service.js';
