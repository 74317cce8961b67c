import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { SnapshotFiles, SnapshotRecord } from '../model/index.js';
import { decodeColumn, decodeEnum, VmmNameSchema, VmSpecSchema } from './codecs.js';
import { isUniqueViolation } from './sqlite-errors.js';
import { statementCache } from './statements.js';

interface SnapshotRow {
  id: string;
  name: string;
  status: string;
  kind: string;
  purpose: string;
  vm_id: string;
  vm_name: string;
  image_id: string;
  vmm: string;
  spec_json: string;
  guest_ip: string;
  dir: string;
  files_json: string;
  parent_id: string | null;
  warm_key: string | null;
  size_bytes: number;
  paused_ms: number | null;
  created_at: string;
}

const FilesSchema = z.object({
  systemDisk: z.string(),
  workDisk: z.string(),
  state: z.string().optional(),
  memory: z.string().optional(),
}) satisfies z.ZodType<SnapshotFiles>;
const KindSchema = z.enum(['memory', 'disk']);
const PurposeSchema = z.enum(['user', 'fork', 'warm']);

/** Typed access to the `snapshots` table; pending rows (being taken) are seen only through `pending()`. */
export class SnapshotsRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(db: Database) {
    this.sql = statementCache(db);
  }

  list(): SnapshotRecord[] {
    return (this.sql("SELECT * FROM snapshots WHERE status = 'ready' ORDER BY created_at, name").all() as SnapshotRow[]).map(toRecord);
  }

  pending(): SnapshotRecord[] {
    return (this.sql("SELECT * FROM snapshots WHERE status = 'pending' ORDER BY created_at").all() as SnapshotRow[]).map(toRecord);
  }

  /** Any row, pending or ready. */
  getById(id: string): SnapshotRecord | undefined {
    const row = this.sql('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    return row && toRecord(row);
  }

  /** A ready snapshot by exact name or id. @throws NotFoundError naming `banger vm snapshot list`. */
  resolve(ref: string): SnapshotRecord {
    const row = this.sql("SELECT * FROM snapshots WHERE status = 'ready' AND (name = ? OR id = ?)").get(ref, ref) as SnapshotRow | undefined;
    if (!row) throw new NotFoundError(`snapshot ${ref} not found`, { code: 'snapshot.not_found', hint: 'list them: banger vm snapshot list' });
    return toRecord(row);
  }

  find(ref: string): SnapshotRecord | undefined {
    const row = this.sql("SELECT * FROM snapshots WHERE status = 'ready' AND (name = ? OR id = ?)").get(ref, ref) as SnapshotRow | undefined;
    return row && toRecord(row);
  }

  nameTaken(name: string): boolean {
    return this.sql('SELECT 1 FROM snapshots WHERE name = ?').get(name) !== undefined;
  }

  byWarmKey(key: string): SnapshotRecord | undefined {
    const row = this.sql("SELECT * FROM snapshots WHERE status = 'ready' AND warm_key = ? ORDER BY created_at DESC").get(key) as SnapshotRow | undefined;
    return row && toRecord(row);
  }

  /** Snapshots whose frozen disks are layered on this one's. */
  children(id: string): SnapshotRecord[] {
    return (this.sql('SELECT * FROM snapshots WHERE parent_id = ?').all(id) as SnapshotRow[]).map(toRecord);
  }

  /** Inserts a row as `pending`. @throws ConflictError when the name is taken. */
  insertPending(s: SnapshotRecord): void {
    try {
      this.sql(
        `INSERT INTO snapshots (id, name, status, kind, purpose, vm_id, vm_name, image_id, vmm, spec_json, guest_ip, dir, files_json, parent_id, warm_key, size_bytes, paused_ms, created_at)
         VALUES (@id, @name, 'pending', @kind, @purpose, @vm_id, @vm_name, @image_id, @vmm, @spec_json, @guest_ip, @dir, @files_json, @parent_id, @warm_key, @size_bytes, @paused_ms, @created_at)`,
      ).run(toRow(s));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`a snapshot named ${s.name} already exists`, { code: 'snapshot.exists', hint: 'pick another --name, or delete it: banger vm snapshot delete ' + s.name });
      throw err;
    }
  }

  /** Marks a pending row ready with what the taking measured (kind may drop to `disk` when the state was lost). */
  markReady(id: string, fields: Pick<SnapshotRecord, 'kind' | 'files' | 'sizeBytes' | 'pausedMs'>): boolean {
    const r = this.sql("UPDATE snapshots SET status = 'ready', kind = ?, files_json = ?, size_bytes = ?, paused_ms = ? WHERE id = ?").run(
      fields.kind,
      JSON.stringify(fields.files),
      fields.sizeBytes,
      fields.pausedMs,
      id,
    );
    return r.changes === 1;
  }

  delete(id: string): boolean {
    return this.sql('DELETE FROM snapshots WHERE id = ?').run(id).changes === 1;
  }
}

function toRow(s: SnapshotRecord): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    purpose: s.purpose,
    vm_id: s.vmId,
    vm_name: s.vmName,
    image_id: s.imageId,
    vmm: s.vmm,
    spec_json: JSON.stringify(s.spec),
    guest_ip: s.guestIP,
    dir: s.dir,
    files_json: JSON.stringify(s.files),
    parent_id: s.parentId,
    warm_key: s.warmKey,
    size_bytes: s.sizeBytes,
    paused_ms: s.pausedMs,
    created_at: s.createdAt,
  };
}

function toRecord(r: SnapshotRow): SnapshotRecord {
  const where = (column: string) => ({ table: 'snapshots', id: r.id, column });
  return {
    id: r.id,
    name: r.name,
    kind: decodeEnum(KindSchema, r.kind, where('kind')),
    purpose: decodeEnum(PurposeSchema, r.purpose, where('purpose')),
    vmId: r.vm_id,
    vmName: r.vm_name,
    imageId: r.image_id,
    vmm: decodeEnum(VmmNameSchema, r.vmm, where('vmm')),
    spec: decodeColumn(VmSpecSchema, r.spec_json, where('spec_json')),
    guestIP: r.guest_ip,
    dir: r.dir,
    files: decodeColumn(FilesSchema, r.files_json, where('files_json')),
    parentId: r.parent_id,
    warmKey: r.warm_key,
    sizeBytes: r.size_bytes,
    pausedMs: r.paused_ms,
    createdAt: r.created_at,
  };
}
