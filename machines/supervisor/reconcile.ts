/**
 * Reconcile at daemon start: rows and handles.json are the only truth across
 * restarts. For each VM the row says is running/starting/stopping, rebuild its
 * undo stack from handles.json (or the row mirror when the file is missing or
 * corrupt) and decide: keep (re-adopt) when the row said running and the VMM
 * is ours and alive, else tear down and demote to stopped. A row in error keeps
 * whatever its handles say it still holds, for the next stop to release.
 */
import type { VMHandles, VMRecord } from '../../src/model/index.js';
import type { BangerPorts } from '../ports.js';
import type { VmInput } from '../vm/events.js';
import { releasesFromHandles } from '../vm/releases.js';
import type { ReconcileOutput } from './events.js';

export type ReconcilePorts = Pick<BangerPorts, 'store' | 'handles' | 'driverFor' | 'logger'>;

function mirrorHandles(vm: VMRecord): VMHandles & { vmmPid?: number } {
  const r = vm.runtime;
  const h: VMHandles & { vmmPid?: number } = { apiSockPath: r.apiSockPath };
  if (r.tapDevice) h.tapDevice = r.tapDevice;
  if (r.baseLoop) h.baseLoop = r.baseLoop;
  if (r.cowLoop) h.cowLoop = r.cowLoop;
  if (r.dmName) h.dmName = r.dmName;
  if (r.vmmPid !== undefined) h.vmmPid = r.vmmPid;
  return h;
}

async function verdict(vm: VMRecord, ports: ReconcilePorts): Promise<{ plan: VmInput; tap?: string; kept: boolean; reason?: string }> {
  const read = ports.handles.read(vm.id);
  const handles = read.handles ?? mirrorHandles(vm);
  const source = read.handles ? '' : ` (handles.json ${read.reason}; used the row's mirrored names)`;
  const releases = releasesFromHandles(handles, {
    guestIP: vm.runtime.guestIP,
    natEnabled: vm.spec.natEnabled,
    apiSockPath: vm.runtime.apiSockPath,
  });
  const tap = handles.tapDevice;
  const pid = handles.pid ?? (handles as { vmmPid?: number }).vmmPid;
  let reason: string;
  const live = vm.state === 'running' || vm.state === 'paused';
  if (live && pid !== undefined) {
    let alive = false;
    try {
      const handle = { pid, apiSockPath: handles.apiSockPath ?? vm.runtime.apiSockPath };
      alive = (await ports.driverFor(vm.vmm).inspect(handles.pidStartTime !== undefined ? { ...handle, pidStartTime: handles.pidStartTime } : handle)).alive;
    } catch (err) {
      ports.logger.warn({ vm: vm.name, err: err instanceof Error ? err.message : String(err) }, 'reconcile: inspect failed');
    }
    if (alive) return { plan: { record: vm, recover: { mode: 'adopt', releases } }, ...(tap ? { tap } : {}), kept: true };
    reason = `VMM process ${pid} is gone (or its pid was reused) after a daemon restart${source}`;
  } else if (live) {
    reason = `no VMM pid recorded for a ${vm.state} VM${source}`;
  } else {
    reason = `daemon restarted while the VM was ${vm.state}${source}`;
  }
  return { plan: { record: vm, recover: { mode: 'teardown', releases, reason } }, ...(tap ? { tap } : {}), kept: false, reason };
}

/**
 * A row in error may still hold what a failed release left (its handles.json or mirror say so):
 * the actor keeps that stack, so the pool does not hand the tap out and a later stop releases it.
 */
function errorPlan(vm: VMRecord, ports: ReconcilePorts): { plan: VmInput; tap?: string; kept: false } {
  const read = ports.handles.read(vm.id);
  const r = vm.runtime;
  const mirrored = r.tapDevice || r.baseLoop || r.cowLoop || r.dmName || r.vmmPid !== undefined;
  const handles = read.handles ?? (mirrored ? mirrorHandles(vm) : null);
  if (!handles) return { plan: { record: vm }, kept: false };
  const releases = releasesFromHandles(handles, { guestIP: r.guestIP, natEnabled: vm.spec.natEnabled, apiSockPath: r.apiSockPath });
  return { plan: { record: vm, recover: { mode: 'hold', releases } }, ...(handles.tapDevice ? { tap: handles.tapDevice } : {}), kept: false };
}

export async function reconcile(ports: ReconcilePorts): Promise<ReconcileOutput> {
  const out: ReconcileOutput = { plans: [], held: {}, report: { kept: [], demoted: [] } };
  const rows = ports.store.list();
  const verdicts = await Promise.all(
    rows.map(async (vm) => {
      if (vm.state === 'created' || vm.state === 'stopped') return { plan: { record: vm } as VmInput, kept: false };
      if (vm.state === 'error') return errorPlan(vm, ports);
      return verdict(vm, ports);
    }),
  );
  for (const v of verdicts) {
    out.plans.push(v.plan);
    if ('tap' in v && v.tap) out.held[v.tap] = v.plan.record.id;
    if (v.kept) out.report.kept.push(v.plan.record.name);
    else if ('reason' in v && v.reason) out.report.demoted.push({ name: v.plan.record.name, reason: v.reason });
  }
  ports.logger.info({ kept: out.report.kept.length, demoted: out.report.demoted.length }, 'reconcile done');
  return out;
}
