import { randomBytes } from 'node:crypto';

/** A new VM or image id: 32 lowercase hex characters (128 random bits). */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** Short form used in tables and log lines. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** ISO-8601 UTC timestamp with millisecond precision. */
export function nowIso(clock: () => number = Date.now): string {
  return new Date(clock()).toISOString();
}
