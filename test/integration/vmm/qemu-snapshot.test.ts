import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSshKey } from '../../../src/guest/keys.js';
import { KnownHosts, execCapture, waitForSsh } from '../../../src/guest/ssh/index.js';
import { vmDir, vmRuntimeDir } from '../../../src/host/layout.js';
import { createOverlay, createWorkDisk, diskFormat, qcow2VirtualSize } from '../../../src/host/storage/index.js';
import { buildImage } from '../../../src/images/build.js';
import { GiB, MiB, newId, type Image } from '../../../src/model/index.js';
import { buildKernelArgs } from '../../../src/vmm/kernel-args.js';
import { macFromIp } from '../../../src/host/network/index.js';
import { createQemuDriver } from '../../../src/vmm/qemu/driver.js';
import type { VmmLaunchSpec, VmmProcessHandle } from '../../../src/model/vmm.js';
import { VmmError } from '../../../src/errors/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../../helpers/vmm-capabilities.js';
import { createTestNet, type TestNet } from '../../helpers/test-net.js';
import { tempLayout } from '../../helpers/test-layout.js';

const missing = firstMissing(
  missingRoot(),
  missingTun(),
  missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'),
);

/**
 * The QEMU driver's snapshot and restore on a real TCG guest: a live
 * snapshot leaves the guest running on new disk layers, a second QEMU
 * restored from it has the memory and disks of that instant, and a damaged
 * state file gives one clear error.
 */
