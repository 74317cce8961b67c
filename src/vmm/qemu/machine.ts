import { readFile } from 'node:fs/promises';
import type { Accel } from '../accel.js';

/**
 * Which QEMU machine a VM runs on. `microvm` is the virtio-mmio device model
 * (the one Firecracker also gives guests); `pc` is virtio-pci. Under KVM
 * microvm is the fast path. Under TCG it boots too, given the guest's TSC
 * rate on the kernel command line (`tsc_early_khz`): microvm has no HPET, no
 * ACPI PM timer and no port 0x61 to gate the PIT, so the kernel can measure
 * the TSC against nothing and then waits forever calibrating the local APIC
 * timer on jiffies that never tick. Told the rate, it skips both.
 */
export type QemuMachine = 'microvm' | 'pc';
export type QemuMachineSetting = QemuMachine | 'auto';

/** Pure: `auto` is microvm under KVM and pc under TCG (pc needs no clock hint and is what the TCG tiers test most). */
export function chooseQemuMachine(setting: QemuMachineSetting, accel: Accel): QemuMachine {
  if (setting !== 'auto') return setting;
  return accel === 'kvm' ? 'microvm' : 'pc';
}

/**
 * Pure: the kernel arguments a machine/accelerator pair needs. TCG reads the
 * host's TSC for the guest's (QEMU's cpu_get_tsc), so the host's rate is the
 * guest's. `tsc=reliable` keeps the kernel from distrusting a TSC it cannot
 * cross-check against any other clock.
 */
export function machineKernelArgs(machine: QemuMachine, accel: Accel, hostTscKhz: number | undefined): string | undefined {
  if (machine !== 'microvm' || accel !== 'tcg') return undefined;
  return [`tsc_early_khz=${hostTscKhz ?? FALLBACK_TSC_KHZ}`, 'tsc=reliable'].join(' ');
}

/** Used when the host does not say: the guest clock then runs at the wrong rate, but it boots. */
const FALLBACK_TSC_KHZ = 2_000_000;

/**
 * The host's TSC rate in kHz, from the first `cpu MHz` of /proc/cpuinfo (on a
 * host with a constant TSC that is the TSC's rate, to within a fraction of a
 * percent); undefined when the file does not say.
 */
export async function hostTscKhz(cpuinfoPath = '/proc/cpuinfo'): Promise<number | undefined> {
  const text = await readFile(cpuinfoPath, 'utf8').catch(() => '');
  return parseCpuMhz(text);
}

export function parseCpuMhz(cpuinfo: string): number | undefined {
  const m = /^cpu MHz\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$/m.exec(cpuinfo);
  if (!m) return undefined;
  const khz = Math.round(Number(m[1]) * 1000);
  return khz >= 100_000 ? khz : undefined;
}

/** How QEMU runs, in doctor's words. */
export function describeQemuMachine(machine: QemuMachine, accel: Accel): string {
  const how = accel === 'kvm' ? 'KVM' : 'TCG software emulation';
  return machine === 'microvm' ? `${how}, microvm machine (virtio-mmio)` : `${how}, pc machine (virtio-pci)`;
}
