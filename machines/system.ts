/**
 * Composition root of the actor system: what bangerd calls. It creates the
 * supervisor with every actor provided from ports, runs reconcile, and hands
 * back the service facade plus the event streams (VM transitions, inspect
 * records). Nothing outside machines/ needs to know XState.
 */
import { createActor, waitFor } from 'xstate';
import type { Actor, InspectionEvent } from 'xstate';
import type { HostDnsMode } from './dns/events.js';
import type { BangerPorts } from './ports.js';
import type { InspectRecord, VmTransition } from '../src/model/index.js';
import { createTransitionTracker, toInspectRecord } from './inspect.js';
import { provideSupervisor } from './supervisor/actors.js';
import type { SupervisorOptions } from './supervisor/actors.js';
import type { ReconcileReport } from './supervisor/events.js';
import type { SupervisorMachine } from './supervisor/machine.js';
import { createVmService } from './supervisor/service.js';
import type { VmService } from './supervisor/service.js';

export interface BangerSystemOptions {
  /** Every inspection record (debug.inspect stream, visualizer, tests). */
  inspect?: (record: InspectRecord) => void;
  network: {
    /** @default 'br-banger' */
    bridge?: string;
    /** @default '172.16.0.1/24' */
    bridgeAddress?: string;
    /** Tap names are prefix + index (≤ 15 chars total). @default 'bgtap' */
    tapPrefix?: string;
    /** @default 4 */
    tapPoolSize?: number;
  };
  dns?: {
    /** @default '127.0.0.1' */
    host?: string;
    /** 0 = ephemeral. @default 0 */
    port?: number;
    /** Also serve guests on the bridge address (its gateway, from `bridgeAddress`). @default false */
    guests?: boolean;
    /** How NAME.vm reaches the host's resolver. @default 'off' */
    hostDns?: HostDnsMode;
    /** This bangerd's hosts-block id (hostDns 'hosts'). */
    instance?: string;
    /** @default 250 */
    publishDelayMs?: number;
  };
  /** config `auto_stop_stale_after`; 0 = off. @default 0 */
  autoStopStaleAfterMs?: number;
  /** @default 60000 */
  staleSweepIntervalMs?: number;
  /** config `stats_poll_interval`; 0 = off. @default 10000 */
  statsPollIntervalMs?: number;
  /** How often a running VM's VMM is checked for life (a dead one is torn down); 0 = off. @default 1000 */
  exitWatchIntervalMs?: number;
  /** Graceful VMM stop budget before kill. @default 10000 */
  stopTimeoutMs?: number;
  /** How long a facade call waits for its VM to settle. @default 600000 */
  opTimeoutMs?: number;
  /** How long `shutdown` lets in-flight operations finish. @default 30000 */
  drainTimeoutMs?: number;
  helperRetry?: SupervisorOptions['helperRetry'];
}

export interface BangerSystem {
  service: VmService;
  /** Reconciles rows against the host and resolves once commands are accepted. */
  start(opts?: { timeoutMs?: number }): Promise<ReconcileReport>;
  /** Lets in-flight operations settle, deletes idle taps, closes DNS. VMs keep running (reconcile re-adopts them). */
  shutdown(): Promise<void>;
  /** Where the DNS server listens, once bound. */
  dnsAddress(): { host: string; port: number } | null;
  /** Where guests reach it (the bridge address), once bound there. */
  guestDnsAddress(): { host: string; port: number } | null;
  /** VM lifecycle transitions; returns an unsubscribe function. */
  onTransition(listener: (t: VmTransition) => void): () => void;
  /** Current state name of a VM's actor (`starting.network`), or null. */
  vmState(vmId: string): string | null;
}

