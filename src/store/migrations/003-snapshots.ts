import type { Migration } from './types.js';

/**
 * Version 3: snapshots. `status` is `pending` while one is being taken: a
 * crash leaves such a row, and the next bangerd start finishes or removes it
 * (src/snapshots/recover.ts), so no half snapshot is ever listed. No foreign
 * keys: a snapshot outlives the VM it was taken of, and an image may be
 * deleted under it (restoring it is then refused by name).
 */
export const snapshots: Migration = {
  version: 3,
  name: 'snapshots',
  up(db) {
    db.exec(`
      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        kind TEXT NOT NULL,
        purpose TEXT NOT NULL,
        vm_id TEXT NOT NULL,
        vm_name TEXT NOT NULL,
        image_id TEXT NOT NULL,
        vmm TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        guest_ip TEXT NOT NULL,
        dir TEXT NOT NULL,
        files_json TEXT NOT NULL,
        parent_id TEXT,
        warm_key TEXT,
        size_bytes INTEGER NOT NULL DEFAULT 0,
        paused_ms INTEGER,
        created_at TEXT NOT NULL
      );
      CREATE INDEX snapshots_vm_id ON snapshots(vm_id);
      CREATE INDEX snapshots_warm_key ON snapshots(warm_key);
    `);
  },
};
