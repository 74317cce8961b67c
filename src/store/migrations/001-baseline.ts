import type { Migration } from './types.js';

/** Version 1: images and vms with spec/runtime/stats as JSON columns. */
export const baseline: Migration = {
  version: 1,
  name: 'baseline',
  up(db) {
    db.exec(`
      CREATE TABLE images (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        profile TEXT NOT NULL,
        managed INTEGER NOT NULL DEFAULT 1,
        artifact_dir TEXT NOT NULL,
        rootfs_path TEXT NOT NULL,
        work_seed_path TEXT,
        kernel_path TEXT NOT NULL,
        initrd_path TEXT,
        modules_dir TEXT,
        kernel_args TEXT,
        size_bytes INTEGER,
        ssh_key_fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE vms (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE RESTRICT,
        state TEXT NOT NULL,
        vmm TEXT NOT NULL,
        guest_ip TEXT NOT NULL UNIQUE,
        spec_json TEXT NOT NULL,
        runtime_json TEXT NOT NULL,
        stats_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `);
  },
};
