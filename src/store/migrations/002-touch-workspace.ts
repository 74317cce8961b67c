import type { Migration } from './types.js';

/**
 * Version 2: `last_touched_at` for the stale-VM sweeper (backfilled from
 * updated_at so existing VMs are not swept at once), the prepared workspace,
 * and indexes for the queries the supervisor runs at every start.
 */
export const touchWorkspace: Migration = {
  version: 2,
  name: 'touch-workspace',
  up(db) {
    db.exec(`
      ALTER TABLE vms ADD COLUMN last_touched_at TEXT;
      UPDATE vms SET last_touched_at = updated_at WHERE last_touched_at IS NULL;
      ALTER TABLE vms ADD COLUMN workspace_json TEXT;
      CREATE INDEX vms_state ON vms(state);
      CREATE INDEX vms_image_id ON vms(image_id);
    `);
  },
};
