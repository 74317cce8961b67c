import { existsSync } from 'node:fs';
import { HostError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';

/**
 * Routes the `vm` DNS domain to bangerd's DNS server through systemd-resolved
 * (per-link DNS on the bridge), so `NAME.vm` resolves host-wide. Where
 * resolved does not run, nothing is changed and doctor prints how to query the
 * server directly.
 */

export const VM_DOMAIN = 'vm';

export interface ResolvedProbe {
  /** Existence check for a path; replaced in unit tests. */
  exists(path: string): boolean;
}

export const realProbe: ResolvedProbe = { exists: existsSync };

export type ResolvedDetection = { available: true } | { available: false; reason: string };

/**
 * systemd-resolved routing is usable when systemd is PID 1 (sd_booted checks
 * /run/systemd/system) and resolved is running (its varlink socket exists).
 */
export function detectResolved(probe: ResolvedProbe = realProbe): ResolvedDetection {
  if (!probe.exists('/run/systemd/system')) return { available: false, reason: 'systemd is not the init system (no /run/systemd/system)' };
  if (!probe.exists('/run/systemd/resolve/io.systemd.Resolve')) {
    return { available: false, reason: 'systemd-resolved is not running (no /run/systemd/resolve/io.systemd.Resolve)' };
  }
  return { available: true };
}

/** The resolvectl argument lists that route `~vm` on `link` to `server` ("IP" or "IP:PORT"). */
export function buildRouteCommands(link: string, server: string): string[][] {
  return [
    ['dns', link, server],
    // "~vm" is a routing-only domain: only *.vm queries go to this link.
    ['domain', link, `~${VM_DOMAIN}`],
    // Keep the bridge from becoming the default route for every other name.
    ['default-route', link, 'false'],
  ];
}

export function buildUnrouteCommands(link: string): string[][] {
  return [['revert', link]];
}

/** One line for doctor when routing is unavailable: how to query the server directly. */
export function manualQueryHint(server: string): string {
  const [ip, port] = server.split(':');
  return `query it directly: dig @${ip}${port ? ` -p ${port}` : ''} NAME.${VM_DOMAIN} (or use banger vm ssh NAME)`;
}

export async function routeVmDomain(runner: CommandRunner, link: string, server: string, probe: ResolvedProbe = realProbe): Promise<{ routed: boolean }> {
  const det = detectResolved(probe);
  if (!det.available) {
    throw new HostError(`cannot route .${VM_DOMAIN} names: ${det.reason}`, { code: 'resolver.unavailable', hint: manualQueryHint(server) });
  }
  for (const args of buildRouteCommands(link, server)) await runChecked(runner, 'resolvectl', args, { code: 'resolver.failed' });
  return { routed: true };
}

export async function unrouteVmDomain(runner: CommandRunner, link: string, probe: ResolvedProbe = realProbe): Promise<{ unrouted: boolean }> {
  // Nothing was routed without resolved, so there is nothing to undo.
  if (!detectResolved(probe).available) return { unrouted: false };
  for (const args of buildUnrouteCommands(link)) await runChecked(runner, 'resolvectl', args, { code: 'resolver.failed' });
  return { unrouted: true };
}
