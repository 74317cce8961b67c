import { lstat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/**
 * The first component of `rel` under `base` that is a symlink, or undefined.
 * Staging code copies symlinks as links; a later path that walks through one
 * (on the host side or inside the staging dir) would read or write wherever
 * the link points, so callers check with this before touching such a path.
 * Components that do not exist yet end the walk (nothing to follow there).
 *
 * @param includeLast also check the final component (a write target that is a link would be followed).
 */
export async function symlinkOnPath(base: string, rel: string, opts: { includeLast?: boolean } = {}): Promise<string | undefined> {
  const parts = rel.split(sep).filter((p) => p !== '' && p !== '.');
  const upto = opts.includeLast ? parts.length : parts.length - 1;
  let at = base;
  for (let i = 0; i < upto; i++) {
    at = join(at, parts[i]!);
    let st;
    try {
      st = await lstat(at);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) return parts.slice(0, i + 1).join(sep);
  }
  return undefined;
}
