import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Compiles the tree into dist/ so tests can spawn real entry points (tsc is fast here: ~2 s). */
export function buildDist(): void {
  execFileSync(`${REPO_ROOT}node_modules/.bin/tsc`, ['-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 180_000 });
  execFileSync(process.execPath, ['scripts/post-build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
}
