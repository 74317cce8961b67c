import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, waitForAgent } from '../../../src/guest/agent-client.js';
import { ensureSshKey } from '../../../src/guest/keys.js';
import { KnownHosts, execCapture, waitForSsh } from '../../../src/guest/ssh/index.js';
import { vmDir, vmRuntimeDir } from '../../../src/host/layout.js';
import { createOverlay, createWorkDisk, removeOverlay, removeWorkDisk } from '../../../src/host/storage/index.js';
import { buildImage } from '../../../src/images/build.js';
import { GiB, MiB, newId, type Image } from '../../../src/model/index.js';
import { buildKernelArgs } from '../../../src/vmm/kernel-args.js';
import { macFromIp } from '../../../src/host/network/index.js';
import { createQemuDriver } from '../../../src/vmm/qemu/driver.js';
import type { VmmLaunchSpec, VmmProcessHandle } from '../../../src/model/vmm.js';
import { VmmError } from '../../../src/errors/index.js';
import { isProcessAlive, processMetrics, readProcStat } from '../../../src/host/proc/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../../helpers/vmm-capabilities.js';
import { createTestNet, linkExists, type TestNet } from '../../helpers/test-net.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { findVmmPid } from '../../helpers/vmm-introspect.js';

const missing = firstMissing(
  missingRoot(),
  missingTun(),
  missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'),
);

