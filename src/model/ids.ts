/**
 * A new VM or image id: 32 lowercase hex characters (128 random bits). The
 * global Web Crypto, not node:crypto: this module is on the CLI's start-up path
 * (shortId), and importing node:crypto loads the whole crypto stack there.
 */
export function newId(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}

/** Short form used in tables and log lines. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** ISO-8601 UTC timestamp with millisecond precision. */
export function nowIso(clock: () => number = Date.now): string {
  return new Date(clock()).toISOString();
}
