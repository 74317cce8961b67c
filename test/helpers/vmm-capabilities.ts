import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
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

function sysctlIs(path: string, bad: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === bad;
  } catch {
    return false;
  }
}

/**
 * "unprivileged mmdebstrap": mmdebstrap, newuidmap/newgidmap and usermod
 * (the test gives its user a subuid range) on PATH, and a kernel that lets
 * ordinary users make user namespaces.
 */
export function missingUnprivilegedMmdebstrap(): string | undefined {
  const bins = missingBinaries('mmdebstrap', 'newuidmap', 'newgidmap', 'usermod');
  if (bins) return `unprivileged mmdebstrap ${bins}`;
  if (sysctlIs('/proc/sys/user/max_user_namespaces', '0')) return 'unprivileged mmdebstrap needs user namespaces (user.max_user_namespaces is 0)';
  if (sysctlIs('/proc/sys/kernel/unprivileged_userns_clone', '0')) return 'unprivileged mmdebstrap needs kernel.unprivileged_userns_clone = 1';
  if (sysctlIs('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', '1')) return 'unprivileged mmdebstrap needs kernel.apparmor_restrict_unprivileged_userns = 0';
  return undefined;
}
