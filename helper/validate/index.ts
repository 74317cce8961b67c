export type { HelperPolicy } from './policy.js';
export { DEFAULT_BRIDGE, DEFAULT_TAP_PREFIX, DEFAULT_CIDR, DEFAULT_HOSTS_FILE } from './policy.js';
export { refuse } from './refuse.js';
export { policyProblem } from './names.js';
export { resolveInsideRoots, normaliseRoots } from './paths.js';
export { validateOpParams } from './op-params.js';
