import { HOSTS_INSTANCE_RE } from '../../src/host/hosts/index.js';
import { VM_NAME_PATTERN } from '../../src/model/names.js';
import { checkGuestIp } from './ips.js';
import { refuse } from './refuse.js';
import type { HelperPolicy } from './policy.js';

/** bangerd's DNS port on the bridge: unprivileged, since bangerd binds it as an ordinary user. */
export function checkDnsPort(port: number): number {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw refuse('dns.port_invalid', `DNS port ${JSON.stringify(port)} is outside 1024-65535`, "redirect to bangerd's unprivileged DNS port (dns_listen's port, e.g. 5353)");
  }
  return port;
}

export function checkHostsInstance(instance: string): string {
  if (!HOSTS_INSTANCE_RE.test(instance)) {
    throw refuse('hosts.instance_invalid', `hosts block id ${JSON.stringify(instance)} is not 12 lowercase hex digits`, 'pass the id bangerd derives from its uid and state dir (instanceId in src/host/network/instance.ts)');
  }
  return instance;
}

/**
 * Each entry is `NAME.vm` with NAME a banger VM name and a guest address
 * inside the CIDR, each name once: the helper writes nothing else into the
 * hosts file, so a caller cannot shadow a real host name.
 */
export function checkHostsEntries(entries: ReadonlyArray<{ name: string; ip: string }>, policy: HelperPolicy): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const m = /^(.*)\.vm$/.exec(e.name);
    if (!m || !VM_NAME_PATTERN.test(m[1]!)) {
      throw refuse('hosts.name_invalid', `hosts entry ${JSON.stringify(e.name)} is not NAME.vm with a banger VM name`, 'publish only NAME.vm, NAME lowercase letters, digits and inner hyphens (1-63)');
    }
    if (seen.has(e.name)) throw refuse('hosts.name_invalid', `hosts entry ${JSON.stringify(e.name)} appears twice`, 'publish each VM name once');
    seen.add(e.name);
    checkGuestIp(e.ip, policy);
  }
}
