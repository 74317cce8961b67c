import { cidrContainsHost, parseCidr } from '../../src/host/network/index.js';
import { refuse } from './refuse.js';
import type { HelperPolicy } from './policy.js';

/** A guest address: a host address of the configured CIDR other than the gateway. */
export function checkGuestIp(ip: string, policy: HelperPolicy): string {
  const cidr = parseCidr(policy.cidr);
  if (!cidrContainsHost(cidr, ip) || ip === cidr.address) {
    throw refuse('ip.outside_cidr', `guest address ${JSON.stringify(ip)} is outside ${policy.cidr}`, `use an address inside ${policy.cidr} other than the gateway ${cidr.address}`);
  }
  return ip;
}

/** The bridge address must be exactly the configured gateway/prefix. */
export function checkBridgeAddress(address: string, policy: HelperPolicy): string {
  if (address !== policy.cidr) {
    throw refuse('ip.outside_cidr', `bridge address ${JSON.stringify(address)} is not the configured ${policy.cidr}`, `use ${policy.cidr} or change the helper's --cidr`);
  }
  return address;
}

/** bangerd's DNS server: the gateway address with an optional port. */
export function checkDnsServer(server: string, policy: HelperPolicy): string {
  const gateway = parseCidr(policy.cidr).address;
  const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(server);
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  if (!m || m[1] !== gateway || port < 1 || port > 65535) {
    throw refuse('resolver.server_invalid', `DNS server ${JSON.stringify(server)} is not on banger's bridge address ${gateway}`, `use ${gateway}:PORT`);
  }
  return server;
}
