/** better-sqlite3 throws SqliteError with a `code` such as SQLITE_CONSTRAINT_UNIQUE. */
export function sqliteCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Which column a UNIQUE violation hit, from SQLite's "UNIQUE constraint failed: vms.name" message. */
export function uniqueColumn(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  return /UNIQUE constraint failed: \w+\.(\w+)/.exec(err.message)?.[1];
}
