import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLayout, type Layout } from '../../src/host/layout.js';

/**
 * An isolated banger layout under a fresh temp dir. The cache dir is shared
 * between runs (BANGER_TEST_CACHE, default /tmp/banger-test-cache) so the
 * Debian kernel .deb is fetched once, not per test file.
 */
export function tempLayout(prefix = 'banger-t-'): { root: string; layout: Layout; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const cache = process.env.BANGER_TEST_CACHE ?? join(tmpdir(), 'banger-test-cache');
  const layout = resolveLayout({
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_STATE_HOME: join(root, 'state'),
    XDG_CACHE_HOME: cache,
    XDG_RUNTIME_DIR: join(root, 'run'),
  });
  return { root, layout, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
