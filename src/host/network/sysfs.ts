import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename, join } from 'node:path';
import { cidrContainsHost, parseCidr } from '../../model/ipv4.js';
import { bridgeHolder, tagInstance } from './instance.js';

/**
 * Unprivileged link facts from /sys/class/net, for bangerd (which has no
 * CAP_NET_ADMIN and must not spawn `ip` on hot paths): which taps are this
 * instance's, whether a VM's tap is still on the bridge, and which other
 * instance holds a bridge, tap names or addresses this one is configured for.
 */

export const SYS_NET = '/sys/class/net';

export interface SysLink {
  name: string;
  /** IFLA_IFALIAS (banger writes its instance tag there). */
  alias?: string;
  /** The bridge this link is enslaved to. */
  master?: string;
  /** Owner uid of a tun/tap device (-1 or absent when none). */
  tunOwner?: number;
}

const readText = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
};

export function readSysLink(name: string, root = SYS_NET): SysLink | null {
  const dir = join(root, name);
  const alias = readText(join(dir, 'ifalias'));
  if (alias === undefined && readText(join(dir, 'ifindex')) === undefined) return null;
  let master: string | undefined;
  try {
    master = basename(readlinkSync(join(dir, 'master')));
  } catch {
    master = undefined;
  }
  const owner = Number(readText(join(dir, 'owner')) ?? Number.NaN);
  return {
    name,
    ...(alias ? { alias } : {}),
    ...(master ? { master } : {}),
    ...(Number.isInteger(owner) && owner >= 0 ? { tunOwner: owner } : {}),
  };
}

export function listSysLinks(root = SYS_NET): string[] {
  try {
    return readdirSync(root);
  } catch {
    return [];
  }
}

/** Taps named `prefix…` that carry `tag`: the only leftovers an instance may adopt or delete. */
export function listOwnTaps(prefix: string, tag: string, root = SYS_NET): string[] {
  return listSysLinks(root).filter((n) => n.startsWith(prefix) && readSysLink(n, root)?.alias === tag);
}

/** What became of a running VM's tap. */
export type TapState = 'ok' | 'missing' | 'detached' | 'foreign';

export function tapState(name: string, bridge: string, tag: string, root = SYS_NET): TapState {
  const link = readSysLink(name, root);
  if (!link) return 'missing';
  if (link.alias !== tag) return 'foreign';
  return link.master === bridge ? 'ok' : 'detached';
}

export interface NetworkClaim {
  bridge: string;
  tapPrefix: string;
  /** Bridge address in CIDR form. */
  cidr: string;
  tag: string;
}

/** One reason this instance cannot use its configured network, with the config key that fixes it. */
export interface NetworkConflict {
  message: string;
  key: 'bridge_name' | 'tap_prefix' | 'bridge_cidr';
}

/**
 * What another banger instance (or anything else) holds of this instance's
 * configured network: its bridge with taps attached under another instance's
 * tag, taps with its prefix tagged by another instance, or another link with
 * an address inside its CIDR. Empty when the network is free or already ours.
 */
export function findNetworkConflicts(claim: NetworkClaim, deps: { root?: string; addresses?: () => ReturnType<typeof networkInterfaces> } = {}): NetworkConflict[] {
  const root = deps.root ?? SYS_NET;
  const out: NetworkConflict[] = [];
  const names = listSysLinks(root);
  const links = new Map(names.map((n) => [n, readSysLink(n, root)] as const));
  const describeHolder = (id: string) => {
    const uids = new Set([...links.values()].filter((l) => l && tagInstance(l.alias) === id && l.tunOwner !== undefined).map((l) => l!.tunOwner));
    return `banger instance ${id}${uids.size === 1 ? ` (uid ${[...uids][0]})` : ''}`;
  };

  const attached = [...links.values()].filter((l) => l?.master === claim.bridge).map((l) => l!.name);
  const holder = bridgeHolder(links.get(claim.bridge)?.alias, claim.tag, attached);
  if (holder) out.push({ key: 'bridge_name', message: `bridge ${claim.bridge} is in use by ${describeHolder(holder)}` });

  const foreignTaps = new Map<string, string[]>();
  for (const l of links.values()) {
    if (!l || !l.name.startsWith(claim.tapPrefix)) continue;
    const holder = tagInstance(l.alias);
    if (holder && l.alias !== claim.tag) foreignTaps.set(holder, [...(foreignTaps.get(holder) ?? []), l.name]);
  }
  for (const [holder, taps] of foreignTaps) {
    out.push({ key: 'tap_prefix', message: `taps named ${claim.tapPrefix}… (${taps.slice(0, 3).join(', ')}) belong to ${describeHolder(holder)}` });
  }

  const net = parseCidr(claim.cidr);
  for (const [ifname, addrs] of Object.entries((deps.addresses ?? networkInterfaces)())) {
    if (ifname === claim.bridge) continue;
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && cidrContainsHost(net, a.address)) {
        const holder = tagInstance(links.get(ifname)?.alias);
        out.push({ key: 'bridge_cidr', message: `${ifname}${holder ? ` (${describeHolder(holder)})` : ''} already has ${a.address}, inside bridge_cidr ${claim.cidr}` });
      }
    }
  }
  return out;
}
