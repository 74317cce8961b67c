import { defineConfig } from 'vitest/config';

// Smoke tier: real VMs through the built CLI. Slow; run on its own.
export default defineConfig({
  test: {
    include: ['test/smoke/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    passWithNoTests: true,
  },
});
