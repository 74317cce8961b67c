import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { listHostsFileBlocks } from '../../helpers/host-leaks.js';

/**
 * What the reliability tests create on the host, found by the names they give
 * it: temp roots /tmp/bgrel-*, netns banger-rel-*, users bgrel*, mounts and
 * processes under /tmp/bgrel-*, the namespaces' /etc/netns/banger-rel-* dirs,
 * and any banger block in the host's own /etc/hosts (test daemons must only
 * write their namespace's copy). The host is shared with other engineers'
 * suites, so the leak figure counts only these, diffed against a snapshot
 * taken before the run.
 */
export const OWN_PREFIX = 'bgrel-';

export interface OwnResources {
  dirs: string[];
  netns: string[];
  users: string[];
  mounts: string[];
  processes: string[];
  netnsEtc: string[];
  hostsBlocks: string[];
}

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

export function listOwnResources(): OwnResources {
  const dirs = safe(() => readdirSync('/tmp').filter((d) => d.startsWith(OWN_PREFIX)), []).map((d) => `/tmp/${d}`);
  const netns = safe(() => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('banger-rel-'));
  const users = safe(() => readFileSync('/etc/passwd', 'utf8'), '')
    .split('\n')
    .map((l) => l.split(':')[0] ?? '')
    .filter((u) => u.startsWith('bgrel'));
  const mounts = safe(() => readFileSync('/proc/mounts', 'utf8'), '')
    .split('\n')
    .filter((l) => l.includes(`/tmp/${OWN_PREFIX}`))
    .map((l) => l.split(' ')[1] ?? l);
  const processes: string[] = [];
  for (const pid of safe(() => readdirSync('/proc'), [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = safe(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '), '');
    const env = safe(() => readFileSync(`/proc/${pid}/environ`, 'utf8'), '');
    if (cmd.includes(`/tmp/${OWN_PREFIX}`) || env.includes(`=/tmp/${OWN_PREFIX}`)) processes.push(`${pid} ${cmd.slice(0, 120)}`);
  }
  const netnsEtc = safe(() => readdirSync('/etc/netns').filter((d) => d.startsWith('banger-rel-')), []).map((d) => `/etc/netns/${d}`);
  return { dirs, netns, users, mounts, processes, netnsEtc, hostsBlocks: listHostsFileBlocks() };
}

/** Entries in `after` not in `before`. */
export function newOwnResources(before: OwnResources, after: OwnResources): OwnResources {
  const diff = (a: string[], b: string[]) => b.filter((x) => !a.includes(x));
  return {
    dirs: diff(before.dirs, after.dirs),
    netns: diff(before.netns, after.netns),
    users: diff(before.users, after.users),
    mounts: diff(before.mounts, after.mounts),
    processes: diff(before.processes, after.processes),
    netnsEtc: diff(before.netnsEtc, after.netnsEtc),
    hostsBlocks: diff(before.hostsBlocks, after.hostsBlocks),
  };
}

export function describeOwn(r: OwnResources): string[] {
  return Object.entries(r).flatMap(([k, v]) => (v as string[]).map((x) => `${k}: ${x}`));
}

/** Best-effort removal of leaked resources after they were counted, so one bad run does not poison the next. */
export function removeOwn(r: OwnResources): void {
  const run = (cmd: string, args: string[]) => safe(() => execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }), undefined);
  for (const p of r.processes) safe(() => process.kill(Number(p.split(' ')[0]), 'SIGKILL'), undefined);
  for (const m of r.mounts) run('umount', ['-l', m]);
  for (const n of r.netns) run('ip', ['netns', 'del', n]);
  for (const u of r.users) run('userdel', [u]);
  for (const d of [...r.dirs, ...r.netnsEtc]) run('rm', ['-rf', '--one-file-system', d]);
  // A block in the host's hosts file is left for a person to look at: removing it means editing /etc/hosts.
}
