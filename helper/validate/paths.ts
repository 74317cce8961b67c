import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, sep } from 'node:path';
import { refuse } from './refuse.js';

/**
 * Resolves `path` the way the kernel will (symlinks followed) and requires the
 * result to lie inside one of `roots`. For a path that does not exist yet the
 * parent is resolved and the last component appended, so a symlinked parent
 * cannot smuggle a new file out of the layout. Returns the resolved path,
 * which is what the operation then uses (never the caller's spelling).
 */
export function resolveInsideRoots(path: string, roots: readonly string[]): string {
  const outside = (what: string) =>
    refuse('path.outside_layout', `${JSON.stringify(path)} ${what}`, `use a path under banger's state, runtime or cache dirs (${roots.join(', ')})`);
  if (!isAbsolute(path)) throw outside('is not absolute');
  let resolved: string;
  try {
    resolved = realpathSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outside(`cannot be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    const name = basename(path);
    if (name === '..' || name === '.') throw outside('ends in a relative component');
    try {
      resolved = `${realpathSync(dirname(path))}${sep}${name}`;
    } catch {
      throw outside('has no existing parent directory');
    }
  }
  if (!roots.some((root) => resolved.startsWith(root.endsWith(sep) ? root : root + sep))) {
    throw outside(resolved === path ? 'is outside the layout' : `resolves to ${resolved}, outside the layout`);
  }
  return resolved;
}

/** Realpaths the roots once at start; a root that does not exist yet is kept as given. */
export function normaliseRoots(roots: readonly string[]): string[] {
  return roots.map((r) => {
    try {
      return realpathSync(r);
    } catch {
      return r;
    }
  });
}
