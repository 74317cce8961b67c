import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { ConflictError } from '../errors/index.js';
import type { PortForward } from '../model/index.js';
import { decodeEnum } from './codecs.js';
import { isUniqueViolation } from './sqlite-errors.js';
import { statementCache } from './statements.js';

interface ForwardRow {
  id: string;
  vm_id: string;
  proto: string;
  host_ip: string;
  host_port: number;
  guest_port: number;
  created_at: string;
}

const ProtoSchema = z.enum(['tcp', 'udp']);

/** Typed access to the `forwards` table. Rows go with their VM (ON DELETE CASCADE). */
export class ForwardsRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(db: Database) {
    this.sql = statementCache(db);
  }

  list(): PortForward[] {
    return (this.sql('SELECT * FROM forwards ORDER BY host_ip, host_port, proto').all() as ForwardRow[]).map(toRecord);
  }

  byVm(vmId: string): PortForward[] {
    return (this.sql('SELECT * FROM forwards WHERE vm_id = ? ORDER BY host_port, proto').all(vmId) as ForwardRow[]).map(toRecord);
  }

  /** Every forward of this protocol on this host port, whatever the address (a wildcard bind overlaps them all). */
  onPort(proto: PortForward['proto'], hostPort: number): PortForward[] {
    return (this.sql('SELECT * FROM forwards WHERE proto = ? AND host_port = ?').all(proto, hostPort) as ForwardRow[]).map(toRecord);
  }

  /** @throws ConflictError when (proto, hostIp, hostPort) is already forwarded. */
  insert(f: PortForward): void {
    try {
      this.sql(
        `INSERT INTO forwards (id, vm_id, proto, host_ip, host_port, guest_port, created_at)
         VALUES (@id, @vm_id, @proto, @host_ip, @host_port, @guest_port, @created_at)`,
      ).run({ id: f.id, vm_id: f.vmId, proto: f.proto, host_ip: f.hostIp, host_port: f.hostPort, guest_port: f.guestPort, created_at: f.createdAt });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConflictError(`${f.hostIp}:${f.hostPort}/${f.proto} is already forwarded`, { code: 'forward.exists', hint: 'list them: banger vm forward list' });
      }
      throw err;
    }
  }

  delete(id: string): boolean {
    return this.sql('DELETE FROM forwards WHERE id = ?').run(id).changes === 1;
  }
}

function toRecord(r: ForwardRow): PortForward {
  return {
    id: r.id,
    vmId: r.vm_id,
    proto: decodeEnum(ProtoSchema, r.proto, { table: 'forwards', id: r.id, column: 'proto' }),
    hostIp: r.host_ip,
    hostPort: r.host_port,
    guestPort: r.guest_port,
    createdAt: r.created_at,
  };
}
