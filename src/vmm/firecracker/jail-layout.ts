import { join, posix } from 'node:path';
import { JAIL_NAMES } from '../../model/jail.js';
import type { VmmLaunchSpec } from '../../model/vmm.js';

/**
 * Pure: where a jailed Firecracker's files are, seen from the host and from
 * inside its chroot. The jailer builds `<base>/<exec file name>/<id>/root`
 * (docs/jailer.md, src/jailer/src/env.rs: the exec file's canonical basename,
 * not always "firecracker") and Firecracker, chrooted there, opens every path
 * the API names relative to that root. banger flattens the jail: each file is
 * one fixed name directly under the root, so the mapping is a name table.
 */

export interface JailLayout {
  /** Config `jailer_chroot_base`. */
  base: string;
  /** Basename of the Firecracker binary the jailer copies in (its real path's). */
  execName: string;
  vmId: string;
  /** `<base>/<execName>/<vmId>`: what jail.remove deletes. */
  dir: string;
  /** `<dir>/root`: the chroot. */
  root: string;
}

export function jailLayout(base: string, execName: string, vmId: string): JailLayout {
  const dir = join(base, execName, vmId);
  return { base, execName, vmId, dir, root: join(dir, 'root') };
}

/** The path Firecracker sees for a jail name. */
export function inJail(name: string): string {
  return posix.join('/', name);
}

/** The host path of a path Firecracker sees (absolute inside the chroot). */
export function hostPathOf(layout: JailLayout, jailPath: string): string {
  const norm = posix.normalize(jailPath);
  if (!norm.startsWith('/') || norm.split('/').includes('..')) throw new Error(`not a path inside the jail: ${jailPath}`);
  return join(layout.root, norm);
}

/** The path Firecracker sees for a host path under the jail root, or undefined when it is outside. */
export function jailPathOf(layout: JailLayout, hostPath: string): string | undefined {
  const prefix = `${layout.root}/`;
  if (hostPath === layout.root) return '/';
  return hostPath.startsWith(prefix) ? `/${hostPath.slice(prefix.length)}` : undefined;
}

/**
 * The jail an API socket path belongs to (`<base>/<execName>/<id>/root/api.sock`),
 * so a handle (pid + socket) is enough to find the jail to remove after a stop.
 */
export function jailOfSocket(base: string, apiSockPath: string): { execName: string; vmId: string } | undefined {
  const prefix = base.endsWith('/') ? base : `${base}/`;
  if (!apiSockPath.startsWith(prefix)) return undefined;
  const parts = apiSockPath.slice(prefix.length).split('/');
  if (parts.length !== 4 || parts[2] !== 'root' || parts[3] !== JAIL_NAMES.apiSock) return undefined;
  const [execName, vmId] = parts as [string, string];
  return { execName, vmId };
}

/** One host file put into the jail under `name` (hard link, bind mount or a device node: the helper decides). */
export interface JailLink {
  source: string;
  name: string;
}

export interface JailPlan {
  layout: JailLayout;
  /** Files Firecracker reads or writes that exist on the host. */
  links: JailLink[];
  /** Empty files the owner must own before Firecracker starts (it opens logger and metrics paths, never creates them). */
  create: string[];
  /** The spec as Firecracker sees it: every path inside the chroot. */
  spec: VmmLaunchSpec;
  /** Host paths of the sockets Firecracker binds in the jail. */
  apiSock: string;
  agentSock: string;
}

/**
 * The jailed launch of `spec`: what goes into the chroot, and the spec with
 * jail paths for the API bodies. The console log is the jailer's stdout,
 * opened on the host, so it stays where it is.
 */
export function planJail(spec: VmmLaunchSpec, layout: JailLayout): JailPlan {
  const links: JailLink[] = [];
  const link = (source: string, name: string): string => {
    links.push({ source, name });
    return inJail(name);
  };
  const jailed: VmmLaunchSpec = {
    ...spec,
    kernelPath: link(spec.kernelPath, JAIL_NAMES.kernel),
    rootDisk: { ...spec.rootDisk, path: link(spec.rootDisk.path, JAIL_NAMES.rootDisk) },
    apiSockPath: inJail(JAIL_NAMES.apiSock),
    agentSockPath: inJail(JAIL_NAMES.agentSock),
  };
  if (spec.initrdPath) jailed.initrdPath = link(spec.initrdPath, JAIL_NAMES.initrd);
  if (spec.workDisk) jailed.workDisk = { ...spec.workDisk, path: link(spec.workDisk.path, JAIL_NAMES.workDisk) };
  if (spec.restore) {
    jailed.restore = {
      ...spec.restore,
      statePath: link(spec.restore.statePath, JAIL_NAMES.snapshotState),
      ...(spec.restore.memoryPath ? { memoryPath: link(spec.restore.memoryPath, JAIL_NAMES.snapshotMemory) } : {}),
    };
  }
  const create: string[] = [JAIL_NAMES.fcLog];
  if (spec.metricsPath) {
    jailed.metricsPath = inJail(JAIL_NAMES.metrics);
    create.push(JAIL_NAMES.metrics);
  }
  return {
    layout,
    links,
    create,
    spec: jailed,
    apiSock: hostPathOf(layout, jailed.apiSockPath),
    agentSock: hostPathOf(layout, jailed.agentSockPath),
  };
}

/** The Firecracker log path inside a jail (bootSequence/restoreSequence's `fcLogPath`). */
export const JAILED_FC_LOG = inJail(JAIL_NAMES.fcLog);

/**
 * The memory limit for a VM's cgroup: guest memory plus Firecracker's own
 * overhead (its binary, page tables, device buffers; measured VMMs stay well
 * under 64 MiB, the slack covers a snapshot's page-ins).
 */
export function jailMemoryLimitBytes(memoryMiB: number): number {
  return (memoryMiB + JAIL_MEMORY_OVERHEAD_MIB) * 1024 * 1024;
}

export const JAIL_MEMORY_OVERHEAD_MIB = 128;
