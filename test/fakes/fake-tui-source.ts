import type { VMRecord } from '../../src/model/index.js';
import type { TuiSource, VmAction, VmStatsEvent, VmTransitionEvent, ConnectionState, ConnectionInfo } from '../../tui/index.js';

/** In-memory TuiSource: records actions, lets a test push events. */
export function createFakeTuiSource(initial: VMRecord[], initialImages: Array<{ id: string; name: string }> = [{ id: 'img000000000', name: 'debian-12' }]) {
  let vms = initial;
  let images = initialImages;
  let lists = 0;
  const actions: Array<{ action: VmAction; name: string }> = [];
  let handlers: Parameters<TuiSource['subscribe']>[0] | undefined;
  const source: TuiSource = {
    list: async () => {
      lists += 1;
      return vms;
    },
    images: async () => images,
    subscribe(h) {
      handlers = h;
      return () => {
        handlers = undefined;
      };
    },
    act: async (action, name) => {
      actions.push({ action, name });
    },
    logs: async (name) => `console of ${name}\nline 2\n`,
  };
  return {
    source,
    actions,
    setVms: (next: VMRecord[]) => {
      vms = next;
    },
    setImages: (next: Array<{ id: string; name: string }>) => {
      images = next;
    },
    /** How often the app asked for the VM list. */
    lists: () => lists,
    transition: (e: VmTransitionEvent) => handlers?.onTransition(e),
    stats: (e: VmStatsEvent) => handlers?.onStats(e),
    connection: (s: ConnectionState) => handlers?.onConnection(s),
    connectionInfo: (s: ConnectionState, info: ConnectionInfo) => handlers?.onConnection(s, info),
  };
}

export function fakeVm(name: string, over: Partial<VMRecord> = {}): VMRecord {
  const id = `${name}-0000000000000000000000`.slice(0, 32);
  return {
    id,
    name,
    imageId: 'img000000000',
    state: 'running',
    vmm: 'qemu',
    createdAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:00:00.000Z',
    lastTouchedAt: '2026-11-23T10:00:00.000Z',
    spec: { vcpuCount: 2, memoryMiB: 1024, systemOverlaySizeBytes: 8 * 1024 ** 3, workDiskSizeBytes: 8 * 1024 ** 3, natEnabled: false },
    runtime: {
      guestIP: '172.16.0.2',
      dnsName: `${name}.vm`,
      vmDir: `/s/vms/${id}`,
      systemOverlayPath: '/s/o',
      workDiskPath: '/s/w',
      logPath: '/s/l',
      apiSockPath: '/r/a',
      agentSockPath: '/r/g',
      // As bangerd keeps it: only a running (or paused) VM has one.
      ...((over.state ?? 'running') === 'running' ? { runningSince: '2026-11-23T10:00:00.000Z' } : {}),
    },
    stats: {},
    ...over,
  };
}
