/**
 * createFakeVmm: a VmmDriver with no processes. Each method is overridable;
 * unset ones succeed and record their calls. "Processes" are pids in `alive`.
 */
import type { VmmDriver, VmmLaunchSpec, VmmProcessHandle } from '../../src/model/vmm.js';

export interface FakeVmmOverrides {
  prepare?: VmmDriver['prepare'];
  launch?: VmmDriver['launch'];
  stop?: VmmDriver['stop'];
  kill?: VmmDriver['kill'];
  inspect?: VmmDriver['inspect'];
  pause?: VmmDriver['pause'];
  resume?: VmmDriver['resume'];
  snapshot?: VmmDriver['snapshot'];
}

export type FakeVmm = VmmDriver & {
  calls: Array<{ method: string; arg: unknown }>;
  /** pid → apiSockPath of "running" fake processes. */
  alive: Map<number, string>;
};

export function createFakeVmm(overrides: FakeVmmOverrides = {}): FakeVmm {
  let nextPid = 40_000;
  const calls: FakeVmm['calls'] = [];
  const alive = new Map<number, string>();
  const rec = (method: string, arg: unknown) => calls.push({ method, arg });
  return {
    calls,
    alive,
    async prepare(spec: VmmLaunchSpec) {
      rec('prepare', spec);
      return overrides.prepare?.(spec);
    },
    async launch(spec, o) {
      rec('launch', spec);
      if (overrides.launch) return overrides.launch(spec, o);
      const pid = nextPid++;
      alive.set(pid, spec.apiSockPath);
      return { pid, pidStartTime: 1, apiSockPath: spec.apiSockPath };
    },
    async stop(handle: VmmProcessHandle, o) {
      rec('stop', handle);
      if (overrides.stop) return overrides.stop(handle, o);
      return alive.delete(handle.pid) ? 'graceful' : 'already-stopped';
    },
    async kill(handle) {
      rec('kill', handle);
      if (overrides.kill) return overrides.kill(handle);
      alive.delete(handle.pid);
    },
    async inspect(handle) {
      rec('inspect', handle);
      if (overrides.inspect) return overrides.inspect(handle);
      return { alive: alive.has(handle.pid) };
    },
    async snapshot(handle, req, o) {
      rec('snapshot', { handle, req });
      if (overrides.snapshot) return overrides.snapshot(handle, req, o);
      return { pausedMs: 1, stateBytes: 1024 };
    },
    async setLink(handle, up) {
      rec('setLink', { handle, up });
    },
    async pause(handle) {
      rec('pause', handle);
      return overrides.pause?.(handle);
    },
    async resume(handle) {
      rec('resume', handle);
      return overrides.resume?.(handle);
    },
  };
}
