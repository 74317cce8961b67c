/**
 * Smoke (issue 19): the virtio-mmio device model, exercised on a host without
 * KVM. QEMU's microvm machine gives the guest what Firecracker gives it (no
 * PCI bus, virtio over MMIO found through ACPI, an ELF vmlinux booted through
 * its PVH entry); under TCG it boots once the kernel is told the TSC rate
 * (src/vmm/qemu/machine.ts). A VM here goes through create, SSH, the guest
 * agent (vm ports), a live snapshot and a fork, a graceful stop and delete.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables'));

/** Seconds since a process started, from /proc (clock ticks since boot). */
function processAgeSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return uptime - startTicks / 100;
}

describe.skipIf(skipReason(missing))('smoke: microvm machine under TCG (virtio-mmio)', () => {
  let rig: SmokeRig;

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgs-mv-', netnsTag: 'mvm', extraConfig: ['qemu_machine = "microvm"'] });
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  it('boots the image on microvm: no PCI, virtio over MMIO, SSH, the agent, snapshot and fork, a graceful stop, delete', async () => {
    const created = await rig.cli(['vm', 'create', '--name', 'mv', '--json'], { timeoutMs: 300_000 });
    expect(created.code, rig.why(created)).toBe(0);
    expect(jsonData(created.stdout)).toMatchObject({ name: 'mv', state: 'running' });

    const [pid] = rig.vmmProcesses();
    expect(pid).toBeDefined();
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv[argv.indexOf('-machine') + 1]).toMatch(/^microvm,/);
    expect(argv[argv.indexOf('-accel') + 1]).toBe('tcg');
    // The ELF vmlinux, booted through its PVH entry, as Firecracker boots it.
    expect(argv[argv.indexOf('-kernel') + 1]).toMatch(/\/vmlinux$/);

    const probe = await rig.cli(['vm', 'ssh', 'mv', '--', 'sh', '-c', [
      'cat /proc/cmdline',
      'readlink -f /sys/block/vda/device',
      'ls /sys/bus/pci/devices 2>/dev/null | wc -l',
      'cat /sys/devices/system/clocksource/clocksource0/current_clocksource',
      'cut -d" " -f1 /proc/uptime',
    ].join('; ')], { timeoutMs: 120_000 });
    expect(probe.code, rig.why(probe)).toBe(0);
    const [cmdline, vdaDevice, pciCount, clocksource, uptime] = probe.stdout.trim().split('\n');
    expect(cmdline).toMatch(/\btsc_early_khz=\d+\b/);
    // virtio-mmio transports are ACPI devices LNRO0005 on microvm; on pc the disk hangs off a PCI address.
    expect(vdaDevice).toMatch(/LNRO0005/);
    expect(vdaDevice).not.toMatch(/pci/);
    expect(Number(pciCount)).toBe(0);
    expect(clocksource).toBe('tsc');
    // The TSC rate the guest was told is the rate it runs at: its uptime fits inside the VMM's
    // lifetime and is most of it (a wrong rate would stretch or shrink it by the error).
    const age = processAgeSeconds(pid!);
    expect(Number(uptime)).toBeLessThanOrEqual(age * 1.1 + 1);
    expect(Number(uptime)).toBeGreaterThan(age * 0.4);

    // The guest agent answers over virtio-serial on the MMIO transport.
    const ports = await rig.cli(['vm', 'ports', 'mv', '--json'], { timeoutMs: 60_000 });
    expect(ports.code, rig.why(ports)).toBe(0);
    expect(jsonData(ports.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ port: 22 })]));

    // A live snapshot and a fork restore microvm's device state (no vmgenid here: the agent's seed reseeds the fork).
    const snap = await rig.cli(['vm', 'snapshot', 'mv', '--name', 'mv-s1'], { timeoutMs: 120_000 });
    expect(snap.code, rig.why(snap)).toBe(0);
    const fork = await rig.cli(['vm', 'fork', 'mv', '--name', 'mv-fork'], { timeoutMs: 120_000 });
    expect(fork.code, rig.why(fork)).toBe(0);
    const secret = 'hostname; head -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n"';
    const [a, b] = await Promise.all(['mv', 'mv-fork'].map((vm) => rig.cli(['vm', 'ssh', vm, '--', 'sh', '-c', secret], { timeoutMs: 120_000 })));
    expect(a!.stdout.split('\n')[0]).toBe('mv');
    expect(b!.stdout.split('\n')[0]).toBe('mv-fork');
    expect(a!.stdout.split('\n')[1]).not.toBe(b!.stdout.split('\n')[1]);
    expect((await rig.cli(['vm', 'delete', '--force', 'mv-fork'], { timeoutMs: 120_000 })).code).toBe(0);

    // system_powerdown reaches the guest through microvm's ACPI GED: a clean power-off, not a kill.
    const stopped = await rig.cli(['vm', 'stop', 'mv'], { timeoutMs: 120_000 });
    expect(stopped.code, rig.why(stopped)).toBe(0);
    expect(rig.vmmProcesses()).toEqual([]);
    const logs = await rig.cli(['vm', 'logs', 'mv', '--tail', '40'], { timeoutMs: 30_000 });
    expect(logs.stdout).toMatch(/reboot: Power down/);

    const deleted = await rig.cli(['vm', 'delete', 'mv'], { timeoutMs: 120_000 });
    expect(deleted.code, rig.why(deleted)).toBe(0);
    expect(jsonData((await rig.cli(['vm', 'list', '--json'])).stdout)).toEqual([]);
  }, 900_000);
});
