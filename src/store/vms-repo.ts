import type { Database, Statement } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { VMRecord, VMState, VMStats, WorkspacePrepareResult } from '../model/index.js';
import { vmNameTaken } from '../model/index.js';
import {
  decodeColumn,
  decodeEnum,
  VmmNameSchema,
  VmRuntimeSchema,
  VmSpecSchema,
  VmStateSchema,
  VmStatsSchema,
} from './codecs.js';
import { WorkspaceSchema } from '../model/schemas.js';
import { isForeignKeyViolation, isUniqueViolation, uniqueColumn } from './sqlite-errors.js';
import { statementCache } from './statements.js';

interface VmRow {
  id: string;
  name: string;
  image_id: string;
  state: string;
  vmm: string;
  guest_ip: string;
  spec_json: string;
  runtime_json: string;
  stats_json: string;
  workspace_json: string | null;
  created_at: string;
  updated_at: string;
  last_touched_at: string | null;
}

/**
 * Typed access to the `vms` table. `guest_ip` mirrors `runtime.guestIP` in its
 * own UNIQUE column so SQLite itself guarantees an IP is never given to two VMs.
 * Every write is a single statement, so no reader sees a half-written row.
 */
export class VmsRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  list(): VMRecord[] {
    return (this.sql('SELECT * FROM vms ORDER BY created_at, name').all() as VmRow[]).map(toRecord);
  }

  listByState(states: readonly VMState[]): VMRecord[] {
    if (states.length === 0) return [];
    const marks = states.map(() => '?').join(',');
    return (this.sql(`SELECT * FROM vms WHERE state IN (${marks}) ORDER BY created_at`).all(...states) as VmRow[]).map(
      toRecord,
    );
  }

  getById(id: string): VMRecord | undefined {
    const row = this.sql('SELECT * FROM vms WHERE id = ?').get(id) as VmRow | undefined;
    return row && toRecord(row);
  }

  getByName(name: string): VMRecord | undefined {
    const row = this.sql('SELECT * FROM vms WHERE name = ?').get(name) as VmRow | undefined;
    return row && toRecord(row);
  }

  /**
   * Looks a VM up by exact name, exact id, or an unambiguous id prefix (>= 4 chars).
   * @throws NotFoundError naming `banger vm list`; ConflictError for an ambiguous prefix.
   */
  resolve(ref: string): VMRecord {
    const byName = this.getByName(ref) ?? this.getById(ref);
    if (byName) return byName;
    if (/^[0-9a-f]{4,}$/.test(ref)) {
      const rows = this.sql("SELECT * FROM vms WHERE id LIKE ? || '%' LIMIT 2").all(ref) as VmRow[];
      if (rows.length === 1) return toRecord(rows[0]!);
      if (rows.length > 1) {
        throw new ConflictError(`id prefix "${ref}" matches more than one VM`, {
          code: 'vm.ambiguous',
          hint: 'use the VM name or a longer id',
        });
      }
    }
    throw new NotFoundError(`no VM named "${ref}"`, { code: 'vm.not_found', hint: 'see the names with: banger vm list' });
  }

  /** Guest IPs held by any VM (for the allocator). */
  usedGuestIps(): Set<string> {
    return new Set((this.sql('SELECT guest_ip FROM vms').pluck().all() as string[]));
  }

  /** @throws ConflictError on a duplicate name, id or guest IP; NotFoundError when the image row is missing. */
  insert(vm: VMRecord): void {
    try {
      this.sql(
          `INSERT INTO vms (id, name, image_id, state, vmm, guest_ip, spec_json, runtime_json, stats_json,
             workspace_json, created_at, updated_at, last_touched_at)
           VALUES (@id, @name, @image_id, @state, @vmm, @guest_ip, @spec_json, @runtime_json, @stats_json,
             @workspace_json, @created_at, @updated_at, @last_touched_at)`,
        )
        .run(toRow(vm));
    } catch (err) {
      throw mapWriteError(err, vm);
    }
  }

  /** Replaces every column of the row with this id. Returns false when there is no such row. */
  update(vm: VMRecord): boolean {
    try {
      const res = this.sql(
          `UPDATE vms SET name=@name, image_id=@image_id, state=@state, vmm=@vmm, guest_ip=@guest_ip,
             spec_json=@spec_json, runtime_json=@runtime_json, stats_json=@stats_json, workspace_json=@workspace_json,
             updated_at=@updated_at, last_touched_at=@last_touched_at
           WHERE id=@id`,
        )
        .run(toRow(vm));
      return res.changes > 0;
    } catch (err) {
      throw mapWriteError(err, vm);
    }
  }

  /**
   * Persists a state transition and its error text in one statement (the vm
   * actor calls this inside the transition). `lastError` undefined clears it.
   */
  setState(id: string, state: VMState, at: string, lastError?: string): boolean {
    const res = this.sql(
        `UPDATE vms SET state = ?, updated_at = ?,
           runtime_json = CASE WHEN ? IS NULL THEN json_remove(runtime_json, '$.lastError')
                               ELSE json_set(runtime_json, '$.lastError', ?) END
         WHERE id = ?`,
      )
      .run(state, at, lastError ?? null, lastError ?? null, id);
    return res.changes > 0;
  }

  touch(id: string, at: string): boolean {
    return this.sql('UPDATE vms SET last_touched_at = ? WHERE id = ?').run(at, id).changes > 0;
  }

  setStats(id: string, stats: VMStats): boolean {
    return this.sql('UPDATE vms SET stats_json = ? WHERE id = ?').run(JSON.stringify(stats), id).changes > 0;
  }

  setWorkspace(id: string, workspace: WorkspacePrepareResult | undefined, at: string): boolean {
    return (
      this.sql('UPDATE vms SET workspace_json = ?, updated_at = ? WHERE id = ?')
        .run(workspace ? JSON.stringify(workspace) : null, at, id).changes > 0
    );
  }

  delete(id: string): boolean {
    return this.sql('DELETE FROM vms WHERE id = ?').run(id).changes > 0;
  }

  count(): number {
    return this.sql('SELECT COUNT(*) FROM vms').pluck().get() as number;
  }
}

