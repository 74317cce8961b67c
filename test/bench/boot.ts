/**
 * Boot bench (issue 5): boot-to-SSH through banger (the QEMU backend's ports + the
 * QEMU driver: overlay and work disk, launch spec, launch with QMP check,
 * SSH readiness) against a raw QEMU command line with the same kernel,
 * initrd, rootfs, work seed, accelerator, kernel arguments and guest devices
 * (disks opened with -snapshot). Both are timed from "start" to the first SSH session that
 * authenticates with banger's key, probed the same way, alternating runs in
 * one process; medians are compared (target: banger/raw ≤ 1.10).
 *
 * Needs root (the guest network lives in a throwaway network namespace).
 * Run: npm run bench:boot   (BENCH_REPEAT=N, default 3; BENCH_PROFILES=minimal,debian)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureSshKey } from '../../src/guest/keys.js';
import { KnownHosts, waitForSsh } from '../../src/guest/ssh/index.js';
import { vmDir, vmRuntimeDir, type Layout } from '../../src/host/layout.js';
import { macFromIp } from '../../src/host/network/index.js';
import { buildImage, type BuildProfile } from '../../src/images/index.js';
import { GiB, MiB, newId, nowIso, type Image, type VMRecord } from '../../src/model/index.js';
import { VMM_BACKENDS } from '../../src/vmm/registry.js';
import { buildKernelArgs } from '../../src/vmm/kernel-args.js';
import { waitForExit } from '../../src/host/proc/index.js';
import { createQemuDriver } from '../../src/vmm/qemu/driver.js';
import { tempLayout } from '../helpers/test-layout.js';
import { createRoutedNetns, type RoutedNetns } from '../integration/vmm/routed-netns.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const PROFILES = (process.env.BENCH_PROFILES ?? 'minimal,debian').split(',') as BuildProfile[];
const VCPU = 1;
const MEM = 512;
const SSH_TIMEOUT = 240_000;

function vmRecord(layout: Layout, image: Image, net: RoutedNetns): VMRecord {
  const id = newId();
  const dir = vmDir(layout, id);
  const run = vmRuntimeDir(layout, id);
  const now = nowIso();
  return {
    id, name: 'bench', imageId: image.id, state: 'created', vmm: 'qemu', createdAt: now, updatedAt: now, lastTouchedAt: now,
    spec: { vcpuCount: VCPU, memoryMiB: MEM, systemOverlaySizeBytes: 2 * GiB, workDiskSizeBytes: 256 * MiB, natEnabled: false },
    runtime: {
      guestIP: net.guestIP, dnsName: 'bench.vm', vmDir: dir, systemOverlayPath: join(dir, 'system.qcow2'), workDiskPath: join(dir, 'work.ext4'),
      logPath: join(dir, 'console.log'), apiSockPath: join(run, 'qmp.sock'), agentSockPath: join(run, 'agent.sock'),
    },
    stats: {},
  };
}

/** VMM pids to kill if the bench is interrupted (banger's QEMU is detached and would outlive us). */
const live = new Set<number>();

/** Where banger's time goes, per run. */
const phases: { storage: number; launch: number; guest: number }[] = [];

/** banger's path: prepare disks, plan, launch (QMP running check), wait for SSH; then graceful stop and destroy. */
async function bootBanger(layout: Layout, image: Image, net: RoutedNetns): Promise<number> {
  const ports = VMM_BACKENDS.qemu.create({ layout, bridgeCidr: net.bridgeCidr, images: { get: () => image }, accel: 'tcg', guestTimeoutMs: SSH_TIMEOUT });
  const driver = createQemuDriver({ accel: 'tcg', launcher: net.launcher });
  const vm = vmRecord(layout, image, net);
  const signal = new AbortController().signal;
  const t0 = performance.now();
  const storage = await ports.storage.prepare(vm, { signal, announce: () => undefined });
  const t1 = performance.now();
  const spec = await ports.planner.launchSpec(vm, { storage, tap: net.tap, mac: macFromIp(vm.runtime.guestIP) });
  await driver.prepare(spec);
  const handle = await driver.launch(spec);
  live.add(handle.pid);
  const t2 = performance.now();
  try {
    await ports.guest.waitForGuest(vm, { signal, pid: handle.pid });
    const t3 = performance.now();
    phases.push({ storage: t1 - t0, launch: t2 - t1, guest: t3 - t2 });
    return t3 - t0;
  } finally {
    await driver.stop(handle, { timeoutMs: 30_000 });
    live.delete(handle.pid);
    await ports.storage.destroy(vm);
  }
}

