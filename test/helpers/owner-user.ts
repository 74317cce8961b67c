import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveLayout, type Layout } from '../../src/host/layout.js';
import { runNodeAsUser, type NodeAsUserResult } from './as-user.js';
import { REPO_ROOT } from './build.js';
import { createTestUser, type TestUser } from './users.js';

/**
 * A throwaway ordinary user with a home under /tmp, for running banger's real
 * image code (the built dist/) as bangerd would run for that user. Everything
 * lives under `base`, removed with the user and its processes by remove().
 */
export interface OwnerFixture {
  user: TestUser;
  /** 0755 dir holding the home and fixtures the user reads. */
  base: string;
  /** The XDG layout the driver resolves from the user's HOME. */
  layout: Layout;
  /** Runs `body` as the user after `dist` (the built src/) and `layout` are defined; body prints what the test reads. */
  run(body: string, timeoutMs: number): Promise<NodeAsUserResult>;
  /**
   * Copies entries of the shared test cache dir (e.g. 'kernels', 'debian-apt') into the
   * user's banger cache, when there are any, so the build does not download them again.
   */
  seedCache(...names: string[]): void;
  remove(): void;
}

export const DIST = join(REPO_ROOT, 'dist', 'src');

export function createOwnerFixture(tag: string): OwnerFixture {
  const base = mkdtempSync('/tmp/bgown-');
  chmodSync(base, 0o755);
  let user: TestUser | undefined;
  try {
    user = createTestUser(tag, { home: join(base, 'home') });
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
  const u = user;
  const layout = resolveLayout({ HOME: u.home });
  return {
    user: u,
    base,
    layout,
    run(body, timeoutMs) {
      const script = `const dist = ${JSON.stringify(DIST)};\nconst { resolveLayout } = await import(dist + '/host/layout.js');\nconst layout = resolveLayout(process.env);\n${body}`;
      return runNodeAsUser(u, script, { timeoutMs });
    },
    seedCache: (...names) => seedUserCache(u, layout.cacheDir, names),
    remove() {
      u.remove();
      rmSync(base, { recursive: true, force: true });
      // The user's banger run as it, without XDG_RUNTIME_DIR, keeps its runtime dir in /tmp/banger-UID,
      // outside base (src/host/layout.ts); that UID was this test's throwaway user's.
      rmSync(`/tmp/banger-${u.uid}`, { recursive: true, force: true });
    },
  };
}

/**
 * Copies entries of the shared test cache dir (e.g. 'kernels', 'debian-apt')
 * into a user's banger cache dir and gives the user the copy, so a build run
 * as that user does not download them again. Entries not cached are skipped.
 */
export function seedUserCache(user: TestUser, cacheDir: string, names: readonly string[]): void {
  const shared = join(process.env.BANGER_TEST_CACHE ?? '/tmp/banger-test-cache', 'banger');
  for (const name of names) {
    if (!existsSync(join(shared, name))) continue;
    mkdirSync(join(cacheDir, name), { recursive: true });
    for (const k of readdirSync(join(shared, name)).filter((n) => !n.startsWith('.'))) execFileSync('cp', ['-a', join(shared, name, k), join(cacheDir, name)]);
  }
  if (user.home && existsSync(join(user.home, '.cache'))) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, join(user.home, '.cache')]);
}
