import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../host/exec/index.js';

/**
 * Bootstraps Debian with mmdebstrap. As root (`--mode=root`) it writes the
 * tree straight into a directory. As an ordinary user (`--mode=unshare`) it
 * works inside a user namespace, where root and Debian's system users are
 * the user's subordinate ids, and hands the result over as a tarball whose
 * entries carry the real owners (0, 0 and so on); banger unpacks that with
 * the import's RootWriter into a recorded ownership sink.
 */

/** Under the cache dir; mirrors the guest's /var/cache/apt, so `archives/` holds the .debs between builds. */
export const APT_CACHE_NAME = 'debian-apt';

export interface MmdebstrapOptions {
  mode: 'root' | 'unshare';
  suite: string;
  mirror: string;
  packages: readonly string[];
  /** A directory that does not exist yet (root), or a .tar file (unshare). */
  target: string;
  /** banger's cache dir; the .debs are kept in <cacheDir>/debian-apt/archives. */
  cacheDir: string;
  signal?: AbortSignal;
}

/** mmdebstrap's arguments. Pure. */
export function mmdebstrapArgs(o: Omit<MmdebstrapOptions, 'cacheDir' | 'signal'>): string[] {
  return [
    `--mode=${o.mode}`,
    '--variant=minbase',
    `--include=${o.packages.join(',')}`,
    // Keep the essential .debs after installing them, so the hook below can save them too.
    '--skip=essential/unlink',
    // The hooks name the cache relative to mmdebstrap's cwd (the cache dir): hook strings are
    // split like shell words, and a relative fixed name needs no quoting.
    `--setup-hook=sync-in ${APT_CACHE_NAME} /var/cache/apt/`,
    `--customize-hook=sync-out /var/cache/apt/archives ${APT_CACHE_NAME}/archives`,
    o.suite,
    o.target,
    o.mirror,
  ];
}

export async function runMmdebstrap(o: MmdebstrapOptions): Promise<void> {
  await mkdir(join(o.cacheDir, APT_CACHE_NAME, 'archives', 'partial'), { recursive: true });
  await run('mmdebstrap', mmdebstrapArgs(o), {
    cwd: o.cacheDir,
    signal: o.signal,
    // In unshare mode the tree is built in $TMPDIR before it is packed, and the namespace's root
    // (a subordinate id) must be able to write there: /var/tmp is world-writable and on disk.
    env: o.mode === 'unshare' ? { ...process.env, TMPDIR: '/var/tmp' } : process.env,
    hint: `install mmdebstrap (apt-get install mmdebstrap) and check that ${o.mirror} is reachable`,
  });
}
