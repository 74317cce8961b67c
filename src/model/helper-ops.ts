import { z } from 'zod';

/**
 * The typed operations of the root helper: the contract between bangerd's
 * helper-bridge actor (client) and `banger-helper` (server, root), kept in the
 * contract layer so machines/ and helper/ share it without importing each
 * other. Schemas here
 * check shape only; `helper/validate/` checks meaning (name prefixes, paths
 * inside banger's layout, IPs inside the CIDR) before anything touches the host.
 *
 * Every operation is idempotent: repeating it after success changes nothing and
 * succeeds (ensure-style), so the bridge may retry after a lost reply.
 */

const ifname = z.string().min(1).max(15);
const ipv4 = z.string().min(7).max(15);
const absPath = z.string().min(1).max(4096);

/** Most names one hosts.sync may publish: bounds the file the helper writes as root. */
export const HOSTS_MAX_ENTRIES = 4096;

export const HELPER_OPS = {
  /** Liveness and identity check. */
  'helper.ping': z.object({}).strict(),
  /** Create the bridge if missing, set its address (CIDR form, e.g. 172.16.0.1/24), bring it up. */
  'bridge.ensure': z.object({ name: ifname, address: z.string().min(9).max(18) }).strict(),
  /** Create a tap owned by the owner uid, attached to the bridge, up. */
  'tap.create': z.object({ name: ifname, bridge: ifname }).strict(),
  'tap.delete': z.object({ name: ifname }).strict(),
  /**
   * MASQUERADE + FORWARD rules for one guest IP behind one tap. Also turns net.ipv4.ip_forward on when
   * it is off (and leaves it on, as docker and libvirt do): forwarding is part of NAT, not an op of its own.
   */
  'nat.up': z.object({ guestIP: ipv4, tap: ifname, bridge: ifname }).strict(),
  'nat.down': z.object({ guestIP: ipv4, tap: ifname, bridge: ifname }).strict(),
  'loop.attach': z.object({ path: absPath, readOnly: z.boolean() }).strict(),
  'loop.detach': z.object({ device: z.string().min(1).max(32) }).strict(),
  'dm.snapshotCreate': z
    .object({ name: z.string().min(1).max(64), originDevice: z.string().max(64), cowDevice: z.string().max(64), sectors: z.number().int().positive() })
    .strict(),
  'dm.snapshotRemove': z.object({ name: z.string().min(1).max(64) }).strict(),
  /** Route the `vm` DNS domain to bangerd's DNS server via systemd-resolved on the bridge link. */
  'resolver.route': z.object({ bridge: ifname, server: z.string().min(9).max(21) }).strict(),
  'resolver.unroute': z.object({ bridge: ifname }).strict(),
  /** Redirect guests' DNS (UDP 53 to the bridge address) to bangerd's unprivileged port on it. */
  'dns.redirect': z.object({ bridge: ifname, port: z.number().int() }).strict(),
  /** Remove the bridge's DNS redirect (whatever its port). */
  'dns.unredirect': z.object({ bridge: ifname }).strict(),
  /** Make this bangerd's block in the hosts file hold exactly `entries` (NAME.vm → guest IP); none removes the block. */
  'hosts.sync': z
    .object({
      instance: z.string().min(1).max(64),
      entries: z.array(z.object({ name: z.string().min(1).max(253), ip: ipv4 }).strict()).max(HOSTS_MAX_ENTRIES),
    })
    .strict(),
  /**
   * Builds a jailed Firecracker's chroot `<chrootBase>/<exec name>/<vmId>/root`, root-owned: each
   * source (inside banger's layout, or a banger dm device) under its jail name (hard link on the
   * same filesystem, else a bind mount; a block device gets a node of its own), and empty
   * owner-owned files for `create`. Starts from nothing: a stale jail of that id is removed first.
   */
  'jail.prepare': z
    .object({
      vmId: z.string().min(1).max(64),
      chrootBase: absPath,
      firecrackerBin: absPath,
      links: z.array(z.object({ source: absPath, name: z.string().min(1).max(64) }).strict()).max(16),
      create: z.array(z.string().min(1).max(64)).max(8),
    })
    .strict(),
  /**
   * Runs the jailer (root-owned, not writable by others) on a prepared jail, detached, with the
   * owner's uid/gid and a memory cgroup limit; its stdout/stderr (the guest console) append to
   * `consoleLog`. Firecracker's own arguments are fixed by the helper (--api-sock /api.sock).
   */
  'jail.launch': z
    .object({
      vmId: z.string().min(1).max(64),
      chrootBase: absPath,
      firecrackerBin: absPath,
      jailerBin: absPath,
      consoleLog: absPath,
      memoryLimitBytes: z.number().int().positive().optional(),
    })
    .strict(),
  /**
   * Kills what still runs for the VM, unmounts what jail.prepare bound, removes
   * `<chrootBase>/<execName>/<vmId>` (every *firecracker* exec name when none is given: a delete
   * after the binary changed) and the jailer's cgroup. Idempotent.
   */
  'jail.remove': z.object({ vmId: z.string().min(1).max(64), chrootBase: absPath, execName: z.string().min(1).max(64).optional() }).strict(),
} as const;

export type HelperOpName = keyof typeof HELPER_OPS;
export type HelperOpParams<O extends HelperOpName> = z.infer<(typeof HELPER_OPS)[O]>;

export interface HelperOpResults {
  'helper.ping': { version: string; uid: number; ownerUid: number; /** How the owner reaches /dev/net/tun (helper/tun-access.ts). */ tun?: string };
  'bridge.ensure': { created: boolean };
  'tap.create': { created: boolean };
  'tap.delete': { deleted: boolean };
  /** `ipForwardEnabled`: this call turned net.ipv4.ip_forward on (it was off). */
  'nat.up': { added: number; ipForwardEnabled: boolean };
  'nat.down': { removed: number };
  'loop.attach': { device: string };
  'loop.detach': { detached: boolean };
  'dm.snapshotCreate': { device: string };
  'dm.snapshotRemove': { removed: boolean };
  'resolver.route': { routed: boolean };
  'resolver.unroute': { unrouted: boolean };
  'dns.redirect': { added: number };
  'dns.unredirect': { removed: number };
  'hosts.sync': { changed: boolean; mode: 'rename' | 'in-place' | 'none' };
  /** `root`: the chroot's host path; `how`: per jail name, how it got there. */
  'jail.prepare': { root: string; how: Record<string, 'link' | 'bind' | 'node' | 'created'> };
  /** The jailer's pid, which becomes Firecracker's (the jailer execs it without forking). */
  'jail.launch': { pid: number; cgroupVersion: 1 | 2 };
  'jail.remove': { removed: boolean; unmounted: number };
}

export type HelperOpResult<O extends HelperOpName> = HelperOpResults[O];

/**
 * The one interface everything privileged goes through. Implemented by the
 * socket client (bangerd as a normal user) and by the in-process executor
 * (bangerd already root: same validation, no socket). Rejects with
 * HelperRefusedError for validation failures and HostError for failed commands.
 */
export interface PrivilegedOps {
  call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>>;
}
