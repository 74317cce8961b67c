import { UsageError } from '../errors/index.js';

/**
 * Helpers for commands that serve a page until Ctrl-C (`banger debug viz`,
 * `banger ui`).
 */

/** `--port` value → a port number (0 = pick a free one). @throws UsageError */
export function parsePort(value: unknown, code = 'debug.port'): number {
  const s = String(value ?? '0');
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isInteger(n) || n > 65_535) {
    throw new UsageError(`invalid port "${s}"`, { code, hint: 'use --port with a number from 1 to 65535, or omit it for a free port' });
  }
  return n;
}

/** Resolves on the first SIGINT/SIGTERM; the command then closes its server and exits 0. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
