import { createLaunchPlanner } from '../planner.js';
import type { VmmBackend } from '../registry.js';
import { createSshGuestReady } from '../ssh-guest-ready.js';
import { createQemuDriver } from './driver.js';
import { createQemuStorage } from './storage.js';
import { chooseQemuMachine, machineKernelArgs } from './machine.js';

/**
 * QEMU: qcow2 overlay, QMP control socket, guest agent over virtio-serial, SSH
 * readiness. The microvm machine boots the image's ELF vmlinux (as Firecracker
 * does, through its PVH entry), pc the bzImage.
 */
export const qemuBackend: VmmBackend = {
  files: { systemOverlay: 'system.qcow2', controlSocket: 'qmp.sock' },
  agentTransport: (vm) => ({ kind: 'virtio-serial', socketPath: vm.runtime.agentSockPath }),
  create: (deps) => {
    const machine = chooseQemuMachine(deps.qemuMachine ?? 'auto', deps.accel);
    const driver = createQemuDriver({ accel: deps.accel, machine });
    const extraKernelArgs = machineKernelArgs(machine, deps.accel, deps.hostTscKhz);
    return {
      driver,
      storage: createQemuStorage(deps),
      planner: createLaunchPlanner({
        images: deps.images,
        snapshots: deps.snapshots,
        bridgeCidr: deps.bridgeCidr,
        kernel: machine === 'microvm' ? 'vmlinux' : 'vmlinuz',
        ...(extraKernelArgs ? { extraKernelArgs } : {}),
      }),
      guest: createSshGuestReady({
        layout: deps.layout,
        timeoutMs: deps.guestTimeoutMs,
        identity: {
          agent: (vm) => qemuBackend.agentTransport(vm),
          bridgeCidr: deps.bridgeCidr,
          plug: (vm, pid) => driver.setLink({ pid, apiSockPath: vm.runtime.apiSockPath }, true),
        },
      }),
    };
  },
};
