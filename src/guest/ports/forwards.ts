import { formatHostAddress, type ForwardView, type PortRow } from '../../model/index.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

/**
 * Adds each row's port forward: the host address it is bound on, and an
 * endpoint a user can open (a URL for a web server). A wildcard bind is opened
 * through loopback. TCP rows (tcp, http, https) match TCP forwards, UDP rows UDP.
 */
export function withForwards(rows: readonly PortRow[], forwards: readonly ForwardView[]): PortRow[] {
  return rows.map((r) => {
    const proto = r.proto === 'udp' ? 'udp' : 'tcp';
    const f = forwards.find((x) => x.proto === proto && x.guestPort === r.port);
    if (!f) return r;
    const open = formatHostAddress(WILDCARD.has(f.hostIp) ? (f.hostIp === '::' ? '::1' : '127.0.0.1') : f.hostIp, f.hostPort);
    return {
      ...r,
      forward: formatHostAddress(f.hostIp, f.hostPort),
      forwardEndpoint: r.proto === 'http' || r.proto === 'https' ? `${r.proto}://${open}/` : open,
      ...(f.active ? {} : { forwardDown: true }),
    };
  });
}
