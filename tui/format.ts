import type { VMRecord } from '../src/model/index.js';
import { formatMiB, formatSize, shortId } from '../src/model/index.js';

export function formatUptime(since: string | undefined, now: number): string {
  if (!since) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

export interface Row {
  name: string;
  state: string;
  ip: string;
  vcpu: string;
  memory: string;
  cpu: string;
  rss: string;
  uptime: string;
  image: string;
}

/** Image id → name, from `image.list`. */
export type ImageNames = Readonly<Record<string, string>>;

/** The image's name; a short id only when the image is gone (deleted after the VM was made) or the list is not in yet. */
export function imageLabel(imageId: string, images: ImageNames): string {
  return images[imageId] ?? shortId(imageId);
}

/**
 * One table row. Uptime counts from the record's runningSince, as `vm stats`
 * does: updatedAt moves with every stats sample, so counting from it showed
 * seconds for a VM up for minutes.
 */
export function toRow(vm: VMRecord, now: number, images: ImageNames = {}): Row {
  const running = vm.state === 'running';
  return {
    name: vm.name,
    state: vm.state,
    ip: vm.runtime.guestIP || '-',
    vcpu: String(vm.spec.vcpuCount),
    memory: formatMiB(vm.spec.memoryMiB),
    cpu: running && vm.stats.cpuPercent !== undefined ? `${vm.stats.cpuPercent.toFixed(1)}%` : '-',
    rss: running && vm.stats.rssBytes !== undefined ? formatSize(vm.stats.rssBytes) : '-',
    uptime: running ? formatUptime(vm.runtime.runningSince, now) : '-',
    image: imageLabel(vm.imageId, images),
  };
}

/** Whether a row passes the `/` filter: a case-insensitive substring of its name, image (as shown) or state. */
export function matchesFilter(vm: VMRecord, filter: string, images: ImageNames): boolean {
  const f = filter.trim().toLowerCase();
  if (f === '') return true;
  return [vm.name, imageLabel(vm.imageId, images), vm.state].some((field) => field.toLowerCase().includes(f));
}

export const COLUMNS: ReadonlyArray<{ key: keyof Row; title: string; min: number }> = [
  { key: 'name', title: 'NAME', min: 12 },
  { key: 'state', title: 'STATE', min: 9 },
  { key: 'ip', title: 'IP', min: 12 },
  { key: 'vcpu', title: 'VCPU', min: 4 },
  { key: 'memory', title: 'MEM', min: 6 },
  { key: 'cpu', title: 'CPU%', min: 6 },
  { key: 'rss', title: 'RSS', min: 6 },
  { key: 'uptime', title: 'UPTIME', min: 7 },
  { key: 'image', title: 'IMAGE', min: 8 },
];

/**
 * Which columns fit a terminal `width` wide: lower-priority columns (from the
 * right) are dropped first so a narrow terminal still shows name and state.
 */
export function visibleColumns(width: number): typeof COLUMNS {
  const cols = [...COLUMNS];
  const total = (): number => cols.reduce((n, c) => n + c.min + 2, 2);
  while (cols.length > 2 && total() > width) cols.pop();
  return cols;
}

export const STATE_COLOR: Record<string, string> = {
  running: 'green',
  starting: 'yellow',
  stopping: 'yellow',
  stopped: 'gray',
  created: 'cyan',
  error: 'red',
};
