import type { VMRecord } from '../../src/model/index.js';
import type { VmPatch } from '../../machines/ports.js';

const MIRROR_KEYS = ['tapDevice', 'baseLoop', 'cowLoop', 'dmName', 'vmmPid'] as const;

/** Pure patch application shared by the test stores. */
export function applyPatch(r: VMRecord, patch: VmPatch, at: string): VMRecord {
  const next: VMRecord = { ...r, runtime: { ...r.runtime }, updatedAt: at };
  if (patch.state) next.state = patch.state;
  if (patch.lastError !== undefined) {
    if (patch.lastError === null) delete next.runtime.lastError;
    else next.runtime.lastError = patch.lastError;
  }
  if (patch.mirror !== undefined) {
    for (const k of MIRROR_KEYS) delete next.runtime[k];
    if (patch.mirror) Object.assign(next.runtime, patch.mirror);
  }
  if (patch.spec) next.spec = patch.spec;
  if (patch.stats) next.stats = patch.stats;
  if (patch.lastTouchedAt) next.lastTouchedAt = patch.lastTouchedAt;
  return next;
}
