import { defineConfig } from 'vitest/config';

// Browser tier (issue 16): the dashboard (`banger ui`) in Debian's Chromium against a real bangerd with
// stand-in VMs (test/browser), driven by playwright-core. Files run one at a time: each starts a daemon,
// a `banger ui` and a browser, and the host has 2 cores. The real-VM check is test/smoke/ui.test.ts.
// The 20-tab load test asserts a time bound, so like the benches it runs on demand (npm run test:browser:load), not in CI.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    exclude: process.env.UI_LOAD === '1' ? [] : ['test/browser/load.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/global-leak-check.ts'],
  },
});
