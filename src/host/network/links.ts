import { HostError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';

/** What `ip -j link show` tells us about one link. */
export interface LinkInfo {
  name: string;
  kind?: string;
  master?: string;
  up: boolean;
  /** IFLA_IFALIAS: banger writes its instance tag here (instance.ts). */
  alias?: string;
  /** Owner of a persistent tun/tap device: `ip` prints the user's name when it has one, else the uid. */
  tunUser?: number | string;
}

interface IpJsonLink {
  ifname: string;
  master?: string;
  flags?: string[];
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_data?: { user?: number | string } };
}

/** Returns the link or null when it does not exist. */
export async function getLink(runner: CommandRunner, name: string): Promise<LinkInfo | null> {
  const res = await runner.run('ip', ['-j', '-d', 'link', 'show', 'dev', name]);
  if (res.exitCode !== 0) {
    if (/does not exist|Cannot find device/i.test(res.stderr)) return null;
    throw new HostError(`ip link show ${name} failed: ${res.stderr.trim()}`, { code: 'host.command_failed' });
  }
  const parsed = JSON.parse(res.stdout || '[]') as IpJsonLink[];
  const link = parsed[0];
  if (!link) return null;
  return toInfo(link);
}

/** Every link whose name starts with one of `prefixes`. */
export async function listLinks(runner: CommandRunner, prefixes: readonly string[]): Promise<LinkInfo[]> {
  const res = await runChecked(runner, 'ip', ['-j', '-d', 'link', 'show']);
  const parsed = JSON.parse(res.stdout || '[]') as IpJsonLink[];
  return parsed.filter((l) => prefixes.some((p) => l.ifname.startsWith(p))).map(toInfo);
}

function toInfo(link: IpJsonLink): LinkInfo {
  return {
    name: link.ifname,
    ...(link.linkinfo?.info_kind ? { kind: link.linkinfo.info_kind } : {}),
    ...(link.master ? { master: link.master } : {}),
    up: (link.flags ?? []).includes('UP'),
    ...(link.ifalias ? { alias: link.ifalias } : {}),
    ...(link.linkinfo?.info_data?.user !== undefined ? { tunUser: link.linkinfo.info_data.user } : {}),
  };
}
