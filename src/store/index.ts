export { openStore, openReadOnly, LATEST_SCHEMA_VERSION } from './open.js';
export type { Store, OpenStoreOptions } from './open.js';
export { migrate, schemaVersion } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
export type { Migration } from './migrations/index.js';
export { ImagesRepo } from './images-repo.js';
export { VmsRepo } from './vms-repo.js';
