import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release } from '../../../machines/vm/releases.js';
import { GuestError, HostError, NotFoundError } from '../../../src/errors/index.js';
import { KnownHosts } from '../../../src/guest/ssh/index.js';
import { vmDir, vmRuntimeDir } from '../../../src/host/layout.js';
import { makeExt4 } from '../../../src/host/storage/index.js';
import { GiB, MiB, newId, nowIso, type Image, type VMRecord, type VmmName } from '../../../src/model/index.js';
import { FIRECRACKER_KERNEL_ARGS } from '../../../src/vmm/firecracker/backend.js';
import { createFirecrackerStorage, dmNameFor, type StoragePrivilegedOps } from '../../../src/vmm/firecracker/storage.js';
import { createLaunchPlanner } from '../../../src/vmm/planner.js';
import { createQemuStorage } from '../../../src/vmm/qemu/storage.js';
import { createSshGuestReady } from '../../../src/vmm/ssh-guest-ready.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { firstMissing, missingBinaries, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingBinaries('qemu-img', 'mkfs.ext4', 'e2fsck', 'resize2fs', 'debugfs'));

describe.skipIf(skipReason(missing))('VMM backend ports on real files', () => {
  const t = tempLayout('banger-vmports-');
  const layout = t.layout;
  const image: Image = {
    id: newId(), name: 'tiny', profile: 'minimal', managed: true, artifactDir: join(layout.imagesDir, 'tiny'),
    rootfsPath: join(layout.imagesDir, 'tiny', 'rootfs.ext4'), workSeedPath: join(layout.imagesDir, 'tiny', 'work-seed.ext4'),
    kernelPath: join(layout.imagesDir, 'tiny', 'vmlinuz'), initrdPath: join(layout.imagesDir, 'tiny', 'initrd.img'),
    kernelArgs: 'root=/dev/vda rw init=/sbin/init', createdAt: nowIso(), updatedAt: nowIso(),
  };
  const images = { get: (id: string) => (id === image.id ? image : undefined) };
  const signal = new AbortController().signal;

  function vm(vmm: VmmName = 'qemu', over: Partial<VMRecord['spec']> = {}): VMRecord {
    const id = newId();
    const dir = vmDir(layout, id);
    const run = vmRuntimeDir(layout, id);
    return {
      id, name: 'dev', imageId: image.id, state: 'created', vmm, createdAt: nowIso(), updatedAt: nowIso(), lastTouchedAt: nowIso(),
      spec: { vcpuCount: 2, memoryMiB: 1024, systemOverlaySizeBytes: 1 * GiB, workDiskSizeBytes: 64 * MiB, natEnabled: false, ...over },
      runtime: {
        guestIP: '172.16.0.7', dnsName: 'dev.vm', vmDir: dir, systemOverlayPath: join(dir, vmm === 'qemu' ? 'system.qcow2' : 'system.img'),
        workDiskPath: join(dir, 'work.ext4'), logPath: join(dir, 'console.log'), apiSockPath: join(run, 'api.sock'), agentSockPath: join(run, 'agent.sock'),
      },
      stats: {},
    };
  }

  beforeAll(async () => {
    mkdirSync(image.artifactDir, { recursive: true });
    const seedTree = join(t.root, 'seed');
    mkdirSync(join(seedTree, '.ssh'), { recursive: true });
    writeFileSync(join(seedTree, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAA test\n');
    await makeExt4({ path: image.rootfsPath, sizeBytes: 32 * MiB, label: 'root' });
    await makeExt4({ path: image.workSeedPath!, sizeBytes: 16 * MiB, fromDir: seedTree });
    writeFileSync(image.kernelPath, 'kernel');
    writeFileSync(image.initrdPath!, 'initrd');
  }, 60_000);
  afterAll(() => t.cleanup());

  describe('QEMU storage', () => {
    const storage = createQemuStorage({ layout, images });

    it('makes a qcow2 overlay backed by the image and a seeded work disk; a second prepare changes nothing', async () => {
      const v = vm();
      const announced: Release[] = [];
      const out = await storage.prepare(v, { signal, announce: (r) => announced.push(r) });
      expect(out).toEqual({ rootDisk: { path: v.runtime.systemOverlayPath, format: 'qcow2' }, workDisk: { path: v.runtime.workDiskPath, format: 'raw' } });
      expect(announced).toEqual([]);
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', v.runtime.systemOverlayPath], { encoding: 'utf8' })) as { 'backing-filename': string; 'virtual-size': number };
      expect(info['backing-filename']).toBe(image.rootfsPath);
      expect(info['virtual-size']).toBe(1 * GiB);
      expect(statSync(v.runtime.workDiskPath).size).toBe(64 * MiB);
      const before = [statSync(v.runtime.systemOverlayPath).mtimeMs, statSync(v.runtime.workDiskPath).mtimeMs];
      await storage.prepare(v, { signal, announce: () => undefined });
      expect([statSync(v.runtime.systemOverlayPath).mtimeMs, statSync(v.runtime.workDiskPath).mtimeMs]).toEqual(before);
      await storage.destroy(v);
    }, 60_000);

    it('grows the work disk offline at the next prepare after vm set --disk-size, keeping its files', async () => {
      const v = vm();
      await storage.prepare(v, { signal, announce: () => undefined });
      const grown = { ...v, spec: { ...v.spec, workDiskSizeBytes: 128 * MiB } };
      await storage.prepare(grown, { signal, announce: () => undefined });
      expect(statSync(v.runtime.workDiskPath).size).toBe(128 * MiB);
      expect(spawnSync('e2fsck', ['-fn', v.runtime.workDiskPath]).status).toBe(0);
      const keys = execFileSync('debugfs', ['-R', 'cat /.ssh/authorized_keys', v.runtime.workDiskPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(keys).toBe('ssh-ed25519 AAAA test\n');
      const blocks = execFileSync('dumpe2fs', ['-h', v.runtime.workDiskPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(Number(/Block count:\s+(\d+)/.exec(blocks)?.[1]) * Number(/Block size:\s+(\d+)/.exec(blocks)?.[1])).toBe(128 * MiB);
      const usage = await storage.diskUsage(v);
      expect(usage.systemOverlayBytes).toBeGreaterThan(0);
      expect(usage.workDiskBytes).toBeGreaterThan(0);
      expect(usage.workDiskBytes).toBeLessThan(128 * MiB); // sparse
      await storage.destroy(v);
      expect(await storage.diskUsage(v)).toEqual({ systemOverlayBytes: 0, workDiskBytes: 0 });
    }, 60_000);

    it('destroy removes the VM dir, its socket dir and its pinned host keys, but nothing outside banger dirs', async () => {
      const v = vm();
      await storage.prepare(v, { signal, announce: () => undefined });
      mkdirSync(vmRuntimeDir(layout, v.id), { recursive: true });
      writeFileSync(v.runtime.logPath, 'console');
      const kh = new KnownHosts(layout.knownHostsPath);
      await kh.pin(['dev.vm', '172.16.0.7'], { type: 'ssh-ed25519', blob: 'AAAA' });
      await kh.pin(['other.vm'], { type: 'ssh-ed25519', blob: 'BBBB' });
      await storage.destroy(v);
      expect(existsSync(v.runtime.vmDir)).toBe(false);
      expect(existsSync(vmRuntimeDir(layout, v.id))).toBe(false);
      expect(readFileSync(layout.knownHostsPath, 'utf8')).toBe('other.vm ssh-ed25519 BBBB\n');
      await storage.destroy(v); // idempotent

      const outside = join(t.root, 'not-banger');
      mkdirSync(outside);
      writeFileSync(join(outside, 'keep'), 'x');
      await storage.destroy({ ...v, runtime: { ...v.runtime, vmDir: outside } });
      expect(existsSync(join(outside, 'keep'))).toBe(true);
    }, 60_000);

    it('names the missing image or artifact, and creates nothing when cancelled', async () => {
      await expect(storage.prepare({ ...vm(), imageId: 'gone' }, { signal, announce: () => undefined })).rejects.toThrow(NotFoundError);
      const broken = createQemuStorage({ layout, images: { get: () => ({ ...image, rootfsPath: join(t.root, 'nope.ext4') }) } });
      await expect(broken.prepare(vm(), { signal, announce: () => undefined })).rejects.toThrow(/the rootfs of image "tiny" is missing/);
      const v = vm();
      const ac = new AbortController();
      ac.abort();
      await expect(storage.prepare(v, { signal: ac.signal, announce: () => undefined })).rejects.toThrow(HostError);
      expect(existsSync(v.runtime.vmDir)).toBe(false);
    }, 30_000);
  });

  describe('Firecracker storage', () => {
    it('builds a dm snapshot over two loops through the helper, announcing each release', async () => {
      const calls: [string, unknown][] = [];
      let loops = 0;
      // The root helper's ops (device-mapper is absent on this host); the COW file and sizes are real.
      const ops = {
        call: async (op: string, params: unknown) => {
          calls.push([op, params]);
          if (op === 'loop.attach') return { device: `/dev/loop${40 + loops++}` };
          if (op === 'dm.snapshotCreate') return { device: `/dev/mapper/${(params as { name: string }).name}` };
          throw new Error(`unexpected ${op}`);
        },
      } as StoragePrivilegedOps;
      const storage = createFirecrackerStorage({ layout, images, privileged: ops, dmAvailable: async () => true });
      const v = vm('firecracker');
      const announced: Release[] = [];
      const out = await storage.prepare(v, { signal, announce: (r) => announced.push(r) });
      const name = dmNameFor(v);
      expect(out.rootDisk).toEqual({ path: `/dev/mapper/${name}`, format: 'raw' });
      expect(announced).toEqual([
        { kind: 'loop', device: '/dev/loop40' },
        { kind: 'loop', device: '/dev/loop41' },
        { kind: 'dm', name },
        { kind: 'dm', name, device: `/dev/mapper/${name}` },
      ]);
      expect(calls).toEqual([
        ['loop.attach', { path: image.rootfsPath, readOnly: true }],
        ['loop.attach', { path: v.runtime.systemOverlayPath, readOnly: false }],
        ['dm.snapshotCreate', { name, originDevice: '/dev/loop40', cowDevice: '/dev/loop41', sectors: (32 * MiB) / 512 }],
      ]);
      const cow = statSync(v.runtime.systemOverlayPath);
      expect(cow.size).toBe(1 * GiB);
      expect(cow.blocks).toBe(0);
      await storage.destroy(v);
    }, 30_000);

    it('falls back to a raw sparse copy without device-mapper', async () => {
      const storage = createFirecrackerStorage({ layout, images, dmAvailable: async () => false });
      const v = vm('firecracker');
      const out = await storage.prepare(v, { signal, announce: () => undefined });
      expect(out.rootDisk).toEqual({ path: v.runtime.systemOverlayPath, format: 'raw' });
      expect(spawnSync('e2fsck', ['-fn', v.runtime.systemOverlayPath]).status).toBe(0);
      await storage.destroy(v);
    }, 30_000);
  });

  describe('launch planner', () => {
    it('puts kernel, initrd, ip= config (the gateway as DNS server too), net.ifnames=0, the tap and the MAC it is given into the spec', async () => {
      const v = vm();
      const planner = createLaunchPlanner({ images, bridgeCidr: '172.16.0.1/24' });
      const storage = { rootDisk: { path: '/r', format: 'qcow2' as const }, workDisk: { path: '/w', format: 'raw' as const } };
      const spec = await planner.launchSpec(v, { storage, tap: 'bgtap3', mac: '06:00:ac:10:00:07' });
      expect(spec).toEqual({
        vmId: v.id, name: 'dev', vcpuCount: 2, memoryMiB: 1024, kernelPath: image.kernelPath, initrdPath: image.initrdPath,
        kernelArgs: 'console=ttyS0 quiet panic=-1 net.ifnames=0 ip=172.16.0.7::172.16.0.1:255.255.255.0:dev:eth0:off:172.16.0.1 root=/dev/vda rw init=/sbin/init',
        rootDisk: storage.rootDisk, workDisk: storage.workDisk, network: { tap: 'bgtap3', mac: '06:00:ac:10:00:07' },
        apiSockPath: v.runtime.apiSockPath, agentSockPath: v.runtime.agentSockPath, logPath: v.runtime.logPath,
        // A fresh generation id per launch (QEMU's vmgenid device).
        vmGenId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      const again = await planner.launchSpec(v, { storage, tap: 'bgtap3', mac: '06:00:ac:10:00:07' });
      expect(again.vmGenId).not.toBe(spec.vmGenId);
      expect(spec.restore).toBeUndefined();
      const fc = await createLaunchPlanner({ images, bridgeCidr: '10.9.0.1/16', extraKernelArgs: FIRECRACKER_KERNEL_ARGS }).launchSpec(vm('firecracker'), { storage, tap: 't', mac: '06:00:0a:09:00:02' });
      expect(fc.kernelArgs).toMatch(/ip=172\.16\.0\.7::10\.9\.0\.1:255\.255\.0\.0:dev:eth0:off:10\.9\.0\.1 .* reboot=k pci=off$/);
      const noKernel = createLaunchPlanner({ images: { get: () => ({ ...image, kernelPath: '/nonexistent/vmlinuz' }) }, bridgeCidr: '172.16.0.1/24' });
      await expect(noKernel.launchSpec(v, { storage, tap: 't', mac: '06:00:0a:09:00:02' })).rejects.toThrow(/the kernel of image "tiny" is missing/);
    });
  });

  describe('guest readiness', () => {
    const exitedPid = (): number => {
      const r = spawnSync('true');
      return r.pid!;
    };
    // 127.0.0.1 stands in for the guest: nothing there accepts banger's key, so only the exits below end the wait.
    const local = (): VMRecord => ({ ...vm(), runtime: { ...vm().runtime, guestIP: '127.0.0.1', logPath: '/var/log/banger-test/console.log' } });

    it('fails fast, naming the console log, when the VMM process is gone', async () => {
      const guest = createSshGuestReady({ layout, timeoutMs: 60_000, pidCheckMs: 100 });
      const t0 = Date.now();
      const err = await guest.waitForGuest(local(), { signal, pid: exitedPid() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).code).toBe('guest.vmm_exited');
      expect((err as GuestError).hint).toContain('/var/log/banger-test/console.log');
      expect(Date.now() - t0).toBeLessThan(30_000);
    }, 40_000);

    it('times out with a GuestError naming the log, and stops when the step is aborted', async () => {
      const guest = createSshGuestReady({ layout, timeoutMs: 1500 });
      const err = await guest.waitForGuest(local(), { signal, pid: process.pid }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestError);
      expect((err as GuestError).code).toBe('guest.ssh_timeout');
      expect((err as GuestError).message).toBe('dev did not answer SSH at 127.0.0.1 within 2 s');
      expect((err as GuestError).hint).toContain('/var/log/banger-test/console.log');

      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const slow = createSshGuestReady({ layout, timeoutMs: 60_000 });
      const aborted = await slow.waitForGuest(local(), { signal: ac.signal, pid: process.pid }).catch((e: unknown) => e);
      expect(aborted).toBeInstanceOf(GuestError);
      expect((aborted as GuestError).code).toBe('ssh.aborted');
    }, 40_000);
  });
});
