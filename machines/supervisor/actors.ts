import { fromCallback, fromPromise, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { BangerPorts } from '../ports.js';
import { provideDns } from '../dns/actors.js';
import { provideHelperBridge } from '../helper-bridge/actors.js';
import type { RetryPolicy } from '../helper-bridge/events.js';
import { provideTapPool } from '../tap-pool/actors.js';
import { provideVmMachine } from '../vm/actors.js';
import type { VmOptions } from '../vm/actors.js';
import type { ReconcileOutput, SupervisorEvent, SupervisorInput } from './events.js';
import { supervisorMachine, vmActorId } from './machine.js';
import { reconcile } from './reconcile.js';

export interface SupervisorOptions extends VmOptions {
  helperRetry?: RetryPolicy;
  /** Budget for shutdown to let in-flight operations settle. @default 30000 */
  drainTimeoutMs?: number;
}

/** States a vm actor can rest in; anything else is an operation in progress. */
export const STABLE_VM_STATES = ['created', 'running', 'paused', 'stopped', 'error'] as const;

/** Row states in which a VMM process exists and must be watched. */
const hasVmm = (state: string) => state === 'running' || state === 'paused';

export function isStable(ref: AnyActorRef): boolean {
  const snap = ref.getSnapshot() as { status: string; value?: unknown };
  return snap.status !== 'active' || (typeof snap.value === 'string' && (STABLE_VM_STATES as readonly string[]).includes(snap.value));
}

function vmRefs(parent: AnyActorRef | undefined): AnyActorRef[] {
  const children = (parent?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)?.children ?? {};
  return Object.entries(children)
    .filter(([id]) => id.startsWith('vm:'))
    .map(([, ref]) => ref);
}

/** The VMM pid a vm actor holds, if any. */
function vmmPidOf(ref: AnyActorRef | undefined): number | undefined {
  const pid = (ref?.getSnapshot() as { context?: { pid?: number | null } } | undefined)?.context?.pid;
  return typeof pid === 'number' ? pid : undefined;
}

/** The tap a vm actor holds, if any. */
function tapOf(ref: AnyActorRef | undefined): string | undefined {
  const tap = (ref?.getSnapshot() as { context?: { tap?: string | null } } | undefined)?.context?.tap;
  return typeof tap === 'string' ? tap : undefined;
}

/** last_error for a VM whose tap went away under it. */
function tapLostReason(tap: string, state: 'missing' | 'detached' | 'foreign'): string {
  const what = state === 'missing' ? 'was deleted' : state === 'detached' ? 'was detached from the bridge' : 'was replaced by a link banger did not make';
  return `tap ${tap} ${what} outside banger, so the VM lost its network; it was stopped (banger vm start brings it back)`;
}

/** last_error for a VMM found dead: what happened and where to look. */
function lostReason(pid: number, logPath: string): string {
  return `VMM process ${pid} exited unexpectedly (killed or crashed; see ${logPath})`;
}

export function provideSupervisor(ports: BangerPorts, opts: SupervisorOptions) {
  const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
  return supervisorMachine.provide({
    actors: {
      vm: provideVmMachine(ports, opts),
      helperBridge: provideHelperBridge(ports.privileged, opts.helperRetry),
      tapPool: provideTapPool(ports.host),
      dns: provideDns(ports.startDnsServer, ports.logger),
      reconcile: fromPromise<ReconcileOutput>(() => reconcile(ports)),

      sweepStale: fromCallback<SupervisorEvent, SupervisorInput>(({ input, sendBack }) => {
        if (input.autoStopStaleAfterMs <= 0) return () => {};
        const timer = setInterval(() => {
          const now = ports.clock.now();
          for (const vm of ports.store.list()) {
            if (vm.state !== 'running') continue;
            const touched = Date.parse(vm.lastTouchedAt);
            if (Number.isFinite(touched) && now - touched > input.autoStopStaleAfterMs) sendBack({ type: 'vm.stale', vmId: vm.id });
          }
        }, input.staleSweepIntervalMs);
        timer.unref?.();
        return () => clearInterval(timer);
      }),

      /**
       * Noticing a dead VMM (killed, crashed) so its tap, DNS record, NAT rules
       * and handles are released. Its own loop: it used to ride on the stats
       * poll, so with `stats_poll_interval = "0"` a killed QEMU left the VM
       * "running" and its resources held until the next daemon restart.
       */
      watchExits: fromCallback<SupervisorEvent, SupervisorInput>(({ input, sendBack, system }) => {
        if (input.exitWatchIntervalMs <= 0) return () => {};
        let busy = false;
        const check = async () => {
          for (const vm of ports.store.list()) {
            if (!hasVmm(vm.state)) continue;
            const ref = system.get(vmActorId(vm.id));
            const pid = vmmPidOf(ref);
            if (pid === undefined) continue;
            if (!(await ports.host.processMetrics(pid))) {
              sendBack({ type: 'vm.lost', vmId: vm.id, reason: lostReason(pid, vm.runtime.logPath) });
              continue;
            }
            // A tap deleted (or detached) from outside leaves the VMM running with no network: as good as lost.
            const tap = tapOf(ref);
            const tapNow = tap ? await ports.host.tapState(tap) : 'ok';
            if (tap && tapNow !== 'ok') sendBack({ type: 'vm.lost', vmId: vm.id, reason: tapLostReason(tap, tapNow) });
          }
        };
        const timer = setInterval(() => {
          if (busy) return;
          busy = true;
          check()
            .catch((err: unknown) => ports.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'VMM exit check failed'))
            .finally(() => {
              busy = false;
            });
        }, input.exitWatchIntervalMs);
        timer.unref?.();
        return () => clearInterval(timer);
      }),

      pollStats: fromCallback<SupervisorEvent, SupervisorInput>(({ input, sendBack, system }) => {
        if (input.statsPollIntervalMs <= 0) return () => {};
        // Keyed by VM, remembering the pid: a restart between two polls is a new process whose CPU time starts over.
        const previous = new Map<string, { pid: number; cpuTimeMs: number; at: number }>();
        let busy = false;
        const poll = async () => {
          for (const vm of ports.store.list()) {
            if (!hasVmm(vm.state)) {
              previous.delete(vm.id);
              continue;
            }
            const pid = vmmPidOf(system.get(vmActorId(vm.id)));
            if (pid === undefined) continue;
            const sample = await ports.host.processMetrics(pid);
            if (!sample) {
              sendBack({ type: 'vm.lost', vmId: vm.id, reason: lostReason(pid, vm.runtime.logPath) });
              continue;
            }
            const now = ports.clock.now();
            const last = previous.get(vm.id);
            const prev = last?.pid === pid ? last : undefined;
            previous.set(vm.id, { pid, cpuTimeMs: sample.cpuTimeMs, at: now });
            const disk = await ports.storage.diskUsage(vm).catch(() => null);
            ports.store.update(vm.id, {
              stats: {
                collectedAt: new Date(now).toISOString(),
                rssBytes: sample.rssBytes,
                ...(prev && now > prev.at ? { cpuPercent: Math.round(((sample.cpuTimeMs - prev.cpuTimeMs) / (now - prev.at)) * 1000) / 10 } : {}),
                ...(disk ?? {}),
              },
            });
          }
        };
        const timer = setInterval(() => {
          if (busy) return; // a slow poll (many VMs) must not pile up
          busy = true;
          poll()
            .catch((err: unknown) => ports.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'stats poll failed'))
            .finally(() => {
              busy = false;
            });
        }, input.statsPollIntervalMs);
        timer.unref?.();
        return () => clearInterval(timer);
      }),

      drain: fromPromise<void>(async ({ self, system }) => {
        const deadline = Date.now() + drainTimeoutMs;
        const left = () => Math.max(1, deadline - Date.now());
        // Let in-flight starts/stops finish so rows do not say "starting" for a VM nobody is starting.
        await Promise.all(vmRefs(self._parent).map((ref) => waitFor(ref, () => isStable(ref), { timeout: left() }).catch(() => {})));
        const pool = system.get('tapPool');
        if (pool) {
          pool.send({ type: 'pool.shutdown' });
          await waitFor(pool, (s) => s.status !== 'active', { timeout: left() }).catch(() => {});
        }
        // DNS takes back what it put on the host (hosts block, redirect, resolved route) through the helper.
        const dns = system.get('dns');
        if (dns) {
          dns.send({ type: 'dns.shutdown' });
          await waitFor(dns, (s) => s.status !== 'active', { timeout: left() }).catch(() => {});
        }
        const bridge = system.get('helperBridge');
        if (bridge) await waitFor(bridge, (s) => (s as { context: { inFlight: number } }).context.inFlight === 0, { timeout: left() }).catch(() => {});
      }),
    },
  });
}
