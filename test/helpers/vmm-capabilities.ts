import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Skip reasons for tests that need real host parts. Each returns undefined
 * when the capability is present, or a sentence naming what is missing, so a
 * skipped test says why (use with `describe.skipIf(reason)`).
 */

export function missingRoot(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root (creates a bridge and tap devices)';
}

export function missingBinaries(...bins: string[]): string | undefined {
  const path = (process.env.PATH ?? '').split(delimiter);
  const missing = bins.filter((b) => !path.some((d) => {
    try {
      accessSync(join(d, b), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }));
  return missing.length ? `needs ${missing.join(', ')} on PATH` : undefined;
}

export function missingTun(): string | undefined {
  return existsSync('/dev/net/tun') ? undefined : 'needs /dev/net/tun for tap devices';
}

/** First reason found, or undefined when everything is there. */
export function firstMissing(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** Logs the skip reason once so a skipped suite is visible in the output. */
export function skipReason(reason: string | undefined): boolean {
  if (reason) console.warn(`skipped: ${reason}`);
  return reason !== undefined;
}
