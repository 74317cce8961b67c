import { InvalidInputError } from '../errors/index.js';

/**
 * Pure: the guest kernel command line for one VM. Network settings travel as
 * the kernel's nfsroot-style `ip=` parameter
 * (`ip=CLIENT::GATEWAY:MASK:HOST:eth0:off:DNS`, parsed by banger's guest init
 * in both profiles), so no DHCP.
 */

export interface KernelArgsInput {
  /** Fragment the image needs, e.g. "root=/dev/vda rw init=/sbin/init". */
  imageArgs?: string;
  guestIP: string;
  gatewayIP: string;
  /** Prefix length (24) or dotted mask. @default 24 */
  netmask?: number | string;
  hostname: string;
  /**
   * The guest's resolver (the gateway, where bangerd's DNS answers), the 8th
   * `ip=` field (the kernel's dns0); guest init writes it to /etc/resolv.conf.
   */
  dnsIP?: string;
  /** @default 'ttyS0' */
  console?: string;
  /** Quiet boots are much faster under TCG (serial output is costly). @default true */
  quiet?: boolean;
  extra?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function buildKernelArgs(input: KernelArgsInput): string {
  const ips: Array<[string, string]> = [['guest IP', input.guestIP], ['gateway IP', input.gatewayIP]];
  if (input.dnsIP !== undefined) ips.push(['DNS server IP', input.dnsIP]);
  for (const [what, ip] of ips) {
    if (!IPV4.test(ip)) throw new InvalidInputError(`${what} ${JSON.stringify(ip)} is not an IPv4 address`, { hint: 'check the network CIDR in config.toml' });
  }
  if (!HOSTNAME.test(input.hostname)) {
    throw new InvalidInputError(`hostname ${JSON.stringify(input.hostname)} is not a valid host name`, { hint: 'use letters, digits and dashes' });
  }
  const mask = prefixToMask(input.netmask ?? 24);
  const parts = [
    `console=${input.console ?? 'ttyS0'}`,
    ...(input.quiet === false ? [] : ['quiet']),
    'panic=-1',
    'net.ifnames=0',
    `ip=${input.guestIP}::${input.gatewayIP}:${mask}:${input.hostname}:eth0:off${input.dnsIP ? `:${input.dnsIP}` : ''}`,
    ...(input.imageArgs ? [input.imageArgs.trim()] : []),
    ...(input.extra ? [input.extra.trim()] : []),
  ];
  return parts.join(' ');
}

export function prefixToMask(m: number | string): string {
  if (typeof m === 'string') {
    if (IPV4.test(m)) return m;
    m = Number(m);
  }
  if (!Number.isInteger(m) || m < 0 || m > 32) throw new InvalidInputError(`netmask /${m} is out of range`, { hint: 'use a prefix from 0 to 32' });
  const bits = m === 0 ? 0 : (0xffffffff << (32 - m)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

