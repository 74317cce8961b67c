import type { Logger } from 'pino';
import type { RuntimeMirror, VmPatch, VmStorePort } from '../../../machines/index.js';
import type { VMRecord, VMRuntime, VMState } from '../../model/index.js';
import type { Store } from '../../store/index.js';

const MIRROR_KEYS = ['tapDevice', 'baseLoop', 'cowLoop', 'dmName', 'vmmPid'] as const satisfies readonly (keyof RuntimeMirror)[];

function setOrClear<K extends 'baseSnapshotId' | 'restoreFrom' | 'startPath'>(runtime: VMRuntime, key: K, value: VMRuntime[K] | null): void {
  if (value === null) delete runtime[key];
  else runtime[key] = value;
}

/**
 * Keeps `runtime.runningSince` in step with the state: set on the first
 * `running` of a run, kept through pause, resume, snapshots and a daemon
 * restart that adopts the VM (each re-enters running), cleared once the VM is
 * not running or paused. Done here, where every state write passes, so no
 * path into running can forget it.
 */
function followRunningSince(runtime: VMRuntime, state: VMState, at: string): void {
  if (state === 'running') runtime.runningSince ??= at;
  else if (state !== 'paused') delete runtime.runningSince;
}

/** Applies a patch to a record (pure; exported for unit tests). */
export function applyVmPatch(vm: VMRecord, patch: VmPatch, at: string): VMRecord {
  const runtime: VMRuntime = { ...vm.runtime };
  if (patch.lastError !== undefined) {
    if (patch.lastError === null) delete runtime.lastError;
    else runtime.lastError = patch.lastError;
  }
  if (patch.mirror !== undefined) {
    for (const k of MIRROR_KEYS) delete runtime[k];
    if (patch.mirror) Object.assign(runtime, patch.mirror);
  }
  if (patch.links) {
    const { baseSnapshotId, restoreFrom, startPath } = patch.links;
    if (baseSnapshotId !== undefined) setOrClear(runtime, 'baseSnapshotId', baseSnapshotId);
    if (restoreFrom !== undefined) setOrClear(runtime, 'restoreFrom', restoreFrom);
    if (startPath !== undefined) setOrClear(runtime, 'startPath', startPath);
  }
  if (patch.state !== undefined) followRunningSince(runtime, patch.state, at);
  return {
    ...vm,
    ...(patch.state !== undefined ? { state: patch.state } : {}),
    ...(patch.spec !== undefined ? { spec: patch.spec } : {}),
    ...(patch.stats !== undefined ? { stats: patch.stats } : {}),
    ...(patch.lastTouchedAt !== undefined ? { lastTouchedAt: patch.lastTouchedAt } : {}),
    runtime,
    updatedAt: at,
  };
}

/**
 * The actors' VmStorePort over SQLite. `update` and `remove` never throw (an
 * action that throws takes its vm actor down): they log and return false.
 * better-sqlite3 is synchronous, so a patch written inside a transition is on
 * disk before the RPC reply that follows it.
 */
export function createVmStorePort(store: Store, logger: Pick<Logger, 'error'>, clock: () => number = Date.now): VmStorePort {
  const update = store.db.transaction((id: string, patch: VmPatch): boolean => {
    const vm = store.vms.getById(id);
    if (!vm) return false;
    return store.vms.update(applyVmPatch(vm, patch, new Date(clock()).toISOString()));
  });
  return {
    list: () => store.vms.list(),
    get: (id) => store.vms.getById(id),
    getByName: (name) => store.vms.getByName(name),
    resolve: (ref) => store.vms.resolve(ref),
    insert: (vm) => store.vms.insert(vm),
    update(id, patch) {
      try {
        return update(id, patch);
      } catch (err) {
        logger.error({ vmId: id, err: err instanceof Error ? err.message : String(err) }, 'store: VM update failed');
        return false;
      }
    },
    remove(id) {
      try {
        return store.vms.delete(id);
      } catch (err) {
        logger.error({ vmId: id, err: err instanceof Error ? err.message : String(err) }, 'store: VM delete failed');
        return false;
      }
    },
  };
}