function mapWriteError(err: unknown, vm: VMRecord): unknown {
  if (isUniqueViolation(err)) {
    const col = uniqueColumn(err);
    if (col === 'guest_ip') {
      return new ConflictError(`guest IP ${vm.runtime.guestIP} is already held by another VM`, {
        code: 'vm.ip_taken',
        hint: 'this is a bug in IP allocation; retry the create',
      });
    }
    return vmNameTaken(vm.name);
  }
  if (isForeignKeyViolation(err)) {
    return new NotFoundError(`image ${vm.imageId} does not exist`, { code: 'image.not_found', hint: 'see: banger image list' });
  }
  return err;
}

function toRecord(row: VmRow): VMRecord {
  const where = (column: string) => ({ table: 'vms', id: row.id, column });
  const record: VMRecord = {
    id: row.id,
    name: row.name,
    imageId: row.image_id,
    state: decodeEnum(VmStateSchema, row.state, where('state')),
    vmm: decodeEnum(VmmNameSchema, row.vmm, where('vmm')),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastTouchedAt: row.last_touched_at ?? row.updated_at,
    spec: decodeColumn(VmSpecSchema, row.spec_json, where('spec_json')),
    runtime: decodeColumn(VmRuntimeSchema, row.runtime_json, where('runtime_json')),
    stats: decodeColumn(VmStatsSchema, row.stats_json, where('stats_json')),
  };
  if (row.workspace_json !== null) record.workspace = decodeColumn(WorkspaceSchema, row.workspace_json, where('workspace_json'));
  return record;
}

function toRow(vm: VMRecord): VmRow {
  return {
    id: vm.id,
    name: vm.name,
    image_id: vm.imageId,
    state: vm.state,
    vmm: vm.vmm,
    guest_ip: vm.runtime.guestIP,
    spec_json: JSON.stringify(vm.spec),
    runtime_json: JSON.stringify(vm.runtime),
    stats_json: JSON.stringify(vm.stats),
    workspace_json: vm.workspace ? JSON.stringify(vm.workspace) : null,
    created_at: vm.createdAt,
    updated_at: vm.updatedAt,
    last_touched_at: vm.lastTouchedAt,
  };
}
