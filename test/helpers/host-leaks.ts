import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { listHostsBlocks } from '../../src/host/hosts/index.js';

/**
 * Lists host resources banger (or its tests) would name: links (br-*, bg*,
 * banger*), network namespaces banger*, iptables rules with a banger: comment,
 * loop devices on files whose path mentions banger, banger blocks in the
 * host's /etc/hosts, and /etc/netns/banger* dirs (a test namespace's hosts
 * file). Read-only.
 */
export interface HostResources {
  links: string[];
  netns: string[];
  iptables: string[];
  loops: string[];
  /** Named-user entries on /dev/net/tun (a helper gives its owner one while it runs). */
  tunAcl: string[];
  /** Instance ids of `# >>> banger ID >>>` blocks in the host's hosts file (tests must only ever write their namespace's copy). */
  hostsBlocks?: string[];
  /** /etc/netns entries of banger test namespaces. */
  netnsEtc?: string[];
}

/** @default '/etc/hosts' (the root mount namespace's, which is where the leak check runs) */
export function listHostsFileBlocks(path = '/etc/hosts'): string[] {
  try {
    return listHostsBlocks(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

const run = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
  } catch {
    return '';
  }
};

export function listBangerHostResources(): HostResources {
  const links = (JSON.parse(run('ip', ['-j', 'link', 'show']) || '[]') as { ifname: string }[])
    .map((l) => l.ifname)
    .filter((n) => /^(br-banger|br-bg|bg|banger)/.test(n));
  const netns = run('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('banger'));
  const iptables = ['iptables-save', 'iptables-legacy-save']
    .flatMap((cmd) => run(cmd, []).split('\n').map((l) => `${cmd}: ${l}`))
    .filter((l) => /--comment "?banger:/.test(l));
  const loops = run('losetup', ['-a'])
    .split('\n')
    .filter((l) => /banger/.test(l))
    .map((l) => l.trim());
  const tunAcl = run('getfacl', ['-cn', '/dev/net/tun'])
    .split('\n')
    .filter((l) => /^user:\d+:/.test(l));
  let netnsEtc: string[] = [];
  try {
    netnsEtc = readdirSync('/etc/netns').filter((n) => n.startsWith('banger'));
  } catch {
    // no /etc/netns: nothing there
  }
  return { links, netns, iptables, loops, tunAcl, hostsBlocks: listHostsFileBlocks(), netnsEtc };
}

/** Resources in `after` that were not in `before` (so other people's leftovers don't count). */
export function newResources(before: HostResources, after: HostResources): HostResources {
  const diff = (a: string[], b: string[]) => b.filter((x) => !a.includes(x));
  return {
    links: diff(before.links, after.links),
    netns: diff(before.netns, after.netns),
    iptables: diff(before.iptables, after.iptables),
    loops: diff(before.loops, after.loops),
    tunAcl: diff(before.tunAcl, after.tunAcl),
    hostsBlocks: diff(before.hostsBlocks ?? [], after.hostsBlocks ?? []),
    netnsEtc: diff(before.netnsEtc ?? [], after.netnsEtc ?? []),
  };
}

export function describeLeaks(r: HostResources): string | null {
  const parts = Object.entries(r)
    .filter(([, v]) => (v as string[]).length > 0)
    .map(([k, v]) => `${k}: ${(v as string[]).join(', ')}`);
  return parts.length ? parts.join('; ') : null;
}