describe.skipIf(skipReason(missing))('QEMU/TCG boot of the minimal image (issue 5)', () => {
  const t = tempLayout('banger-boot-');
  const layout = t.layout;
  const driver = createQemuDriver({ accel: 'tcg' });
  const vmId = newId();
  let image: Image;
  let net: TestNet | undefined;
  let handle: VmmProcessHandle | undefined;
  let spec: VmmLaunchSpec;
  const progress: string[] = [];

  beforeAll(async () => {
    image = await buildImage({ layout, profile: 'minimal', name: 'minimal-test', onProgress: (s) => progress.push(s) });
  }, 240_000);

  afterAll(async () => {
    // Cleanup runs even when a test failed midway.
    if (handle) await driver.kill(handle).catch(() => undefined);
    net?.destroy();
    t.cleanup();
  }, 60_000);

  it('builds a complete image record with progress', () => {
    expect(progress).toContain('initramfs');
    expect(progress.at(-1)).toBe('done');
    for (const p of [image.kernelPath, image.initrdPath!, image.rootfsPath, image.workSeedPath!]) expect(existsSync(p)).toBe(true);
    expect(image.artifactDir).toBe(join(layout.imagesDir, image.id));
    expect(readdirSync(layout.imagesDir)).toEqual([image.id]);
    expect(image.sshKeyFingerprint).toMatch(/^SHA256:/);
  });

  it('boots to SSH, runs uname -a, pauses and resumes, stops gracefully and leaves nothing behind', async () => {
    net = createTestNet();
    const dir = vmDir(layout, vmId);
    const run = vmRuntimeDir(layout, vmId);
    const overlay = await createOverlay({ backingPath: image.rootfsPath, overlayPath: join(dir, 'system.qcow2'), sizeBytes: 1 * GiB });
    const workDisk = join(dir, 'work.ext4');
    await createWorkDisk({ path: workDisk, sizeBytes: 128 * MiB, seedPath: image.workSeedPath });
    spec = {
      vmId,
      name: 'boot-test',
      vcpuCount: 2,
      memoryMiB: 512,
      kernelPath: image.kernelPath,
      initrdPath: image.initrdPath,
      kernelArgs: buildKernelArgs({ imageArgs: image.kernelArgs, guestIP: net.guestIP, gatewayIP: net.hostIP, netmask: net.prefix, hostname: 'boot-test' }),
      rootDisk: { path: overlay.path, format: overlay.format },
      workDisk: { path: workDisk, format: 'raw' },
      network: { tap: net.tap, mac: macFromIp(net.guestIP) },
      apiSockPath: join(run, 'qmp.sock'),
      agentSockPath: join(run, 'agent.sock'),
      logPath: join(dir, 'console.log'),
    };
    await driver.prepare(spec);
    const t0 = Date.now();
    handle = await driver.launch(spec);
    expect(await driver.inspect(handle)).toEqual({ alive: true, status: 'running' });
    expect(await findVmmPid('qemu', spec.apiSockPath)).toBe(handle.pid);

    const key = await ensureSshKey(layout);
    const target = { host: net.guestIP, privateKey: key.privateKey, hostNames: [net.guestIP], knownHosts: new KnownHosts(layout.knownHostsPath) };
    let attempts = 0;
    const session = await waitForSsh(target, { timeoutMs: 90_000, onAttempt: (n) => (attempts = n) });
    console.log(`boot-to-SSH ${Date.now() - t0} ms (${attempts} attempts)`);

    const res = await execCapture(session.client, 'uname -a; hostname; mount | grep " /root "').finally(() => session.close());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Linux boot-test .*cloud-amd64/);
    expect(res.stdout).toContain('/dev/vdb on /root type ext4');

    // Guest agent over virtio-serial: health and the listening sshd.
    const agentT = { kind: 'virtio-serial' as const, socketPath: spec.agentSockPath };
    const health = await waitForAgent(agentT, { timeoutMs: 30_000 });
    expect(health.hostname).toBe('boot-test');
    const agent = await AgentClient.connect(agentT);
    try {
      // Generous: under a loaded CI run the first /proc scan in a TCG guest can take seconds.
      const ports = await agent.ports(30_000);
      expect(ports).toContainEqual(expect.objectContaining({ proto: 'tcp', port: 22, process: 'dropbear' }));
    } finally {
      agent.close();
    }

    const m = await processMetrics(handle.pid);
    expect(m?.rssBytes).toBeGreaterThan(0);

    // Pause (#15): QMP reports paused and the VMM burns no CPU while frozen.
    await driver.pause(handle);
    expect(await driver.inspect(handle)).toEqual({ alive: true, status: 'paused' });
    await driver.pause(handle); // idempotent
    const cpuTicks = (): number => {
      const st = readProcStat(handle!.pid);
      return st ? st.utimeTicks + st.stimeTicks : Number.NaN;
    };
    const before = cpuTicks();
    await new Promise((r) => setTimeout(r, 1000));
    const after = cpuTicks();
    // Ticks are 10 ms; allow a few for QEMU's main loop (timers, the QMP sessions above).
    expect(after - before).toBeLessThanOrEqual(5);

    await driver.resume(handle);
    expect(await driver.inspect(handle)).toEqual({ alive: true, status: 'running' });
    await driver.resume(handle); // idempotent
    // The guest really runs again: its agent answers.
    expect((await waitForAgent(agentT, { timeoutMs: 30_000 })).hostname).toBe('boot-test');

    // Stop of a paused guest resumes it first, so the powerdown below is still graceful.
    await driver.pause(handle);
    expect(await driver.inspect(handle)).toEqual({ alive: true, status: 'paused' });

    const outcome = await driver.stop(handle, { timeoutMs: 30_000 });
    expect(outcome).toBe('graceful');
    expect(await isProcessAlive(handle.pid, handle.pidStartTime)).toBe(false);
    expect(await findVmmPid('qemu', spec.apiSockPath)).toBeUndefined();
    expect(existsSync(spec.apiSockPath)).toBe(false);
    const gone = handle;
    handle = undefined;
    await expect(driver.pause(gone)).rejects.toBeInstanceOf(VmmError);
    await expect(driver.resume(gone)).rejects.toThrow(/not running/);

    // The guest synced and unmounted: the work disk is clean ext4.
    expect(readFileSync(spec.logPath, 'utf8')).not.toMatch(/Kernel panic/);

    await removeOverlay(overlay.path);
    await removeWorkDisk(workDisk);
    net.destroy();
    expect(linkExists(net.tap)).toBe(false);
    expect(linkExists(net.bridge)).toBe(false);
    expect(readdirSync(dir).filter((f) => f !== 'console.log')).toEqual([]);
  }, 180_000);
});
