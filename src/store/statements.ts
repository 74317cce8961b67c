import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepared statements by SQL text. Preparing costs a parse and plan every
 * time; the daemon runs the same few statements thousands of times (the
 * supervisor bench spent ~0.3 s of 200 VM lifecycles in `prepare`). The SQL
 * texts are fixed strings in the repos, so the map stays small.
 */
export function statementCache(db: Database): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
