import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/errors/index.js';
import { LATEST_SCHEMA_VERSION, openReadOnly, openStore, type Store } from '../../../src/store/index.js';
import { createTempRoot, makeImage, makeVm, type TempRoot } from '../../helpers/index.js';

let temp: TempRoot;
let store: Store;

beforeEach(() => {
  temp = createTempRoot();
  store = openStore(temp.layout.dbPath);
});
afterEach(() => {
  store.close();
  temp.remove();
});

describe('openStore', () => {
  it('creates the database at the latest schema with WAL and foreign keys', () => {
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('is idempotent: reopening does not re-run migrations', () => {
    store.close();
    store = openStore(temp.layout.dbPath);
    const rows = store.db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get();
    expect(rows).toBe(LATEST_SCHEMA_VERSION);
  });
});

describe('openReadOnly', () => {
  it('fails with a NotFound naming the daemon when the file is missing', () => {
    expect(() => openReadOnly(`${temp.root}/missing.db`)).toThrow(NotFoundError);
    try {
      openReadOnly(`${temp.root}/missing.db`);
    } catch (err) {
      expect((err as NotFoundError).hint).toMatch(/banger daemon start/);
    }
  });

  it('reads rows and refuses writes', () => {
    store.images.insert(makeImage());
    const ro = openReadOnly(temp.layout.dbPath);
    try {
      expect(ro.images.list()).toHaveLength(1);
      expect(() => ro.images.insert(makeImage({ id: 'c'.repeat(32), name: 'other' }))).toThrow(/readonly/);
    } finally {
      ro.close();
    }
  });
});

describe('ImagesRepo', () => {
  it('round-trips every field, optional ones included', () => {
    const full = makeImage({ initrdPath: '/i', vmlinuxPath: '/v', modulesDir: '/m', kernelArgs: 'quiet', sizeBytes: 123, sshKeyFingerprint: 'SHA256:x', workSeedPath: '/w', managed: false });
    store.images.insert(full);
    expect(store.images.getById(full.id)).toEqual(full);
    expect(store.images.getByName('default')).toEqual(full);
    const bare = makeImage({ id: 'd'.repeat(32), name: 'bare' });
    store.images.insert(bare);
    expect(store.images.getByName('bare')).toEqual(bare);
    expect(store.images.list().map((i) => i.name)).toEqual(['bare', 'default']);
  });

  it.each([
    ['a profile build', { kind: 'profile', profile: 'debian' }],
    ['an import', { kind: 'import', path: '/home/u/x.tar', format: 'docker' }],
    ['a pull through an index', { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest: `sha256:${'1'.repeat(64)}`, platform: 'linux/amd64', indexDigest: `sha256:${'2'.repeat(64)}` }],
  ] as const)('round-trips the source of %s (issue 20)', (_what, source) => {
    const img = makeImage({ source });
    store.images.insert(img);
    expect(store.images.getById(img.id)).toEqual(img);
    expect(JSON.parse(store.db.prepare('SELECT source_json FROM images WHERE id = ?').pluck().get(img.id) as string)).toEqual(source);
    expect(store.images.findByPulledDigest(`sha256:${'1'.repeat(64)}`)?.id).toBe(source.kind === 'pull' ? img.id : undefined);
    // An index digest is not the image's digest: a second pull compares manifest digests only.
    expect(store.images.findByPulledDigest(`sha256:${'2'.repeat(64)}`)).toBeUndefined();
  });

  it('a row without a source reads one derived from its profile, and a corrupt one fails naming the row', () => {
    store.images.insert(makeImage({ source: undefined }));
    store.images.insert(makeImage({ id: 'c'.repeat(32), name: 'imp', profile: 'imported', source: undefined }));
    expect(store.images.getByName('default')?.source).toEqual({ kind: 'profile', profile: 'minimal' });
    expect(store.images.getByName('imp')?.source).toEqual({ kind: 'import' });
    expect(store.db.prepare('SELECT count(*) FROM images WHERE source_json IS NULL').pluck().get()).toBe(2);
    store.db.prepare(`UPDATE images SET source_json = '{"kind":"pull","reference":"x"}' WHERE name = 'imp'`).run();
    expect(() => store.images.getByName('imp')).toThrow(/images row c{32}: column source_json is invalid at digest/);
  });

  it('setVmlinuxPath records an upgraded image\'s vmlinux and leaves updatedAt (warm snapshot keys) alone', () => {
    const img = makeImage();
    store.images.insert(img);
    expect(store.images.setVmlinuxPath(img.id, '/state/images/a/vmlinux')).toBe(true);
    expect(store.images.getById(img.id)).toEqual({ ...img, vmlinuxPath: '/state/images/a/vmlinux' });
    expect(store.images.setVmlinuxPath('f'.repeat(32), '/x')).toBe(false);
  });

  it('rejects a duplicate name with ConflictError and a hint', () => {
    store.images.insert(makeImage());
    expect(() => store.images.insert(makeImage({ id: 'e'.repeat(32) }))).toThrow(ConflictError);
  });

  it('updates and deletes', () => {
    const img = makeImage();
    store.images.insert(img);
    expect(store.images.update({ ...img, sizeBytes: 99, updatedAt: 'later' })).toBe(true);
    expect(store.images.getById(img.id)?.sizeBytes).toBe(99);
    expect(store.images.update(makeImage({ id: 'f'.repeat(32) }))).toBe(false);
    expect(store.images.delete(img.id)).toBe(true);
    expect(store.images.delete(img.id)).toBe(false);
  });
});

describe('VmsRepo', () => {
  beforeEach(() => store.images.insert(makeImage()));

  it('round-trips a record including workspace', () => {
    const vm = makeVm({
      workspace: {
        vmId: 'b'.repeat(32), sourcePath: '/src', repoRoot: '/src', repoName: 'src', guestPath: '/root/src',
        mode: 'full_copy', preparedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    store.vms.insert(vm);
    expect(store.vms.getById(vm.id)).toEqual(vm);
    expect(store.vms.list()).toEqual([vm]);
  });

  it('resolves by name, id and unique id prefix', () => {
    const vm = makeVm();
    store.vms.insert(vm);
    expect(store.vms.resolve('dev').id).toBe(vm.id);
    expect(store.vms.resolve(vm.id).id).toBe(vm.id);
    expect(store.vms.resolve('bbbb').id).toBe(vm.id);
    expect(() => store.vms.resolve('nope')).toThrow(/no VM named "nope"/);
  });

  it('refuses an ambiguous id prefix', () => {
    store.vms.insert(makeVm({ id: `abcd${'1'.repeat(28)}`, name: 'one', guestIP: '172.16.0.2' }));
    store.vms.insert(makeVm({ id: `abcd${'2'.repeat(28)}`, name: 'two', guestIP: '172.16.0.3' }));
    expect(() => store.vms.resolve('abcd')).toThrow(ConflictError);
  });

  it('never gives one guest IP to two VMs', () => {
    store.vms.insert(makeVm());
    expect(() => store.vms.insert(makeVm({ id: 'c'.repeat(32), name: 'other' }))).toThrow(/guest IP 172.16.0.2 is already held/);
    expect(store.vms.count()).toBe(1);
  });

  it('rejects a duplicate name and a missing image', () => {
    store.vms.insert(makeVm());
    expect(() => store.vms.insert(makeVm({ id: 'c'.repeat(32), guestIP: '172.16.0.9' }))).toThrow(/a VM named "dev" already exists/);
    expect(() => store.vms.insert(makeVm({ id: 'd'.repeat(32), name: 'x', guestIP: '172.16.0.10', imageId: 'nope' }))).toThrow(
      NotFoundError,
    );
  });

  it('setState writes state and lastError in one statement, and clears it', () => {
    const vm = makeVm();
    store.vms.insert(vm);
    store.vms.setState(vm.id, 'error', 't1', 'qemu exited 1');
    expect(store.vms.getById(vm.id)).toMatchObject({ state: 'error', updatedAt: 't1', runtime: { lastError: 'qemu exited 1' } });
    store.vms.setState(vm.id, 'stopped', 't2');
    const after = store.vms.getById(vm.id)!;
    expect(after.state).toBe('stopped');
    expect(after.runtime.lastError).toBeUndefined();
    expect(after.runtime.guestIP).toBe('172.16.0.2');
  });

  it('touch, setStats, listByState, usedGuestIps, delete', () => {
    const vm = makeVm();
    store.vms.insert(vm);
    store.vms.touch(vm.id, 'touched');
    store.vms.setStats(vm.id, { cpuPercent: 12.5 });
    expect(store.vms.getById(vm.id)).toMatchObject({ lastTouchedAt: 'touched', stats: { cpuPercent: 12.5 } });
    expect(store.vms.listByState(['running'])).toEqual([]);
    expect(store.vms.listByState(['stopped'])).toHaveLength(1);
    expect(store.vms.usedGuestIps()).toEqual(new Set(['172.16.0.2']));
    expect(() => store.images.delete(vm.imageId)).toThrow(/FOREIGN KEY/);
    expect(store.vms.delete(vm.id)).toBe(true);
  });

  it('names the row and column when a JSON column is corrupt', () => {
    const vm = makeVm();
    store.vms.insert(vm);
    store.db.prepare("UPDATE vms SET spec_json = '{\"vcpuCount\":\"two\"}' WHERE id = ?").run(vm.id);
    expect(() => store.vms.getById(vm.id)).toThrow(/vms row b+: column spec_json is invalid at vcpuCount/);
    store.db.prepare("UPDATE vms SET spec_json = 'nope', state = 'running' WHERE id = ?").run(vm.id);
    expect(() => store.vms.list()).toThrow(/spec_json is not JSON/);
    store.db.prepare("UPDATE vms SET state = 'flying' WHERE id = ?").run(vm.id);
    expect(() => store.vms.list()).toThrow(/column state has unknown value "flying"/);
  });
});
