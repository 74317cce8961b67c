import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one place that asks where banger is installed. The CLI is bundled
 * (dist/src/cli/main.js plus chunks), so a module's own `import.meta.url` no
 * longer says where its source file sat; every path into the package is made
 * from the package root instead, found by walking up to the package.json named
 * "banger". This works from src/ (tests), dist/src/ (tsc output) and the bundle.
 */
export interface PackageInfo {
  root: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  cached ??= findPackage(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

/** The package root (the directory holding banger's package.json). */
export function packageRoot(): string {
  return packageInfo().root;
}

/** A path under the package's build output: `distPath('src/daemon/main.js')`. */
export function distPath(rel: string): string {
  return join(packageRoot(), 'dist', rel);
}

function findPackage(start: string): PackageInfo {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'banger') return { root: dir, version: pkg.version ?? '0.0.0-unknown' };
      } catch {
        // an unreadable package.json of something else; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // A broken install: say what is missing rather than guessing paths that do not exist.
  throw new Error(`banger's package.json was not found above ${start}; the installation is incomplete (reinstall banger)`);
}
