import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { ConflictError, HostError, InvalidInputError } from '../errors/index.js';
import { formatHostAddress, type ForwardSpec } from '../model/index.js';
import { findPortHolder } from './holder.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

/** True when a bind of `a` and one of `b` on the same port would collide. */
export function addressesOverlap(a: string, b: string): boolean {
  return a === b || WILDCARD.has(a) || WILDCARD.has(b);
}

/** Every address configured on this host's interfaces (in bangerd's network namespace). */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address);
}

/**
 * The host address must be one bangerd can bind: an address of this host, or
 * 0.0.0.0 / :: (every interface), which a user has to type, so exposing a VM
 * to the network is never a default.
 * @throws InvalidInputError naming the addresses that would work.
 */
export function checkHostAddress(hostIp: string, addresses: readonly string[] = localAddresses()): void {
  if (WILDCARD.has(hostIp) || addresses.includes(hostIp)) return;
  const choices = addresses.filter((a) => !a.startsWith('fe80')).slice(0, 6);
  throw new InvalidInputError(`host address ${hostIp} is not an address of this host`, {
    code: 'forward.address_not_local',
    hint: `use 127.0.0.1 (the default), 0.0.0.0 for every interface, or one of: ${choices.join(', ')}`,
  });
}

/** The lowest port an unprivileged process may bind (`net.ipv4.ip_unprivileged_port_start`, 1024 by default). */
export function unprivilegedPortStart(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    return Number.isInteger(n) ? n : 1024;
  } catch {
    return 1024;
  }
}

function privilegedError(spec: ForwardSpec, start: number): InvalidInputError {
  return new InvalidInputError(`host port ${spec.hostPort} is privileged (below ${start}) and bangerd does not run as root`, {
    code: 'forward.port_privileged',
    hint: `pick a host port from ${start} up (e.g. ${spec.hostPort + 8000 <= 65535 ? spec.hostPort + 8000 : 8080}:${spec.guestPort}), or lower it: sudo sysctl net.ipv4.ip_unprivileged_port_start=${spec.hostPort}`,
  });
}

/** Refuses a privileged host port up front when bangerd is not root (the bind would fail with EACCES). */
export function checkPrivilegedPort(spec: ForwardSpec, uid = process.getuid?.() ?? 0, start = unprivilegedPortStart()): void {
  if (uid !== 0 && spec.hostPort < start) throw privilegedError(spec, start);
}

/**
 * Turns a failed bind into one line a user can act on: the holder of a port in
 * use (by name and pid, found through /proc), EACCES for a privileged port,
 * EADDRNOTAVAIL for an address this host does not have.
 */
export function bindError(err: unknown, spec: ForwardSpec): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${formatHostAddress(spec.hostIp, spec.hostPort)}/${spec.proto}`;
  if (code === 'EADDRINUSE') {
    const holder = findPortHolder(spec.proto, spec.hostIp, spec.hostPort);
    const by = holder ? `${holder.comm} (pid ${holder.pid})` : 'another program';
    return new ConflictError(`host port ${where} is in use by ${by}`, {
      code: 'forward.port_in_use',
      hint: `pick another host port, or stop ${holder ? holder.comm : 'the program holding it'}`,
    });
  }
  if (code === 'EACCES') return privilegedError(spec, unprivilegedPortStart());
  if (code === 'EADDRNOTAVAIL') return new InvalidInputError(`host address ${spec.hostIp} is not an address of this host`, { code: 'forward.address_not_local', hint: 'use 127.0.0.1 (the default) or an address shown by `ip addr`' });
  return new HostError(`cannot listen on ${where}: ${(err as Error).message}`, { code: 'forward.bind_failed', cause: err });
}
