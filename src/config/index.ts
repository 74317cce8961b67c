export { loadConfig, parseConfig } from './load.js';
export type { Config } from './schema.js';
export { resolveVmDefaults, BUILTIN_VM_DEFAULTS } from './vm-defaults.js';
export { parseDuration } from './duration.js';
