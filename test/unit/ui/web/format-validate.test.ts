import { describe, expect, it } from 'vitest';
import { VM_NAME_PATTERN as MODEL_PATTERN, vmNameProblem as modelProblem } from '../../../../src/model/names.js';
import { MEMORY_MIB_LIMITS, VCPU_LIMITS } from '../../../../src/model/limits.js';
import { formatCpu, formatDate, formatMiB, formatRss, formatUptime, formatVmSize, shortState, vmUptime } from '../../../../src/ui/web/format.js';
import { appendLog } from '../../../../src/ui/web/log-tail.js';
import { parseRoute, vmHref } from '../../../../src/ui/web/routes.js';
import { snapshotNameProblem, validateCreate, VM_NAME_HINT, VM_NAME_PATTERN, vmNameProblem, type CreateFields } from '../../../../src/ui/web/validate.js';
import { actionAllowed, VM_ACTIONS } from '../../../../src/ui/web/vm-actions.js';
import { vm } from './fixtures.js';

const fields = (over: Partial<CreateFields> = {}): CreateFields => ({ name: '', image: '', vcpu: '', memoryMiB: '', diskSize: '', nat: false, ...over });

describe('formatters', () => {
  it('formats the size column like "2 vCPU · 1 GiB · 8G"', () => {
    expect(formatVmSize(vm({ id: 'a', name: 'a' }))).toBe('2 vCPU · 1 GiB · 8G');
    expect(formatMiB(512)).toBe('512 MiB');
    expect(formatMiB(1536)).toBe('1.5 GiB');
  });

  it('shows CPU and memory only for live VMs', () => {
    const running = vm({ id: 'a', name: 'a', state: 'running', stats: { cpuPercent: 12.345, rssBytes: 512 * 1024 ** 2 } });
    expect(formatCpu(running)).toBe('12.3%');
    expect(formatRss(running)).toBe('512M');
    expect(formatCpu({ ...running, state: 'stopped' })).toBe('-');
  });

  it('counts uptime from runningSince', () => {
    const now = Date.parse('2026-12-01T01:02:03.000Z');
    expect(formatUptime('2026-12-01T00:00:00.000Z', now)).toBe('1h02m');
    expect(formatUptime('2026-12-01T01:01:58.000Z', now)).toBe('5s');
    expect(formatUptime(undefined, now)).toBe('-');
    // The VM table's cells change once a minute, not every second.
    expect(['2026-12-01T01:01:58.000Z', '2026-12-01T00:59:00.000Z', '2026-12-01T00:00:00.000Z'].map((t) => formatUptime(t, now, { seconds: false }))).toEqual(['<1m', '3m', '1h02m']);
    const running = vm({ id: 'a', name: 'a', state: 'running', updatedAt: '2026-12-01T01:01:55.000Z' });
    // A stats sample 8 s ago rewrote updatedAt; the VM has run since 01:00:00.
    expect(vmUptime({ ...running, runtime: { ...running.runtime, runningSince: '2026-12-01T01:00:00.000Z' } }, now)).toBe('2m03s');
    expect(vmUptime(vm({ id: 'a', name: 'a', state: 'stopped' }), now)).toBe('-');
  });

  it('shortens state paths and dates', () => {
    expect(shortState(['vm.starting', 'vm.starting.storage'])).toBe('starting.storage');
    expect(shortState([])).toBe('-');
    expect(formatDate(undefined)).toBe('-');
    expect(formatDate('nope')).toBe('nope');
    expect(formatDate('2026-12-01T10:20:00.000Z')).toMatch(/^2026-12-0[12] \d\d:\d\d$/);
  });
});

