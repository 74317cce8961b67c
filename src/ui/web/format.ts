/** Pure display formatters (shared with the unit tests). */
import type { VMRecord } from '../contract.js';
import { formatSize } from '../../model/size.js';

export { formatSize };

/** Like tui/format.ts's formatUptime (which cannot be bundled: it imports the Node side of src/model). */
export function formatUptime(since: string | undefined, now: number, opts: { seconds?: boolean } = {}): string {
  if (!since) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  const seconds = opts.seconds ?? true;
  if (s < 60) return seconds ? `${s}s` : '<1m';
  if (s < 3600) return seconds ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** Memory in MiB as "512 MiB" / "1 GiB" / "1.5 GiB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${mib} MiB`;
  const g = mib / 1024;
  return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
}

/** "2 vCPU · 1 GiB · 8G": the sizing column. */
export function formatVmSize(vm: VMRecord): string {
  return `${vm.spec.vcpuCount} vCPU · ${formatMiB(vm.spec.memoryMiB)} · ${formatSize(vm.spec.workDiskSizeBytes)}`;
}

export const isLive = (vm: VMRecord): boolean => vm.state === 'running' || vm.state === 'paused';

export function formatCpu(vm: VMRecord): string {
  return isLive(vm) && vm.stats.cpuPercent !== undefined ? `${vm.stats.cpuPercent.toFixed(1)}%` : '-';
}

export function formatRss(vm: VMRecord): string {
  return isLive(vm) && vm.stats.rssBytes !== undefined ? formatSize(vm.stats.rssBytes) : '-';
}

/** Uptime counts from the record's runningSince, as the TUI and `vm stats` do (updatedAt moves with every stats sample). */
export function vmUptime(vm: VMRecord, now: number): string {
  return vm.state === 'running' ? formatUptime(vm.runtime.runningSince, now) : '-';
}

/** "2026-12-03 06:10" in local time. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The last segment of a dotted state path after the machine id: "vm.starting.storage" → "starting.storage". */
export function shortState(states: string[]): string {
  const last = states[states.length - 1];
  return last ? last.split('.').slice(1).join('.') || last : '-';
}
