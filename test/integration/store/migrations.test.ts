import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, openStore, schemaVersion } from '../../../src/store/index.js';
import { createTempRoot, makeImage, makeVm, type TempRoot } from '../../helpers/index.js';

/**
 * Rows as each schema version stored them. Adding a migration means adding
 * the version it leaves behind here; the test below fails until you do.
 */
const SEEDERS: Record<number, (db: Database.Database) => void> = {
  1: (db) => {
    const img = makeImage();
    db.prepare(
      `INSERT INTO images (id, name, profile, managed, artifact_dir, rootfs_path, kernel_path, size_bytes, created_at, updated_at)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
    ).run(img.id, img.name, img.profile, img.artifactDir, img.rootfsPath, img.kernelPath, 4096, img.createdAt, img.updatedAt);
    for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
      const vm = makeVm({ id: String(i).repeat(32), name, guestIP: `172.16.0.${i + 2}`, updatedAt: `2026-01-0${i + 1}T00:00:00.000Z` });
      db.prepare(
        `INSERT INTO vms (id, name, image_id, state, vmm, guest_ip, spec_json, runtime_json, stats_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)`,
      ).run(vm.id, vm.name, vm.imageId, vm.state, vm.vmm, vm.runtime.guestIP, JSON.stringify(vm.spec), JSON.stringify(vm.runtime), vm.createdAt, vm.updatedAt);
    }
  },
  // v2 added last_touched_at and workspace_json to vms.
  2: (db) => {
    SEEDERS[1]!(db);
    db.prepare("UPDATE vms SET last_touched_at = updated_at, workspace_json = NULL").run();
  },
  // v3 added snapshots (v4's forwards reference vms, so the VM rows must survive untouched).
  3: (db) => {
    SEEDERS[2]!(db);
    const vm = db.prepare('SELECT id, name, image_id, vmm, spec_json, guest_ip FROM vms ORDER BY id LIMIT 1').get() as Record<string, string>;
    db.prepare(
      `INSERT INTO snapshots (id, name, status, kind, purpose, vm_id, vm_name, image_id, vmm, spec_json, guest_ip, dir, files_json, size_bytes, created_at)
       VALUES (?, 'alpha-s1', 'ready', 'disk', 'user', ?, ?, ?, ?, ?, ?, '/nonexistent/snap', '{}', 1024, '2026-01-05T00:00:00.000Z')`,
    ).run('s'.repeat(32), vm.id, vm.name, vm.image_id, vm.vmm, vm.spec_json, vm.guest_ip);
  },
  // v4 added forwards (v5 only adds a column to images: every image row then has no vmlinux).
  4: (db) => {
    SEEDERS[3]!(db);
    db.prepare(
      `INSERT INTO forwards (id, vm_id, proto, host_ip, host_port, guest_port, created_at)
       VALUES (?, ?, 'tcp', '127.0.0.1', 8080, 80, '2026-01-06T00:00:00.000Z')`,
    ).run('f'.repeat(32), '0'.repeat(32));
  },
  // v5 added images.vmlinux_path (v6 adds source_json: every row then has no recorded source). An imported
  // image too: its derived source differs from a built one's.
  5: (db) => {
    SEEDERS[4]!(db);
    db.prepare(
      `INSERT INTO images (id, name, profile, managed, artifact_dir, rootfs_path, kernel_path, vmlinux_path, created_at, updated_at)
       VALUES (?, 'old-import', 'imported', 1, '/state/images/i', '/state/images/i/rootfs.ext4', '/state/images/i/vmlinuz', '/state/images/i/vmlinux', ?, ?)`,
    ).run('i'.repeat(32), '2026-01-07T00:00:00.000Z', '2026-01-07T00:00:00.000Z');
  },
};

let temp: TempRoot;
beforeEach(() => (temp = createTempRoot()));
afterEach(() => temp.remove());

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('an empty database migrates straight to the latest version', () => {
    const store = openStore(temp.layout.dbPath);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    store.close();
  });

  const earlier = Array.from({ length: LATEST_SCHEMA_VERSION - 1 }, (_, i) => i + 1);
  it.each(earlier)('a database at version %i migrates to the latest without losing rows', (version) => {
    const seeder = SEEDERS[version];
    expect(seeder, `add a seeder for schema version ${version}`).toBeDefined();
    const path = `${temp.root}/v${version}.db`;
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    expect(migrate(db, { target: version })).toBe(version);
    seeder!(db);
    const before = {
      images: db.prepare('SELECT * FROM images ORDER BY id').all(),
      vmIds: db.prepare('SELECT id, name, guest_ip, updated_at FROM vms ORDER BY id').all(),
    };
    db.close();

    const store = openStore(path);
    try {
      expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      // Every row is still there and reads through the typed repos.
      // Columns added since (v5's vmlinux_path, v6's source_json) read NULL: bangerd fills vmlinux_path in at start,
      // and the source is derived from the profile on every read, never written back.
      const after = () => store.db.prepare('SELECT * FROM images ORDER BY id').all();
      expect(after()).toEqual(before.images.map((r) => ({ vmlinux_path: null, source_json: null, ...(r as object) })));
      expect(store.images.list()[0]?.vmlinuxPath).toBeUndefined();
      expect(store.images.list()[0]?.source).toEqual({ kind: 'profile', profile: 'minimal' });
      if (version >= 5) expect(store.images.getByName('old-import')?.source).toEqual({ kind: 'import' });
      expect(after()).toEqual(before.images.map((r) => ({ vmlinux_path: null, source_json: null, ...(r as object) })));
      const vms = store.vms.list();
      expect(vms.map((v) => ({ id: v.id, name: v.name, guest_ip: v.runtime.guestIP, updated_at: v.updatedAt }))).toEqual(before.vmIds);
      // Version 2 backfills last_touched_at so the stale sweeper does not fire at once.
      for (const vm of vms) expect(vm.lastTouchedAt).toBe(vm.updatedAt);
      expect(store.images.list()[0]?.sizeBytes).toBe(4096);
      if (version >= 3) expect(store.db.prepare('SELECT name FROM snapshots').all()).toEqual([{ name: 'alpha-s1' }]);
      if (version >= 4) expect(store.db.prepare('SELECT host_port FROM forwards').all()).toEqual([{ host_port: 8080 }]);
    } finally {
      store.close();
    }
  });

  it('a failing migration rolls back to the previous version', () => {
    const path = `${temp.root}/fail.db`;
    const db = new Database(path);
    const broken = [...MIGRATIONS.slice(0, 1), { version: 2, name: 'broken', up: (d: Database.Database) => d.exec('ALTER TABLE vms ADD COLUMN x TEXT; SELECT nope FROM nowhere;') }];
    expect(() => migrate(db, { migrations: broken })).toThrow(/no such table|no such column/);
    expect(schemaVersion(db)).toBe(1);
    expect((db.prepare('PRAGMA table_info(vms)').all() as { name: string }[]).map((c) => c.name)).not.toContain('x');
    db.close();
  });

  it('refuses a database from a newer banger', () => {
    const path = `${temp.root}/new.db`;
    openStore(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version VALUES (99, 'future', 'x')").run();
    db.close();
    expect(() => openStore(path)).toThrow(/schema version 99 is newer/);
  });

  it('006 on a database at 005: source_json is added with the digest index, and findByPulledDigest goes through it (issue 20)', () => {
    const path = `${temp.root}/v5.db`;
    const db = new Database(path);
    migrate(db, { target: 5 });
    SEEDERS[5]!(db);
    db.close();

    const store = openStore(path);
    try {
      expect(store.schemaVersion()).toBe(6);
      const columns = (store.db.prepare('PRAGMA table_info(images)').all() as { name: string; type: string; notnull: number }[]).find((c) => c.name === 'source_json');
      expect(columns).toMatchObject({ type: 'TEXT', notnull: 0 });
      const digest = `sha256:${'7'.repeat(64)}`;
      const pulled = makeImage({ id: 'p'.repeat(32), name: 'deb', profile: 'imported', source: { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest, platform: 'linux/amd64' } });
      store.images.insert(pulled);
      expect(store.images.findByPulledDigest(digest)).toEqual(pulled);
      expect(store.images.findByPulledDigest(`sha256:${'8'.repeat(64)}`)).toBeUndefined();
      const plan = store.db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM images WHERE json_extract(source_json, '$.digest') = ? AND json_extract(source_json, '$.kind') = 'pull' ORDER BY created_at, id LIMIT 1`)
        .all(digest) as { detail: string }[];
      expect(plan.map((p) => p.detail).join('; ')).toContain('USING INDEX images_pulled_digest');
    } finally {
      store.close();
    }
  });
});
