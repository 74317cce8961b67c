export { openStore, openReadOnly, LATEST_SCHEMA_VERSION } from './open.js';
export type { Store } from './open.js';
export { migrate, schemaVersion } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