describe('create form validation', () => {
  it('mirrors the model’s VM name rule exactly', () => {
    expect(VM_NAME_PATTERN.source).toBe(MODEL_PATTERN.source);
    for (const n of ['', 'dev-1', 'Dev', '-x', 'x-', 'a'.repeat(64), 'a_b', 'ok9']) expect(vmNameProblem(n)).toBe(modelProblem(n));
  });

  it('gives a bad name the daemon’s own hint (the service’s create refusal)', async () => {
    const { readFile } = await import('node:fs/promises');
    const service = await readFile(new URL('../../../../machines/supervisor/service.ts', import.meta.url), 'utf8');
    expect(service).toContain(`hint: '${VM_NAME_HINT}'`);
  });

  it('sends only what was typed, the daemon fills in defaults', () => {
    expect(validateCreate(fields())).toEqual({ body: {}, errors: {} });
    expect(validateCreate(fields({ name: ' dev-1 ', image: 'debian', vcpu: '2', memoryMiB: '2048', diskSize: '16G', nat: true })).body).toEqual({
      name: 'dev-1',
      image: 'debian',
      vcpu: 2,
      memoryMiB: 2048,
      diskSize: '16G',
      nat: true,
    });
  });

  it('refuses what the CLI refuses, field by field', () => {
    const r = validateCreate(fields({ name: 'Dev', vcpu: String(VCPU_LIMITS.max + 1), memoryMiB: String(MEMORY_MIB_LIMITS.min - 1), diskSize: 'lots' }));
    expect(r.body).toBeUndefined();
    expect(r.errors.name).toContain('uppercase');
    expect(r.errors.name).toContain(VM_NAME_HINT);
    expect(r.errors.vcpu).toContain(`${VCPU_LIMITS.min} to ${VCPU_LIMITS.max}`);
    expect(r.errors.memoryMiB).toContain('out of range');
    expect(r.errors.diskSize).toContain('not a size');
    expect(validateCreate(fields({ vcpu: '1.5' })).errors.vcpu).toContain('whole number');
    expect(validateCreate(fields({ diskSize: '9T' })).errors.diskSize).toContain('more than the maximum 2T');
    expect(validateCreate(fields({ diskSize: '10' })).errors.diskSize).toContain('give a unit, e.g. 10G');
  });

  it('lets a snapshot name be empty, else the VM name rule', () => {
    expect(snapshotNameProblem('')).toBeNull();
    expect(snapshotNameProblem('before-upgrade')).toBeNull();
    expect(snapshotNameProblem('Bad Name')).toContain('lowercase');
  });
});

describe('row actions', () => {
  it('enables per state what the vm machine accepts', () => {
    const allowed = (s: Parameters<typeof actionAllowed>[1]): string[] => VM_ACTIONS.filter((a) => actionAllowed(a, s));
    expect(allowed('running')).toEqual(['stop', 'restart', 'pause', 'snapshot', 'fork', 'delete']);
    expect(allowed('paused')).toEqual(['stop', 'resume', 'snapshot', 'fork', 'delete']);
    expect(allowed('stopped')).toEqual(['start', 'snapshot', 'fork', 'delete']);
    expect(allowed('created')).toEqual(['start', 'delete']);
    expect(allowed('stopping')).toEqual([]);
  });
});

describe('routes', () => {
  it('parses the four pages and encodes names', () => {
    expect(parseRoute('/')).toEqual({ page: 'vms' });
    expect(parseRoute('/images/')).toEqual({ page: 'images' });
    expect(parseRoute('/machines')).toEqual({ page: 'machines' });
    expect(parseRoute(vmHref('dev 1'))).toEqual({ page: 'vm', name: 'dev 1' });
    expect(parseRoute('/vms/%E0%A4%A')).toEqual({ page: 'missing', path: '/vms/%E0%A4%A' });
    expect(parseRoute('/nope')).toMatchObject({ page: 'missing' });
  });
});

describe('serial log buffer', () => {
  it('appends, and keeps only the tail from a line start', () => {
    expect(appendLog('a\n', 'b\n')).toBe('a\nb\n');
    const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const kept = appendLog('', long, 50);
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(kept.startsWith('line ')).toBe(true);
    expect(kept.endsWith('line 99')).toBe(true);
  });
});
