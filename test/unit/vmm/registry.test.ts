import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { GuestError } from '../../../src/errors/index.js';
import { chooseVmmKind } from '../../../src/vmm/choose.js';
import { createVmmPorts, VMM_BACKENDS, type VmmDeps, type VmmRuntime } from '../../../src/vmm/registry.js';
import { standinBehaviourFromConfig } from '../../../src/vmm/standin/backend.js';
import { makeVm } from '../../helpers/index.js';

const tcg = { kvmUsable: false, firecrackerInstalled: true };
const kvm = { kvmUsable: true, firecrackerInstalled: false };

describe('chooseVmmKind', () => {
  it('keeps an explicit setting, standin included', () => {
    expect(chooseVmmKind('standin', tcg)).toBe('standin');
    expect(chooseVmmKind('firecracker', tcg)).toBe('firecracker');
  });
  it('auto: firecracker only with usable KVM and the binary on PATH', () => {
    expect(chooseVmmKind('auto', tcg)).toBe('qemu');
    expect(chooseVmmKind('auto', kvm)).toBe('qemu');
    expect(chooseVmmKind('auto', { kvmUsable: true, firecrackerInstalled: true })).toBe('firecracker');
  });
});

const deps: VmmDeps = { layout: { vmsDir: '/x', runtimeDir: '/x', sshDir: '/x', sshKeyPath: '/x', knownHostsPath: '/x' }, bridgeCidr: '172.16.0.1/24', images: { get: () => undefined }, accel: 'tcg' };

describe('createVmmPorts', () => {
  const calls: string[] = [];
  const entry = (tag: string): VmmRuntime => ({
    driver: {} as VmmRuntime['driver'],
    storage: {
      prepare: async () => (calls.push(`${tag}.prepare`), { rootDisk: { path: '/x', format: 'raw' } }),
      freeze: async () => void calls.push(`${tag}.freeze`),
      destroy: async () => void calls.push(`${tag}.destroy`),
      diskUsage: async () => ({ systemOverlayBytes: 0, workDiskBytes: 0 }),
    },
    planner: { launchSpec: () => (calls.push(`${tag}.plan`), {}) as never },
    guest: { waitForGuest: async () => void calls.push(`${tag}.guest`) },
  });

  it('routes each call by the VM row vmm kind', async () => {
    const r = createVmmPorts(deps, { standin: entry('s'), qemu: entry('q') });
    const opts = { signal: new AbortController().signal, announce: () => undefined };
    await r.storage.prepare(makeVm({ vmm: 'qemu' }), opts);
    await r.storage.prepare(makeVm({ vmm: 'standin' }), opts);
    await r.guest.waitForGuest(makeVm({ vmm: 'qemu' }), { signal: opts.signal, pid: 1 });
    expect(calls).toEqual(['q.prepare', 's.prepare', 'q.guest']);
  });

  it('uses a given runtime for its kind and builds the others from the registry', () => {
    const r = createVmmPorts(deps, { qemu: entry('q') });
    expect(r.driverFor('qemu')).toEqual({});
    expect(typeof r.driverFor('standin').launch).toBe('function');
  });
});

describe('VMM_BACKENDS', () => {
  it('gives each kind its file names and guest agent channel', () => {
    expect(VMM_BACKENDS.qemu.files).toEqual({ systemOverlay: 'system.qcow2', controlSocket: 'qmp.sock' });
    expect(VMM_BACKENDS.firecracker.files).toEqual({ systemOverlay: 'system.img', controlSocket: 'api.sock' });
    const vm = makeVm();
    expect(VMM_BACKENDS.qemu.agentTransport(vm)).toEqual({ kind: 'virtio-serial', socketPath: vm.runtime.agentSockPath });
    expect(VMM_BACKENDS.firecracker.agentTransport(vm)).toMatchObject({ kind: 'vsock', socketPath: vm.runtime.agentSockPath });
    expect(() => VMM_BACKENDS.standin.agentTransport(vm)).toThrow(GuestError);
  });
});

describe('standinBehaviourFromConfig', () => {
  it('turns [standin] durations and fail_at into driver behaviour', () => {
    const c = parseConfig('vmm = "standin"\n[standin]\nlaunch_delay = "1.5s"\nfail_at = "guest_ready"\n');
    expect(standinBehaviourFromConfig(c.standin)).toEqual({
      prepare: {},
      launch: { delayMs: 1500 },
      guestReady: { fail: 'fail_at in config [standin]' },
      stop: {},
    });
  });
});