/** The baseline: one qemu-system-x86_64 command line, no banger code between launch and the SSH probe. */
async function bootRaw(layout: Layout, image: Image, net: RoutedNetns, scratch: string): Promise<number> {
  const kernelArgs = buildKernelArgs({ imageArgs: image.kernelArgs, guestIP: net.guestIP, gatewayIP: net.gatewayIP, netmask: 24, hostname: 'bench' });
  const log = join(scratch, `raw-${newId().slice(0, 6)}.log`);
  const args = [
    ...net.launcher.slice(1), 'qemu-system-x86_64',
    '-accel', 'tcg', '-machine', 'pc', '-m', String(MEM), '-smp', String(VCPU),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-snapshot',
    '-kernel', image.kernelPath, ...(image.initrdPath ? ['-initrd', image.initrdPath] : []), '-append', kernelArgs,
    '-drive', `file=${image.rootfsPath},format=raw,if=virtio`,
    ...(image.workSeedPath ? ['-drive', `file=${image.workSeedPath},format=raw,if=virtio`] : []),
    '-netdev', `tap,id=n0,ifname=${net.tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${macFromIp(net.guestIP)}`,
    // Same guest-visible devices as banger's (the agent's virtio-serial port), so the guest does the same work.
    '-device', 'virtio-rng-pci', '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=agent,path=${join(scratch, 'agent.sock')},server=on,wait=off`, '-device', 'virtserialport,chardev=agent,name=org.banger.agent',
    '-serial', `file:${log}`,
  ];
  const key = await ensureSshKey(layout);
  const knownHosts = new KnownHosts(join(scratch, `kh-${newId().slice(0, 6)}`));
  const out = await open(join(scratch, 'raw-qemu.out'), 'a');
  const t0 = performance.now();
  const child = spawn(net.launcher[0]!, args, { stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  if (child.pid) live.add(child.pid);
  try {
    const s = await waitForSsh({ host: net.guestIP, privateKey: key.privateKey, hostNames: [net.guestIP], knownHosts }, { timeoutMs: SSH_TIMEOUT });
    const ms = performance.now() - t0;
    s.close();
    return ms;
  } finally {
    child.kill('SIGKILL');
    if (child.pid) {
      await waitForExit(child.pid, undefined, 10_000);
      live.delete(child.pid);
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function benchProfile(profile: BuildProfile, layout: Layout, net: RoutedNetns, scratch: string): Promise<number | undefined> {
  let image: Image;
  try {
    const t = performance.now();
    image = await buildImage({ layout, profile, name: `bench-${profile}` });
    console.log(`${profile}: image built in ${fmt(performance.now() - t)}`);
  } catch (e) {
    console.log(`${profile}: skipped, image build failed: ${(e as Error).message}`);
    return undefined;
  }
  try {
    const banger: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      // Alternate so host load drifts affect both sides alike; each boot starts with a cold neighbour cache.
      net.flushNeighbours();
      raw.push(await bootRaw(layout, image, net, scratch));
      console.log(`  run ${i + 1}: raw ${fmt(raw.at(-1)!)}`);
      net.flushNeighbours();
      banger.push(await bootBanger(layout, image, net));
      console.log(`  run ${i + 1}: banger ${fmt(banger.at(-1)!)}`);
    }
    const ratio = median(banger) / median(raw);
    console.log(`${profile}: boot-to-SSH, median of ${REPEAT} (TCG, ${VCPU} vCPU, ${MEM} MiB):`);
    console.log(`  raw QEMU command line  ${fmt(median(raw))}`);
    console.log(`  banger (ports+driver)  ${fmt(median(banger))}`);
    const runs = phases.splice(0);
    const p = (k: 'storage' | 'launch' | 'guest') => fmt(median(runs.map((x) => x[k])));
    console.log(`  banger phases (median) storage ${p('storage')}, plan+launch ${p('launch')}, guest ready ${p('guest')}`);
    console.log(`  ratio banger/raw       ${ratio.toFixed(3)} (target <= 1.10)`);
    return ratio;
  } finally {
    await rm(image.artifactDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench:boot needs root (it creates a network namespace, a bridge and a tap)');
    process.exitCode = 2;
    return;
  }
  const t = tempLayout('banger-bench-boot-');
  const scratch = await mkdtemp(join(t.root, 'raw-'));
  const net = createRoutedNetns();
  const cleanup = () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    net.destroy();
    t.cleanup();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    let worst = 0;
    for (const p of PROFILES) worst = Math.max(worst, (await benchProfile(p, t.layout, net, scratch)) ?? 0);
    if (worst > 1.1) process.exitCode = 1;
  } finally {
    cleanup();
  }
}

await main();
