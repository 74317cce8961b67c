import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/index.js';
import { ConflictError, HostError } from '../../../src/errors/index.js';
import { vmDir, vmRuntimeDir, type Layout } from '../../../src/host/layout.js';
import { buildImage, createImagesService, type BuildImageOptions, type ImageProgressEvent } from '../../../src/images/index.js';
import { GiB, MiB, newId, nowIso, type Image, type VMRecord } from '../../../src/model/index.js';
import { RpcClient } from '../../../src/rpc/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { BANGER_PROFILE, makeTar } from '../../helpers/tar-fixtures.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingBinaries('mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'));

function vmUsing(layout: Layout, image: Image, name: string): VMRecord {
  const id = newId();
  const dir = vmDir(layout, id);
  const now = nowIso();
  return {
    id, name, imageId: image.id, state: 'stopped', vmm: 'qemu', createdAt: now, updatedAt: now, lastTouchedAt: now,
    spec: { vcpuCount: 1, memoryMiB: 256, systemOverlaySizeBytes: GiB, workDiskSizeBytes: 128 * MiB, natEnabled: false },
    runtime: {
      guestIP: '172.16.0.9', dnsName: `${name}.vm`, vmDir: dir, systemOverlayPath: join(dir, 'system.qcow2'), workDiskPath: join(dir, 'work.ext4'),
      logPath: join(dir, 'console.log'), apiSockPath: join(vmRuntimeDir(layout, id), 'qmp.sock'), agentSockPath: join(vmRuntimeDir(layout, id), 'agent.sock'),
    },
    stats: {},
  };
}

/** What is in imagesDir besides committed image dirs (staging or trash dirs would be leaks). */
const leftovers = (layout: Layout) => (existsSync(layout.imagesDir) ? readdirSync(layout.imagesDir).filter((f) => f.startsWith('.')) : []);

