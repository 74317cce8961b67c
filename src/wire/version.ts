import { packageInfo } from '../host/package-root.js';

/** banger's package version (from the package.json at the package root). */
export function packageVersion(): string {
  return packageInfo().version;
}
