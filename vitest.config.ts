import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx', 'test/integration/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fails the run if the suite leaves banger-named taps, bridges, netns, iptables rules or loops.
    globalSetup: ['test/global-leak-check.ts'],
  },
});
