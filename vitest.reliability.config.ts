import { defineConfig } from 'vitest/config';

// Reliability and security tier (issue 8): real bangerd, real banger-helper, faults, bad input, load.
// Files run one at a time: they spawn daemons, mount tmpfs and create users, and the host has 2 cores.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    // The summary (faults, bad inputs, clients, VMs lost, leaks, crashes) prints in its teardown; it also counts leaks.
    globalSetup: ['test/reliability/support/summary-setup.ts'],
  },
});
