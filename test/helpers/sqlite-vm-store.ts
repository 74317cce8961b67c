/**
 * Minimal VmStorePort over better-sqlite3 for integration tests and benches,
 * until src/store lands. One row per VM: indexed columns plus the record as
 * JSON. Writes are synchronous, as the real store's are.
 */
import Database from 'better-sqlite3';
import type { VMRecord } from '../../src/model/index.js';
import { ConflictError } from '../../src/errors/index.js';
import type { Logger, VmPatch, VmStorePort } from '../../machines/ports.js';
import { applyPatch } from './apply-patch.js';
import { resolveVm } from './resolve-vm.js';

export class SqliteVmStore implements VmStorePort {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string, private readonly logger?: Logger) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS vms (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, state TEXT NOT NULL, json TEXT NOT NULL)`);
    this.stmts = {
      list: this.db.prepare('SELECT json FROM vms ORDER BY name'),
      get: this.db.prepare('SELECT json FROM vms WHERE id = ?'),
      byName: this.db.prepare('SELECT json FROM vms WHERE name = ?'),
      insert: this.db.prepare('INSERT INTO vms (id, name, state, json) VALUES (?, ?, ?, ?)'),
      update: this.db.prepare('UPDATE vms SET state = ?, json = ? WHERE id = ?'),
      remove: this.db.prepare('DELETE FROM vms WHERE id = ?'),
    };
  }

  list(): VMRecord[] {
    return (this.stmts.list.all() as Array<{ json: string }>).map((r) => JSON.parse(r.json) as VMRecord);
  }
  get(id: string): VMRecord | undefined {
    const r = this.stmts.get.get(id) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as VMRecord) : undefined;
  }
  getByName(name: string): VMRecord | undefined {
    const r = this.stmts.byName.get(name) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as VMRecord) : undefined;
  }  resolve(ref: string): VMRecord {
    return resolveVm(this.list(), ref);
  }

  insert(vm: VMRecord): void {
    try {
      this.stmts.insert.run(vm.id, vm.name, vm.state, JSON.stringify(vm));
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError(`VM "${vm.name}" already exists`, { cause: err });
      throw err;
    }
  }
  update(id: string, patch: VmPatch): boolean {
    try {
      const tx = this.db.transaction(() => {
        const cur = this.get(id);
        if (!cur) return false;
        const next = applyPatch(cur, patch, new Date().toISOString());
        this.stmts.update.run(next.state, JSON.stringify(next), id);
        return true;
      });
      return tx();
    } catch (err) {
      this.logger?.error({ err: (err as Error).message, id }, 'store update failed');
      return false;
    }
  }
  remove(id: string): boolean {
    try {
      return this.stmts.remove.run(id).changes > 0;
    } catch (err) {
      this.logger?.error({ err: (err as Error).message, id }, 'store remove failed');
      return false;
    }
  }
  close(): void {
    this.db.close();
  }
}
