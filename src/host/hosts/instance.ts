import { createHash } from 'node:crypto';

/**
 * The id of one bangerd in the hosts file: 12 hex digits of
 * sha256(uid, state dir). Stable across restarts (so the next start rewrites
 * a block a killed daemon left), distinct between users and XDG roots (so
 * instances sharing a host each edit only their own block).
 */
export function hostsInstanceId(uid: number, stateDir: string): string {
  return createHash('sha256').update(`${uid}\0${stateDir}`).digest('hex').slice(0, 12);
}
