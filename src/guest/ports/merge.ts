import type { PortRow } from '../../model/index.js';
import type { GuestListener } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '*']);

function isLoopback(addr: string): boolean {
  return LOOPBACK.has(addr) || addr.startsWith('127.');
}

/**
 * Merges the agent's listeners into rows: a service bound on both 0.0.0.0 and ::
 * (dual stack) is one row; loopback-only listeners are kept but marked, since
 * the host cannot reach them. Sorted by protocol then port.
 */
export function mergeListeners(vmName: string, listeners: readonly GuestListener[]): PortRow[] {
  const byKey = new Map<string, PortRow>();
  for (const l of listeners) {
    const loop = isLoopback(l.address);
    const exposed = WILDCARD.has(l.address) || !loop;
    const endpoint = exposed ? `${vmName}.vm:${l.port}` : `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
    const key = `${l.proto}|${endpoint}|${l.pid ?? ''}`;
    const existing = byKey.get(key);
    if (existing) continue;
    byKey.set(key, {
      proto: l.proto,
      endpoint,
      port: l.port,
      process: l.process ?? (l.pid !== undefined ? `pid ${l.pid}` : '-'),
      command: l.command ?? '',
      loopbackOnly: !exposed,
    });
  }
  return [...byKey.values()].sort((a, b) => (a.proto === b.proto ? a.port - b.port : a.proto.localeCompare(b.proto)));
}
