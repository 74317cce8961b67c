import { delimiter } from 'node:path';

/**
 * Where Debian keeps the host tools banger runs (e2fsck, mkfs.ext4, debugfs,
 * ip, iptables): an ordinary user's login PATH has none of these dirs, so a
 * bangerd started from such a shell could not find tools that are installed.
 */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'] as const;

/** `path` with every missing sbin dir appended (the user's own order wins). */
export function withSbinDirs(path: string | undefined): string {
  const parts = (path ?? '').split(delimiter).filter((p) => p.length > 0);
  for (const dir of SBIN_DIRS) if (!parts.includes(dir)) parts.push(dir);
  return parts.join(delimiter);
}

/**
 * Appends the sbin dirs to `env.PATH` in place. Called once at the top of
 * each entry point (bangerd, banger-helper, the CLI), so every child process
 * and every PATH lookup after it sees them.
 */
export function ensureToolPath(env: NodeJS.ProcessEnv = process.env): void {
  env.PATH = withSbinDirs(env.PATH);
}
