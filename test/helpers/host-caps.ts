import { execFileSync } from 'node:child_process';

/**
 * Capability gates for integration tests. Each returns null when the test can
 * run, else the missing capability in words, used in the skipped test's title.
 */
export function requiresRoot(): string | null {
  return process.getuid?.() === 0 ? null : 'needs root (run as root or in CI)';
}

let netnsProblem: string | null | undefined;

/** Root plus working `ip netns` (probed once by adding and deleting a namespace). */
export function requiresNetns(): string | null {
  const root = requiresRoot();
  if (root) return root;
  if (netnsProblem !== undefined) return netnsProblem;
  const name = `banger-probe-${Math.random().toString(36).slice(2, 8)}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    netnsProblem = null;
  } catch (err) {
    netnsProblem = `needs network namespaces (ip netns add failed: ${(err as Error).message.split('\n')[0]})`;
  }
  return netnsProblem;
}

/** Test title that says why it was skipped. */
export function gated(title: string, missing: string | null): string {
  return missing ? `${title} [skipped: ${missing}]` : title;
}

export function randomSuffix(len = 6): string {
  return Math.random().toString(36).slice(2, 2 + len).padEnd(len, '0');
}
