import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { VmmName } from '../../model/index.js';
import type { AccelDecision } from '../../vmm/accel.js';
import type { VmmDriver } from '../../model/vmm.js';
import { createFirecrackerDriver } from '../../vmm/firecracker/driver.js';
import { createQemuDriver } from '../../vmm/qemu/driver.js';
import type { StandinDriver } from '../../vmm/standin/index.js';

/**
 * `driverFor` for BangerPorts: one driver per kind, built on first use (a
 * daemon with only stand-in VMs never touches QEMU or Firecracker).
 */
export function createDriverRegistry(deps: { accel: AccelDecision; standin: StandinDriver }): (vmm: VmmName) => VmmDriver {
  const made = new Map<VmmName, VmmDriver>([['standin', deps.standin]]);
  return (vmm) => {
    let d = made.get(vmm);
    if (!d) {
      d = vmm === 'qemu' ? createQemuDriver({ accel: deps.accel.accel }) : createFirecrackerDriver();
      made.set(vmm, d);
    }
    return d;
  };
}

/**
 * Decides the backend for new VMs from config `vmm`. `auto` picks Firecracker
 * only when its binary is on PATH and KVM is usable (it has no TCG), else QEMU.
 */
export function chooseVmmKind(setting: Config['vmm'], accel: AccelDecision, path = process.env.PATH ?? ''): VmmName {
  if (setting !== 'auto') return setting;
  return accel.kvm === 'usable' && onPath('firecracker', path) ? 'firecracker' : 'qemu';
}

function onPath(bin: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
