import { AGENT_VSOCK_PORT } from '../../guest/index.js';
import { createLaunchPlanner } from '../planner.js';
import type { VmmBackend } from '../registry.js';
import { createSshGuestReady } from '../ssh-guest-ready.js';
import { createFirecrackerDriver } from './driver.js';
import { createFirecrackerStorage } from './storage.js';

/**
 * Firecracker's documented guest arguments: reboot=k makes a guest reboot
 * exit the VMM (that is how SendCtrlAltDel stops it); no PCI bus there.
 */
export const FIRECRACKER_KERNEL_ARGS = 'reboot=k pci=off';

/** Firecracker: raw root (dm snapshot or sparse copy), API socket, guest agent over vsock, SSH readiness. */
export const firecrackerBackend: VmmBackend = {
  files: { systemOverlay: 'system.img', controlSocket: 'api.sock' },
  agentTransport: (vm) => ({ kind: 'vsock', socketPath: vm.runtime.agentSockPath, port: AGENT_VSOCK_PORT }),
  create: (deps) => ({
    driver: createFirecrackerDriver(),
    storage: createFirecrackerStorage(deps),
    // Firecracker on x86_64 loads only an ELF kernel, not the bzImage.
    planner: createLaunchPlanner({ images: deps.images, snapshots: deps.snapshots, bridgeCidr: deps.bridgeCidr, extraKernelArgs: FIRECRACKER_KERNEL_ARGS, kernel: 'vmlinux' }),
    guest: createSshGuestReady({
      layout: deps.layout,
      timeoutMs: deps.guestTimeoutMs,
      identity: { agent: (vm) => firecrackerBackend.agentTransport(vm), bridgeCidr: deps.bridgeCidr },
    }),
  }),
};