describe.skipIf(skipReason(missing))('images service over a real store (issue 5)', () => {
  const t = tempLayout('banger-imgsvc-');
  const layout = t.layout;
  let store: Store;
  const events: ImageProgressEvent[] = [];
  let builds = 0;
  const countingBuilder = (o: BuildImageOptions) => {
    builds++;
    return buildImage(o);
  };

  beforeAll(() => {
    store = openStore(layout.dbPath);
  });
  afterAll(() => {
    store?.close();
    t.cleanup();
  });

  it('builds the default image once on first use, with progress, even when asked twice at once', async () => {
    const svc = createImagesService({ layout, store, defaultImage: 'default', builder: countingBuilder, onProgress: (e) => events.push(e) });
    const local: string[] = [];
    const [a, b] = await Promise.all([svc.ensureDefaultImage((s) => local.push(s)), svc.ensureDefaultImage()]);
    expect(builds).toBe(1);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ name: 'default', profile: 'minimal', managed: true, source: { kind: 'profile', profile: 'minimal' } });
    expect(store.images.getByName('default')?.id).toBe(a.id);
    expect(local[0]).toBe('default-image');
    expect(local).toContain('initramfs');
    expect(local.at(-1)).toBe('done');
    expect(events.every((e) => e.image === 'default')).toBe(true);
    expect(events.map((e) => e.step)).toEqual(expect.arrayContaining(['initramfs', 'rootfs.mkfs', 'commit', 'done']));
    expect((await svc.ensureDefaultImage()).id).toBe(a.id);
    expect(builds).toBe(1);
  }, 300_000);

  it('refuses to delete an image a VM uses, naming the VM, then deletes row and dir', async () => {
    const svc = createImagesService({ layout, store, defaultImage: 'default' });
    const image = svc.get('default');
    const vm = vmUsing(layout, image, 'uses-default');
    store.vms.insert(vm);
    const err = await svc.delete('default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe('cannot delete image "default": used by VM uses-default');
    expect((err as ConflictError).hint).toBe('delete it first: banger vm delete uses-default');
    expect(existsSync(image.artifactDir)).toBe(true);
    store.vms.delete(vm.id);
    expect(await svc.delete(image.id)).toEqual({ deleted: 'default' });
    expect(store.images.getById(image.id)).toBeUndefined();
    expect(existsSync(image.artifactDir)).toBe(false);
    expect(leftovers(layout)).toEqual([]);
  }, 60_000);

  it('a cancelled build leaves no image dir and no row', async () => {
    const svc = createImagesService({ layout, store, defaultImage: 'default' });
    const ac = new AbortController();
    const err = await svc
      .build({ name: 'cancelled' }, { signal: ac.signal, onProgress: (step) => step === 'rootfs.assemble' && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(store.images.getByName('cancelled')).toBeUndefined();
    expect(existsSync(layout.imagesDir) ? readdirSync(layout.imagesDir) : []).toEqual([]);
  }, 120_000);

  it('a row that cannot be written takes the built dir with it', async () => {
    // The name is taken between the service's check and its insert (another daemon call won the race).
    const racer: Image = { id: newId(), name: 'raced', profile: 'imported', managed: false, artifactDir: '/nonexistent', rootfsPath: '/nonexistent/r', kernelPath: '/nonexistent/k', createdAt: nowIso(), updatedAt: nowIso() };
    const svc = createImagesService({
      layout,
      store,
      defaultImage: 'default',
      builder: async (o) => {
        const img = await buildImage(o);
        store.images.insert(racer);
        return img;
      },
    });
    const err = await svc.build({ name: 'raced' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(store.images.getByName('raced')?.id).toBe(racer.id);
    expect(readdirSync(layout.imagesDir)).toEqual([]);
    store.images.delete(racer.id);
  }, 120_000);

  it.skipIf(missingRoot() !== undefined)('imports a rootfs tarball booting with the default image kernel; a refused archive leaves nothing', async () => {
    const svc = createImagesService({ layout, store, defaultImage: 'default', onProgress: (e) => events.push(e) });
    const tarPath = join(t.root, 'rootfs.tar');
    writeFileSync(tarPath, await makeTar([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/os-release', body: 'ID=test\n', mode: 0o644 },
      BANGER_PROFILE,
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/sh', body: '#!fake\n', mode: 0o755 },
    ]));
    events.length = 0;
    const image = await svc.import({ name: 'imported', source: tarPath });
    const boot = svc.get('default'); // built on demand for its kernel
    expect(image).toMatchObject({ name: 'imported', profile: 'imported', kernelArgs: boot.kernelArgs });
    // Its own copy of the kernel, so deleting the default image later does not break it.
    expect(image.kernelPath.startsWith(image.artifactDir)).toBe(true);
    expect(readFileSync(image.kernelPath).equals(readFileSync(boot.kernelPath))).toBe(true);
    expect(store.images.getByName('imported')?.id).toBe(image.id);
    expect(events.some((e) => e.image === 'imported' && e.step === 'import.detect' && e.detail === 'tar')).toBe(true);
    // Where it came from (issue 20): detected once by the service, recorded in the row and in image.json.
    expect(image.source).toEqual({ kind: 'import', path: tarPath, format: 'tar' });
    expect(store.images.getByName('imported')?.source).toEqual(image.source);
    expect(JSON.parse(readFileSync(join(image.artifactDir, 'image.json'), 'utf8'))).toMatchObject({ source: image.source });

    const evil = join(t.root, 'evil.tar');
    writeFileSync(evil, await makeTar([{ name: '../escape', body: 'x' }]));
    await expect(svc.import({ name: 'evil', source: evil, kernelFrom: 'default' })).rejects.toThrow(/\.\.\/escape/);
    expect(store.images.getByName('evil')).toBeUndefined();
    expect(leftovers(layout)).toEqual([]);
    await expect(svc.import({ name: 'imported', source: tarPath })).rejects.toThrow(ConflictError);
    await svc.delete('imported');
    await svc.delete('default');
    expect(readdirSync(layout.imagesDir)).toEqual([]);
  }, 300_000);

  describe.skipIf(skipReason(missingRoot()))('on a full disk', () => {
    const mnt = join(t.root, 'small-disk');
    beforeAll(() => {
      mkdirSync(mnt, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'banger-test-full', mnt]);
    });
    afterAll(() => {
      spawnSync('umount', [mnt]);
    });

    it('names the disk in the error and leaves nothing behind', async () => {
      const small: Layout = { ...layout, imagesDir: join(mnt, 'images') };
      const svc = createImagesService({ layout: small, store, defaultImage: 'default' });
      const err = await svc.build({ name: 'too-big' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostError);
      expect((err as HostError).code).toBe('host.disk_full');
      expect((err as HostError).message).toMatch(new RegExp(`the disk banger-test-full \\(mounted at ${mnt}, holding ${small.imagesDir}\\) is full`));
      expect((err as HostError).hint).toContain(`free space on ${mnt}`);
      expect(store.images.getByName('too-big')).toBeUndefined();
      expect(readdirSync(small.imagesDir)).toEqual([]);
    }, 120_000);
  });

  describe('over the daemon socket', () => {
    let daemon: RunningDaemon | undefined;
    afterAll(async () => {
      await daemon?.stop('test done');
    });

    it('image.build forwards image.progress to the caller; image.delete removes it', async () => {
      daemon = await startDaemon({ layout });
      const client = await RpcClient.connect(layout.daemonSocket);
      try {
        const got: unknown[] = [];
        client.onNotification((m, p) => m === 'image.progress' && got.push(p));
        const image = await client.call('image.build', { name: 'via-rpc', profile: 'minimal' }, { timeoutMs: 240_000 });
        expect(image.name).toBe('via-rpc');
        expect(got).toContainEqual({ image: 'via-rpc', step: 'done', detail: expect.stringContaining('via-rpc') });
        expect((await client.call('image.list', {})).map((i) => i.name)).toContain('via-rpc');
        const dup = await client.call('image.build', { name: 'via-rpc' }).catch((e: unknown) => e);
        expect((dup as Error).message).toBe('image "via-rpc" already exists');
        expect(await client.call('image.delete', { name: 'via-rpc' })).toEqual({ deleted: 'via-rpc' });
        expect(existsSync(image.artifactDir)).toBe(false);
      } finally {
        client.close();
      }
    }, 300_000);
  });
});