export function createBangerSystem(ports: BangerPorts, opts: BangerSystemOptions): BangerSystem {
  const bridge = opts.network.bridge ?? 'br-banger';
  const listeners = new Set<(t: VmTransition) => void>();
  const track = createTransitionTracker((t) => {
    for (const l of listeners) {
      try {
        l(t);
      } catch (err) {
        ports.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'transition listener threw');
      }
    }
  });
  // Runs inside xstate's dispatch: anything thrown here would break the actor that emitted the event.
  const inspect = (ev: InspectionEvent) => {
    try {
      const at = ports.clock.now();
      track(ev, at);
      if (opts.inspect) {
        const rec = toInspectRecord(ev, at);
        if (rec) opts.inspect(rec);
      }
    } catch (err) {
      ports.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'inspect listener threw');
    }
  };

  const logic = provideSupervisor(ports, {
    bridge,
    stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
    drainTimeoutMs: opts.drainTimeoutMs ?? 30_000,
    ...(opts.helperRetry ? { helperRetry: opts.helperRetry } : {}),
  });
  const supervisor: Actor<SupervisorMachine> = createActor(logic, {
    systemId: 'supervisor',
    inspect,
    input: {
      tapPool: {
        bridge,
        bridgeAddress: opts.network.bridgeAddress ?? '172.16.0.1/24',
        prefix: opts.network.tapPrefix ?? 'bgtap',
        size: opts.network.tapPoolSize ?? 4,
      },
      dns: {
        host: opts.dns?.host ?? '127.0.0.1',
        port: opts.dns?.port ?? 0,
        ...(opts.dns?.guests ? { guests: { bridge, address: (opts.network.bridgeAddress ?? '172.16.0.1/24').split('/')[0]! } } : {}),
        hostDns: opts.dns?.hostDns ?? 'off',
        ...(opts.dns?.instance ? { instance: opts.dns.instance } : {}),
        ...(opts.dns?.publishDelayMs !== undefined ? { publishDelayMs: opts.dns.publishDelayMs } : {}),
      },
      autoStopStaleAfterMs: opts.autoStopStaleAfterMs ?? 0,
      staleSweepIntervalMs: opts.staleSweepIntervalMs ?? 60_000,
      statsPollIntervalMs: opts.statsPollIntervalMs ?? 10_000,
      exitWatchIntervalMs: opts.exitWatchIntervalMs ?? 1000,
    },
  });
  let ready = false;
  const service = createVmService(supervisor, ports, { opTimeoutMs: opts.opTimeoutMs ?? 600_000, isReady: () => ready });

  return {
    service,
    async start({ timeoutMs = 120_000 } = {}) {
      supervisor.start();
      const s = await waitFor(supervisor, (x) => x.value !== 'reconciling', { timeout: timeoutMs });
      // The pool refuses acquisitions until its init (bridge.ensure, listing leftover taps) is done:
      // a start right after start() resolved would fail with 'tap pool not ready'.
      const pool = supervisor.system.get('tapPool');
      if (pool) {
        await waitFor(pool, (x) => {
          const v = (x as { value?: unknown }).value;
          return x.status !== 'active' || (v !== 'waiting' && v !== 'initializing');
        }, { timeout: timeoutMs }).catch(() => {});
      }
      // Re-adopted VMs are in the table now; let the server bind (or fail) so dnsAddress() is meaningful after start.
      const dns = supervisor.system.get('dns');
      if (dns) {
        await waitFor(dns, (x) => {
          const c = (x as { context?: { boundPort: number | null; lastError: string | null } }).context;
          return x.status !== 'active' || c?.boundPort != null || c?.lastError != null;
        }, { timeout: timeoutMs }).catch(() => {});
      }
      ready = true;
      return s.context.report ?? { kept: [], demoted: [] };
    },
    async shutdown() {
      ready = false;
      if (supervisor.getSnapshot().status === 'active') {
        supervisor.send({ type: 'supervisor.shutdown' });
        await waitFor(supervisor, (x) => x.status !== 'active', { timeout: (opts.drainTimeoutMs ?? 30_000) + 5_000 }).catch(() => {});
      }
      supervisor.stop();
    },
    dnsAddress() {
      const dns = supervisor.system.get('dns');
      const ctx = (dns?.getSnapshot() as { context?: { host: string; boundPort: number | null } } | undefined)?.context;
      return ctx?.boundPort ? { host: ctx.host, port: ctx.boundPort } : null;
    },
    guestDnsAddress() {
      const dns = supervisor.system.get('dns');
      const ctx = (dns?.getSnapshot() as { context?: { guests?: { address: string }; guestPort: number | null } } | undefined)?.context;
      return ctx?.guests && ctx.guestPort ? { host: ctx.guests.address, port: ctx.guestPort } : null;
    },
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    vmState(vmId) {
      const ref = supervisor.system.get(`vm:${vmId}`);
      const snap = ref?.getSnapshot() as { value?: unknown } | undefined;
      if (!snap) return null;
      const v = snap.value;
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object') {
        const [k, sub] = Object.entries(v as Record<string, unknown>)[0] ?? [];
        return k ? `${k}.${String(sub)}` : null;
      }
      return null;
    },
  };
}
