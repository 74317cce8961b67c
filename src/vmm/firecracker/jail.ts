import { constants } from 'node:fs';
import { copyFile, mkdir, readlink, realpath, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VmmError } from '../../errors/index.js';
import type { HelperOpName, HelperOpParams, HelperOpResult } from '../../model/helper-ops.js';
import { JAIL_NAMES } from '../../model/jail.js';
import type { VmmLaunchSpec } from '../../model/vmm.js';
import { inJail, JAILED_FC_LOG, jailLayout, jailMemoryLimitBytes, jailOfSocket, planJail } from './jail-layout.js';

/** The helper calls a jailed launch needs (PrivilegedOps fits). */
export interface JailOps {
  call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>>;
}

export interface JailSettings {
  /** Config `jailer_bin`. */
  jailerBin: string;
  /** Config `jailer_chroot_base`. */
  chrootBase: string;
  ops: JailOps;
}

/** A jailed Firecracker just spawned: its pid, and the spec its API bodies carry (paths inside the chroot). */
export interface JailStarted {
  pid: number;
  apiSpec: VmmLaunchSpec;
  fcLogPath: string;
}

/**
 * The jailed half of the Firecracker driver: the helper builds the chroot
 * (jail.prepare) and runs the jailer as root (jail.launch); bangerd reaches
 * the sockets Firecracker binds inside the chroot through symlinks at the
 * VM's usual socket paths (connect(2) follows them), so handles, `vm ports`
 * and reconcile see the same paths as without the jailer.
 */
export function createJail(settings: JailSettings) {
  const { ops, chrootBase } = settings;

  async function link(at: string, target: string): Promise<void> {
    await rm(at, { force: true });
    await symlink(target, at);
  }

  return {
    async start(spec: VmmLaunchSpec, bin: string): Promise<JailStarted> {
      // The jailer canonicalises the exec file and names the chroot's parent after the real file.
      const firecrackerBin = await realpath(bin);
      const layout = jailLayout(chrootBase, basename(firecrackerBin), spec.vmId);
      const plan = planJail(spec, layout);
      await ops.call('jail.prepare', { vmId: spec.vmId, chrootBase, firecrackerBin, links: plan.links, create: plan.create });
      await link(spec.apiSockPath, plan.apiSock);
      await link(spec.agentSockPath, plan.agentSock);
      const { pid } = await ops.call('jail.launch', {
        vmId: spec.vmId,
        chrootBase,
        firecrackerBin,
        jailerBin: settings.jailerBin,
        consoleLog: spec.logPath,
        memoryLimitBytes: jailMemoryLimitBytes(spec.memoryMiB),
      });
      return { pid, apiSpec: plan.spec, fcLogPath: JAILED_FC_LOG };
    },

    /** Removes the jail a VM's API socket symlink points into (after its process is gone); nothing when it is not a jail's. */
    async removeForSocket(apiSockPath: string): Promise<void> {
      const target = await readlink(apiSockPath).catch(() => undefined);
      const jail = target ? jailOfSocket(chrootBase, target) : undefined;
      if (jail) await ops.call('jail.remove', { vmId: jail.vmId, chrootBase, execName: jail.execName });
    },

    /** Removes a VM's jail by id (delete, or cleanup when the socket link is gone). */
    async remove(vmId: string, execName: string): Promise<void> {
      await ops.call('jail.remove', { vmId, chrootBase, execName });
    },

    /** Where a jailed VM's snapshot files are written (inside its chroot), and how they reach the snapshot's dir. */
    async snapshotOutputs(apiSockPath: string): Promise<SnapshotOutputs | undefined> {
      const target = await readlink(apiSockPath).catch(() => undefined);
      if (!target || !jailOfSocket(chrootBase, target)) return undefined;
      const root = dirname(target);
      return {
        statePath: inJail(JAIL_NAMES.snapshotOutState),
        memoryPath: inJail(JAIL_NAMES.snapshotOutMemory),
        hostStatePath: join(root, JAIL_NAMES.snapshotOutState),
        hostMemoryPath: join(root, JAIL_NAMES.snapshotOutMemory),
      };
    },
  };
}

/** Snapshot files written inside a chroot: the paths in the API body, and where they are on the host. */
export interface SnapshotOutputs {
  statePath: string;
  memoryPath: string;
  hostStatePath: string;
  hostMemoryPath: string;
}

/** Moves a file Firecracker wrote in the jail to its place (rename, or copy across filesystems). */
export async function moveOut(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await rm(from, { force: true });
  }
  if (!(await stat(to).catch(() => undefined))) throw new VmmError(`snapshot file ${to} is missing after the move`, { code: 'vmm.snapshot_failed', hint: 'check free space in the snapshot directory' });
}
