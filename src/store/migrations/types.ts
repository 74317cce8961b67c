import type { Database } from 'better-sqlite3';

/**
 * One schema step. `up` runs inside a transaction together with the
 * `schema_version` bump, so a failed step leaves the database at the previous
 * version. Migrations are append-only: never edit one that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
