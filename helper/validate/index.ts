export type { HelperPolicy } from './policy.js';
export { DEFAULT_BRIDGE, DEFAULT_TAP_PREFIX, DEFAULT_CIDR } from './policy.js';
export type { RefusalCode } from './refuse.js';
export { refuse } from './refuse.js';
export { assertNoMetachar } from './metachar.js';
export { BRIDGE_NAME_RE, TAP_PREFIX_RE, TAP_NAME_RE, LOOP_DEVICE_RE, DM_NAME_RE, checkBridgeName, checkTapName, checkLoopDevice, checkDmName, policyProblem } from './names.js';
export { checkGuestIp, checkBridgeAddress, checkDnsServer } from './ips.js';
export { resolveInsideRoots, normaliseRoots } from './paths.js';
export { validateOpParams } from './op-params.js';
