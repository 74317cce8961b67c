import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLayout, type Layout } from '../../src/host/layout.js';

export interface TempRoot {
  root: string;
  /** process.env with every XDG variable pointed inside `root`. */
  env: Record<string, string | undefined>;
  layout: Layout;
  remove(): void;
}

/**
 * A fresh directory with XDG config/state/cache/runtime inside it. Kept short
 * (under /tmp) because the daemon socket path must fit in 107 bytes.
 */
export function createTempRoot(prefix = 'bgr-'): TempRoot {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(root, 'c'),
    XDG_STATE_HOME: join(root, 's'),
    XDG_CACHE_HOME: join(root, 'k'),
    XDG_RUNTIME_DIR: join(root, 'r'),
  };
  return { root, env, layout: resolveLayout(env), remove: () => rmSync(root, { recursive: true, force: true }) };
}
