export { loadConfig, parseConfig } from './load.js';
export type { ReadText } from './load.js';
export { ConfigSchema, FileSyncSchema, VmDefaultsSchema, StandinSchema } from './schema.js';
export type { Config, ConfigInput } from './schema.js';
export { resolveVmDefaults, hostFacts, BUILTIN_VM_DEFAULTS } from './vm-defaults.js';
export type { VmDefaults, Resolved, Provenance, HostFacts } from './vm-defaults.js';
export { parseDuration } from './duration.js';
