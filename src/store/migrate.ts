import type { Database } from 'better-sqlite3';
import { InternalError } from '../errors/index.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Current schema version, 0 for a database banger has never touched. */
export function schemaVersion(db: Database): number {
  const table = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the database to `target` (default: latest). Each step runs in its own
 * transaction with its version row, so a crash mid-way leaves a consistent
 * earlier version that the next start resumes from.
 */
export function migrate(db: Database, opts: { target?: number; migrations?: readonly Migration[] } = {}): number {
  const migrations = opts.migrations ?? MIGRATIONS;
  const target = opts.target ?? migrations.at(-1)?.version ?? 0;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new InternalError(`database schema version ${current} is newer than this banger understands (${latest})`, {
      code: 'store.schema_too_new',
      hint: 'upgrade banger, or move the state directory aside to start fresh',
    });
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
  return schemaVersion(db);
}
