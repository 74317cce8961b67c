import { createLaunchPlanner } from '../planner.js';
import type { VmmBackend } from '../registry.js';
import { createSshGuestReady } from '../ssh-guest-ready.js';
import { createQemuDriver } from './driver.js';
import { createQemuStorage } from './storage.js';

/** QEMU: qcow2 overlay, QMP control socket, guest agent over virtio-serial, SSH readiness. */
export const qemuBackend: VmmBackend = {
  files: { systemOverlay: 'system.qcow2', controlSocket: 'qmp.sock' },
  agentTransport: (vm) => ({ kind: 'virtio-serial', socketPath: vm.runtime.agentSockPath }),
  create: (deps) => {
    const driver = createQemuDriver({ accel: deps.accel });
    return {
      driver,
      storage: createQemuStorage(deps),
      planner: createLaunchPlanner({ images: deps.images, snapshots: deps.snapshots, bridgeCidr: deps.bridgeCidr }),
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
