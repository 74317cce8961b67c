import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from '../../config/index.js';
import { parseDuration } from '../../config/index.js';
import { GuestError } from '../../errors/index.js';
import { diskFullError } from '../../host/disk-full.js';
import type { VmmBackend } from '../registry.js';
import { restoreFields } from '../restore.js';
import { createStandinDriver, createStandinGuest, type StandinBehaviour } from './driver.js';

/**
 * `vmm = "standin"` (tests, benches, development): disks are plain sparse
 * files in the VM dir, the launch spec names them, and the guest is ready
 * when the stand-in driver says so (after its configured delay).
 */
export const standinBackend: VmmBackend = {
  files: { systemOverlay: 'system.img', controlSocket: 'api.sock' },
  agentTransport(vm) {
    throw new GuestError(`VM ${vm.name} runs on the stand-in VMM, which has no guest agent`, {
      code: 'guest.no_agent',
      hint: 'use a real VMM (vmm = "qemu" in config.toml) for vm ports',
    });
  },
  create: (deps) => ({
    driver: createStandinDriver(deps.standinBehaviour),
    guest: createStandinGuest(deps.standinBehaviour ?? (() => ({}))),
    storage: {
      async prepare(vm) {
        try {
          // The leaf without `recursive`: Node 20's async recursive mkdir reports ENOSPC as ENOENT.
          await mkdir(deps.layout.vmsDir, { recursive: true, mode: 0o700 });
          await mkdir(vm.runtime.vmDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
          });
          await sparseFile(vm.runtime.systemOverlayPath, vm.spec.systemOverlaySizeBytes);
          await sparseFile(vm.runtime.workDiskPath, vm.spec.workDiskSizeBytes);
        } catch (err) {
          throw diskFullError(err, [deps.layout.vmsDir], `preparing storage for VM ${vm.name}`) ?? err;
        }
        return {
          rootDisk: { path: vm.runtime.systemOverlayPath, format: 'raw' },
          workDisk: { path: vm.runtime.workDiskPath, format: 'raw' },
        };
      },
      // Stand-in disks are sparse placeholders: the frozen copy is the file itself, the VM gets a fresh one.
      async freeze(vm, disks) {
        for (const d of disks) {
          await rename(d.activePath, d.frozenPath);
          await sparseFile(d.activePath, d.drive === 'root' ? vm.spec.systemOverlaySizeBytes : vm.spec.workDiskSizeBytes);
        }
      },
      async destroy(vm) {
        await rm(vm.runtime.vmDir, { recursive: true, force: true });
        await rm(dirname(vm.runtime.apiSockPath), { recursive: true, force: true });
      },
      async diskUsage(vm) {
        return { systemOverlayBytes: await allocated(vm.runtime.systemOverlayPath), workDiskBytes: await allocated(vm.runtime.workDiskPath) };
      },
    },
    planner: {
      launchSpec(vm, parts) {
        return {
          vmId: vm.id,
          name: vm.name,
          vcpuCount: vm.spec.vcpuCount,
          memoryMiB: vm.spec.memoryMiB,
          kernelPath: deps.images.get(vm.imageId)?.kernelPath ?? '/nonexistent/standin-kernel',
          kernelArgs: 'standin',
          rootDisk: parts.storage.rootDisk,
          ...(parts.storage.workDisk ? { workDisk: parts.storage.workDisk } : {}),
          network: { tap: parts.tap, mac: parts.mac },
          apiSockPath: vm.runtime.apiSockPath,
          agentSockPath: vm.runtime.agentSockPath,
          logPath: vm.runtime.logPath,
          ...restoreFields(vm, deps.snapshots),
        };
      },
    },
  }),
};

/** The stand-in's behaviour for every VM, from config `[standin]`. */
export function standinBehaviourFromConfig(c: Config['standin']): StandinBehaviour {
  const step = (delay: string, failHere: boolean) => {
    const delayMs = parseDuration(delay) ?? 0;
    return { ...(delayMs > 0 ? { delayMs } : {}), ...(failHere ? { fail: 'fail_at in config [standin]' } : {}) };
  };
  return {
    prepare: step(c.prepare_delay, c.fail_at === 'prepare'),
    launch: step(c.launch_delay, c.fail_at === 'launch'),
    guestReady: step(c.guest_ready_delay, c.fail_at === 'guest_ready'),
    stop: step(c.stop_delay, c.fail_at === 'stop'),
  };
}

/** Creates the file at `size` bytes without allocating blocks; leaves an existing file alone (idempotent). */
async function sparseFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'a', 0o600);
  try {
    if ((await fh.stat()).size < size) await fh.truncate(size);
  } finally {
    await fh.close();
  }
}

async function allocated(path: string): Promise<number> {
  const st = await stat(path).catch(() => null);
  return st ? st.blocks * 512 : 0;
}
