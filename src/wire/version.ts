import { readFileSync } from 'node:fs';

/**
 * banger's package version, read from the package.json above this module. The
 * compiled file sits one level deeper (dist/src/wire) than the source (src/wire),
 * so walk up until a package.json named "banger" appears.
 */
export function packageVersion(): string {
  cached ??= findVersion();
  return cached;
}

let cached: string | undefined;

function findVersion(): string {
  for (let up = '../'; up.length < 20; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'banger' && pkg.version) return pkg.version;
    } catch {
      // not at this level; keep walking up
    }
  }
  return '0.0.0-unknown';
}