/** Whether a TCP connection to host:port opens within ms. */
function tcpOpen(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

describe.skipIf(skipReason(missing))('QEMU snapshot and restore (issue 15)', () => {
  const t = tempLayout('banger-snap-');
  const layout = t.layout;
  const driver = createQemuDriver({ accel: 'tcg' });
  let image: Image;
  let net: TestNet | undefined;
  const handles: VmmProcessHandle[] = [];

  beforeAll(async () => {
    image = await buildImage({ layout, profile: 'minimal', name: 'minimal-snap' });
    net = createTestNet();
  }, 240_000);

  afterAll(async () => {
    for (const h of handles) await driver.kill(h).catch(() => undefined);
    net?.destroy();
    t.cleanup();
  }, 60_000);

  function specFor(vmId: string, disks: { root: string; rootFormat: 'raw' | 'qcow2'; work: string; workFormat: 'raw' | 'qcow2' }): VmmLaunchSpec {
    const dir = vmDir(layout, vmId);
    const run = vmRuntimeDir(layout, vmId);
    return {
      vmId,
      name: 'snap-test',
      vcpuCount: 1,
      memoryMiB: 256,
      kernelPath: image.kernelPath,
      initrdPath: image.initrdPath,
      kernelArgs: buildKernelArgs({ imageArgs: image.kernelArgs, guestIP: net!.guestIP, gatewayIP: net!.hostIP, netmask: net!.prefix, hostname: 'snap-test' }),
      rootDisk: { path: disks.root, format: disks.rootFormat },
      workDisk: { path: disks.work, format: disks.workFormat },
      network: { tap: net!.tap, mac: macFromIp(net!.guestIP) },
      apiSockPath: join(run, 'qmp.sock'),
      agentSockPath: join(run, 'agent.sock'),
      logPath: join(dir, 'console.log'),
      vmGenId: randomUUID(),
    };
  }

  async function ssh(cmd: string): Promise<string> {
    const key = await ensureSshKey(layout);
    const session = await waitForSsh(
      { host: net!.guestIP, privateKey: key.privateKey, hostNames: [net!.guestIP], knownHosts: new KnownHosts(layout.knownHostsPath) },
      { timeoutMs: 90_000 },
    );
    try {
      const res = await execCapture(session.client, cmd);
      expect(res.code).toBe(0);
      return res.stdout.trim();
    } finally {
      session.close();
    }
  }

  it('snapshots a running guest live and restores it into a new QEMU with that instant\'s memory and disks', async () => {
    const a = newId();
    const dir = vmDir(layout, a);
    const overlay = await createOverlay({ backingPath: image.rootfsPath, overlayPath: join(dir, 'system.qcow2'), sizeBytes: 1 * GiB });
    const work = join(dir, 'work.ext4');
    await createWorkDisk({ path: work, sizeBytes: 128 * MiB, seedPath: image.workSeedPath });
    const specA = specFor(a, { root: overlay.path, rootFormat: 'qcow2', work, workFormat: 'raw' });
    await driver.prepare(specA);
    const ha = await driver.launch(specA);
    handles.push(ha);
    // A counter in guest memory only (tmpfs), and a file on each disk.
    await ssh('echo v1 > /root/file; echo v1 > /etc/sysfile; sync; echo 41 > /tmp/mem');

    /** A snapshot request that freezes both disks into snapshots/NAME. */
    const snapshotRequest = async (name: string) => {
      const d = join(layout.stateDir, 'snapshots', name);
      await mkdir(d, { recursive: true });
      return {
        statePath: join(d, 'state.bin'),
        memoryPath: join(d, 'memory.bin'),
        disks: [
          { drive: 'root' as const, activePath: overlay.path, frozenPath: join(d, 'system.qcow2') },
          { drive: 'work' as const, activePath: work, frozenPath: join(d, 'work.img') },
        ],
      };
    };
    const snapDir = join(layout.stateDir, 'snapshots', 's1');
    const req = await snapshotRequest('s1');
    const res = await driver.snapshot(ha, req);
    console.log(`live snapshot: guest stopped ${res.pausedMs} ms, state ${(res.stateBytes / 1e6).toFixed(1)} MB for a 256 MiB guest`);
    expect(res.stateBytes).toBeGreaterThan(1e6);
    // Zero pages are not written: an idle 256 MiB guest's state is well under its memory size.
    expect(res.stateBytes).toBeLessThan(256 * MiB);
    expect(await driver.inspect(ha)).toEqual({ alive: true, status: 'running' });
    // The VM's paths are unchanged and now hold new qcow2 layers over the frozen files.
    expect(await diskFormat(work)).toBe('qcow2');
    expect(await diskFormat(join(snapDir, 'work.img'))).toBe('raw');
    expect(existsSync(`${work}.next`)).toBe(false);

    // The original runs on and changes everything.
    expect(await ssh('cat /root/file /etc/sysfile /tmp/mem')).toBe('v1\nv1\n41');
    await ssh('echo v2 > /root/file; echo v2 > /etc/sysfile; echo 99 > /tmp/mem; sync');
    // A second live snapshot of the same QEMU process, over the layers the first one left.
    await driver.snapshot(ha, await snapshotRequest('s2'));
    expect(await driver.inspect(ha)).toEqual({ alive: true, status: 'running' });
    expect(await ssh('cat /root/file /tmp/mem')).toBe('v2\n99');
    // Each layer QEMU opened keeps a name of its own while QEMU runs; the next launch's prepare drops them.
    expect(readdirSync(dir).filter((n) => n.includes('.layer-')).length).toBe(4);
    await driver.kill(ha);
    await driver.prepare(specA);
    expect(readdirSync(dir).filter((n) => n.includes('.layer-'))).toEqual([]);

    // Restore into a new QEMU whose disks are new layers on the frozen ones.
    const b = newId();
    const bdir = vmDir(layout, b);
    const root2 = await createOverlay({ backingPath: req.disks[0]!.frozenPath, backingFormat: 'qcow2', overlayPath: join(bdir, 'system.qcow2') });
    const work2 = await createOverlay({ backingPath: req.disks[1]!.frozenPath, backingFormat: 'raw', overlayPath: join(bdir, 'work.qcow2') });
    // A layer on a frozen qcow2 shows the guest the same disk size, not the frozen file's few megabytes.
    expect(await qcow2VirtualSize(root2.path)).toBe(await qcow2VirtualSize(req.disks[0]!.frozenPath));
    expect(await qcow2VirtualSize(work2.path)).toBe(128 * MiB);
    const specB = { ...specFor(b, { root: root2.path, rootFormat: 'qcow2', work: work2.path, workFormat: 'qcow2' }), restore: { statePath: req.statePath, isolated: true } };
    await driver.prepare(specB);
    const t0 = Date.now();
    const hb = await driver.launch(specB);
    handles.push(hb);
    console.log(`restore: running ${Date.now() - t0} ms after spawn`);
    expect(await driver.inspect(hb)).toEqual({ alive: true, status: 'running' });
    // Isolated: the copy's link is unplugged, so nothing answers at the address it woke with until it is plugged.
    expect(await tcpOpen(net!.guestIP, 22, 2000)).toBe(false);
    await driver.setLink(hb, true);
    // Memory and both disks are as they were at the snapshot.
    expect(await ssh('cat /root/file /etc/sysfile /tmp/mem')).toBe('v1\nv1\n41');
    truncatedState = join(snapDir, 'truncated.bin');
    writeFileSync(truncatedState, readFileSync(req.statePath).subarray(0, Math.floor(res.stateBytes / 2)));
    // Both disks take new writes across their whole size (an undersized layer gave EIO past its end).
    await ssh('dd if=/dev/zero of=/root/big bs=1M count=64 2>/dev/null; dd if=/dev/zero of=/big bs=1M count=64 2>/dev/null; sync; rm /root/big /big');
    await driver.kill(hb);
  }, 300_000);

  let truncatedState = '';

  it('refuses a truncated or foreign state file with one clear error and leaves no process', async () => {
    const c = newId();
    const dir = vmDir(layout, c);
    const root = await createOverlay({ backingPath: image.rootfsPath, overlayPath: join(dir, 'system.qcow2'), sizeBytes: 1 * GiB });
    const work = join(dir, 'work.ext4');
    await createWorkDisk({ path: work, sizeBytes: 128 * MiB, seedPath: image.workSeedPath });
    const foreign = join(dir, 'foreign.bin');
    writeFileSync(foreign, 'this is not a QEMU migration stream\n'.repeat(100));
    const spec = { ...specFor(c, { root: root.path, rootFormat: 'qcow2', work, workFormat: 'raw' }), restore: { statePath: foreign } };
    await driver.prepare(spec);
    await expect(driver.launch(spec)).rejects.toThrow(/cannot restore snapshot .*foreign\.bin/);
    expect(existsSync(spec.apiSockPath)).toBe(false);
    // Cut in the middle (the first test saved half of its real state file).
    expect(truncatedState).not.toBe('');
    const cut = { ...spec, restore: { statePath: truncatedState } };
    await driver.prepare(cut);
    const err = await driver.launch(cut).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(VmmError);
    console.log(`truncated: ${(err as Error).message}`);
    expect((err as Error).message).toMatch(/cannot restore snapshot .*truncated\.bin/);
    expect(existsSync(cut.apiSockPath)).toBe(false);
    expect(statSync(foreign).size).toBeGreaterThan(0);
  }, 120_000);
});
