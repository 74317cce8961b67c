import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Why a configured binary cannot be used, or undefined. With `rootOwned`, the
 * file and every directory above it must be root's and not writable by group
 * or others: something root executes must not be replaceable by anyone else
 * (the checks sudo makes of its own files).
 */
export async function binaryProblem(path: string, o: { rootOwned?: boolean } = {}): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return 'does not exist';
  if (!st.isFile()) return 'is not a regular file';
  if (!(await access(path, constants.X_OK).then(() => true, () => false))) return 'is not executable';
  if (!o.rootOwned) return undefined;
  for (let p = path; ; p = dirname(p)) {
    const s = p === path ? st : await stat(p).catch(() => undefined);
    if (!s) return `has a parent ${p} that cannot be read`;
    if (s.uid !== 0) return p === path ? 'is not owned by root' : `is in ${p}, which is not owned by root`;
    // A sticky directory (/tmp) lets no one else rename or remove root's entries in it.
    if ((s.mode & 0o022) !== 0 && !(s.isDirectory() && (s.mode & 0o1000) !== 0)) {
      return p === path ? 'is writable by group or others' : `is in ${p}, which is writable by group or others`;
    }
    if (p === dirname(p)) return undefined;
  }
}
