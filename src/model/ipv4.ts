import { InvalidInputError, ConflictError } from '../errors/index.js';

/** A parsed IPv4 CIDR with the host address given (e.g. 172.16.0.1/24: gateway .1). */
export interface Ipv4Cidr {
  /** The address as written (the bridge/gateway address). */
  address: string;
  prefix: number;
  /** Network address as an unsigned 32-bit integer. */
  network: number;
  /** Broadcast address as an unsigned 32-bit integer. */
  broadcast: number;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) throw new InvalidInputError(`${JSON.stringify(ip)} is not an IPv4 address`, { code: 'ip.invalid', hint: 'use dotted quad form, e.g. 172.16.0.2' });
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses "a.b.c.d/p". Prefixes 8..30 only: a guest network needs at least two host addresses. */
export function parseCidr(cidr: string): Ipv4Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !isIpv4(m[1] ?? '') || !(prefix >= 8 && prefix <= 30)) {
    throw new InvalidInputError(`${JSON.stringify(cidr)} is not an IPv4 CIDR with prefix 8-30`, { code: 'cidr.invalid', hint: 'use the form 172.16.0.1/24' });
  }
  const address = m[1] as string;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipToInt(address) / size) * size;
  return { address, prefix, network, broadcast: network + size - 1 };
}

/** True when `ip` is a usable host address of the CIDR (not network, not broadcast). */
export function cidrContainsHost(cidr: Ipv4Cidr, ip: string): boolean {
  if (!isIpv4(ip)) return false;
  const n = ipToInt(ip);
  return n > cidr.network && n < cidr.broadcast;
}

/**
 * Picks the lowest free guest address: skips the network, broadcast and gateway
 * addresses and everything in `used`. Pure, so the store can call it inside a
 * transaction with the set of addresses held by existing VMs (which makes an
 * address stable for a VM's life and free again once its row is deleted).
 */
export function allocateGuestIp(cidrText: string, used: Iterable<string>): string {
  const cidr = parseCidr(cidrText);
  const taken = new Set<number>();
  for (const ip of used) if (isIpv4(ip)) taken.add(ipToInt(ip));
  taken.add(ipToInt(cidr.address));
  for (let n = cidr.network + 1; n < cidr.broadcast; n++) {
    if (!taken.has(n)) return intToIp(n);
  }
  throw new ConflictError(`no free guest address left in ${cidrText}`, {
    code: 'ip.exhausted',
    hint: 'delete unused VMs or configure a larger network (e.g. a /16)',
  });
}

/**
 * A stable, locally administered unicast MAC derived from the guest IP
 * (06:00 + the four address bytes, the Firecracker convention), so a VM keeps
 * its MAC for as long as it keeps its IP and two guests never share one.
 */
export function macFromIp(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x06, 0x00, ...[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
