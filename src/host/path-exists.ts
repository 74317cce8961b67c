import { stat } from 'node:fs/promises';

/** True when `path` exists (symlinks followed); false for any error, a missing path among them. */
export function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
