/**
 * Fake ports for unit tests: everything succeeds by default and records what
 * it did. Override any port by passing it in.
 */
import type { VMHandles } from '../../src/model/index.js';
import type { BangerPorts, DnsServerFactory, Logger, StoragePort } from '../../machines/ports.js';
import type { VmmDriver } from '../../src/model/vmm.js';
import { FakeHelper } from './fake-helper.js';
import { createFakeVmm } from './fake-vmm.js';
import type { FakeVmm } from './fake-vmm.js';
import { MemoryVmStore } from './memory-store.js';
import { makeRecordFactory } from '../helpers/records.js';

export class MemoryHandles {
  readonly files = new Map<string, VMHandles>();
  write(vmId: string, h: VMHandles): boolean {
    this.files.set(vmId, structuredClone(h));
    return true;
  }
  read(vmId: string) {
    const h = this.files.get(vmId);
    return h ? { handles: structuredClone(h) } : { handles: null, reason: 'is missing' as string };
  }
  remove(vmId: string): boolean {
    this.files.delete(vmId);
    return true;
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Storage that succeeds; with `loops`, it attaches two loops via the helper and announces them (exercises loop/dm releases). */
export function createFakeStorage(helper?: FakeHelper): StoragePort & { destroyed: string[] } {
  const destroyed: string[] = [];
  return {
    destroyed,
    async prepare(vm, { announce }) {
      if (helper) {
        const base = await helper.call('loop.attach', { path: `${vm.runtime.vmDir}/base`, readOnly: true });
        announce({ kind: 'loop', device: base.device });
      }
      return { rootDisk: { path: vm.runtime.systemOverlayPath, format: 'qcow2' } };
    },
    async freeze() {},
    async destroy(vm) {
      destroyed.push(vm.id);
    },
    async diskUsage() {
      return { systemOverlayBytes: 1024, workDiskBytes: 2048 };
    },
  };
}

export const nullDnsServer: DnsServerFactory = async (o) => ({ host: o.host, port: 5353, close: async () => {} });

export interface FakePortsBundle {
  ports: BangerPorts;
  store: MemoryVmStore;
  helper: FakeHelper;
  vmm: FakeVmm;
  handles: MemoryHandles;
}

export function createFakePorts(over: Partial<BangerPorts> & { helper?: FakeHelper; vmm?: FakeVmm & VmmDriver } = {}): FakePortsBundle {
  const store = new MemoryVmStore();
  const helper = over.helper ?? new FakeHelper();
  const vmm = over.vmm ?? createFakeVmm();
  const handles = new MemoryHandles();
  const ports: BangerPorts = {
    store,
    records: makeRecordFactory('/tmp/banger-unit', () => store.rows.size),
    driverFor: () => vmm,
    storage: createFakeStorage(),
    planner: {
      launchSpec: (vm, parts) => ({
        vmId: vm.id,
        name: vm.name,
        vcpuCount: vm.spec.vcpuCount,
        memoryMiB: vm.spec.memoryMiB,
        kernelPath: '/boot/vmlinuz',
        kernelArgs: 'quiet',
        rootDisk: parts.storage.rootDisk,
        network: { tap: parts.tap, mac: parts.mac },
        apiSockPath: vm.runtime.apiSockPath,
        agentSockPath: vm.runtime.agentSockPath,
        logPath: vm.runtime.logPath,
      }),
    },
    guest: { waitForGuest: async () => {} },
    handles,
    host: {
      listTaps: async (prefix) => helper.state().taps.filter((t) => t.startsWith(prefix)),
      tapState: async (name) => (helper.state().taps.includes(name) ? 'ok' : 'missing'),
      findProcesses: async (needle) => [...vmm.alive].filter(([, sock]) => sock === needle).map(([pid]) => ({ pid, startTime: 1 })),
      processMetrics: async (pid) => (vmm.alive.has(pid) ? { cpuTimeMs: 10, rssBytes: 1 << 20 } : undefined),
    },
    privileged: helper,
    startDnsServer: nullDnsServer,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    ...over,
  };
  return { ports, store: (ports.store as MemoryVmStore) ?? store, helper, vmm, handles: (ports.handles as MemoryHandles) ?? handles };
}
