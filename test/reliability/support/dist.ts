import { buildDist } from '../../helpers/build.js';

/**
 * Compiles dist/ unless `npm run test:reliability` already did (it sets
 * RELIABILITY_DIST_BUILT), so each file can also run alone with npx vitest.
 */
export function ensureDist(): void {
  if (process.env.RELIABILITY_DIST_BUILT === '1') return;
  buildDist();
  process.env.RELIABILITY_DIST_BUILT = '1';
}
