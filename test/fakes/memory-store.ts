import type { VMRecord } from '../../src/model/index.js';
import { vmNameTaken } from '../../src/model/index.js';
import type { VmPatch, VmStorePort } from '../../machines/ports.js';
import { applyPatch } from '../helpers/apply-patch.js';
import { resolveVm } from '../helpers/resolve-vm.js';

/** In-memory VmStorePort for unit tests; records every state write for assertions. */
export class MemoryVmStore implements VmStorePort {
  readonly rows = new Map<string, VMRecord>();
  readonly stateWrites: Array<{ id: string; state: string; lastError: string | null | undefined }> = [];

  list(): VMRecord[] {
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  get(id: string): VMRecord | undefined {
    const r = this.rows.get(id);
    return r && structuredClone(r);
  }
  getByName(name: string): VMRecord | undefined {
    for (const r of this.rows.values()) if (r.name === name) return structuredClone(r);
    return undefined;
  }  resolve(ref: string): VMRecord {
    return resolveVm(this.list(), ref);
  }

  insert(vm: VMRecord): void {
    if (this.rows.has(vm.id) || this.getByName(vm.name)) throw vmNameTaken(vm.name);
    this.rows.set(vm.id, structuredClone(vm));
  }
  update(id: string, patch: VmPatch): boolean {
    const r = this.rows.get(id);
    if (!r) return false;
    if (patch.state) this.stateWrites.push({ id, state: patch.state, lastError: patch.lastError });
    this.rows.set(id, applyPatch(r, patch, new Date().toISOString()));
    return true;
  }
  remove(id: string): boolean {
    return this.rows.delete(id);
  }
}
