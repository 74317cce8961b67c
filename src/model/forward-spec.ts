import { isIP } from 'node:net';
import { InvalidInputError, UsageError } from '../errors/index.js';
import { DEFAULT_FORWARD_HOST_IP, type ForwardProto, type ForwardSpec } from './forward.js';

const SPEC_HINT = 'use [HOST_IP:]HOST_PORT:GUEST_PORT[/udp], e.g. 8080:80, 127.0.0.1:8080:80 or 5353:53/udp';

/**
 * A port number as typed: digits only, 1-65535.
 * @throws UsageError for something that is not a number, InvalidInputError for one out of range.
 */
export function parsePort(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} ${JSON.stringify(text)} is not a port number`, { code: 'forward.spec_invalid', hint: SPEC_HINT });
  const n = Number(text);
  if (n < 1 || n > 65535) throw new InvalidInputError(`${what} ${text} is out of range (1-65535)`, { code: 'forward.port_range', hint: 'pick a port from 1 to 65535; without root, from 1024 up' });
  return n;
}

/**
 * Parses a forward as Docker's `-p` takes it: `[HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]`,
 * or `GUEST_PORT[/proto]` alone (the same port on the host). An IPv6 host address
 * goes in brackets (`[::1]:8080:80`). `proto` (from `--udp`) applies when the spec
 * carries none; a spec's own `/udp` wins. The host address defaults to 127.0.0.1
 * so nothing is reachable from the network unless asked; whether the address is
 * this host's is checked by bangerd, which binds it.
 * @throws UsageError for a malformed spec, InvalidInputError for an out-of-range port.
 */
export function parseForwardSpec(spec: string, proto?: ForwardProto): ForwardSpec {
  const malformed = () => new UsageError(`malformed port forward ${JSON.stringify(spec)}`, { code: 'forward.spec_invalid', hint: SPEC_HINT });
  let rest = spec.trim();
  let p: ForwardProto = proto ?? 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const suffix = rest.slice(slash + 1).toLowerCase();
    if (suffix !== 'tcp' && suffix !== 'udp') throw malformed();
    p = suffix;
    rest = rest.slice(0, slash);
  }
  let hostIp = DEFAULT_FORWARD_HOST_IP;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw malformed();
    hostIp = rest.slice(1, close);
    if (isIP(hostIp) !== 6) throw malformed();
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (parts.some((x) => x === '')) throw malformed();
  if (parts.length === 3 && hostIp === DEFAULT_FORWARD_HOST_IP && !spec.trim().startsWith('[')) {
    hostIp = parts.shift()!;
    if (isIP(hostIp) !== 4) throw new UsageError(`${JSON.stringify(hostIp)} in ${JSON.stringify(spec)} is not an IP address`, { code: 'forward.spec_invalid', hint: SPEC_HINT });
  }
  if (!parts.every((x) => /^\d+$/.test(x))) throw malformed();
  if (parts.length === 1) {
    const port = parsePort(parts[0]!, 'port');
    return { proto: p, hostIp, hostPort: port, guestPort: port };
  }
  if (parts.length !== 2) throw malformed();
  return { proto: p, hostIp, hostPort: parsePort(parts[0]!, 'host port'), guestPort: parsePort(parts[1]!, 'guest port') };
}

/** `127.0.0.1:8080`, `[::1]:8080`: how a forward's host side is written everywhere. */
export function formatHostAddress(hostIp: string, port: number): string {
  return isIP(hostIp) === 6 ? `[${hostIp}]:${port}` : `${hostIp}:${port}`;
}

/** One line for tables and messages: `127.0.0.1:8080 -> 80/tcp`. */
export function formatForward(f: ForwardSpec): string {
  return `${formatHostAddress(f.hostIp, f.hostPort)} -> ${f.guestPort}/${f.proto}`;
}
