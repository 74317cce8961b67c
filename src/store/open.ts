import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HostError, NotFoundError } from '../errors/index.js';
import { ForwardsRepo } from './forwards-repo.js';
import { ImagesRepo } from './images-repo.js';
import { migrate, schemaVersion } from './migrate.js';
import { LATEST_SCHEMA_VERSION } from './migrations/index.js';
import { SnapshotsRepo } from './snapshots-repo.js';
import { VmsRepo } from './vms-repo.js';

/** An open database with its repositories. `close()` is idempotent. */
export interface Store {
  readonly path: string;
  readonly db: Database.Database;
  readonly images: ImagesRepo;
  readonly vms: VmsRepo;
  readonly snapshots: SnapshotsRepo;
  readonly forwards: ForwardsRepo;
  readonly readOnly: boolean;
  schemaVersion(): number;
  /** Runs `fn` in one SQLite transaction (all or nothing). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export interface OpenStoreOptions {
  /** Milliseconds SQLite waits on a locked database before SQLITE_BUSY. @default 5000 */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the database read-write, in WAL mode with
 * foreign keys on, and migrates it to the latest schema. The file is mode 0600
 * in a directory created as 0700.
 * @throws HostError when the file cannot be opened or migrated.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new HostError(`cannot open database ${path}: ${(err as Error).message}`, {
      cause: err,
      code: 'store.open',
      hint: 'check the permissions of the state directory',
    });
  }
  try {
    chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return wrap(path, db, false);
}

/**
 * Opens an existing database read-only and never migrates (for `banger doctor`).
 * @throws NotFoundError when the file does not exist (the daemon creates it).
 */
export function openReadOnly(path: string, opts: OpenStoreOptions = {}): Store {
  if (!existsSync(path)) {
    throw new NotFoundError(`no database at ${path}`, {
      code: 'store.missing',
      hint: 'start the daemon once to create it: banger daemon start',
    });
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  return wrap(path, db, true);
}

function wrap(path: string, db: Database.Database, readOnly: boolean): Store {
  let closed = false;
  return {
    path,
    db,
    readOnly,
    images: new ImagesRepo(db),
    vms: new VmsRepo(db),
    snapshots: new SnapshotsRepo(db),
    forwards: new ForwardsRepo(db),
    schemaVersion: () => schemaVersion(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

export { LATEST_SCHEMA_VERSION };
