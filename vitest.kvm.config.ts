import { defineConfig } from 'vitest/config';

// KVM tier: real VMs on KVM (QEMU microvm, Firecracker, the jailer). Each suite is gated on
// named capabilities (test/helpers/kvm-capabilities.ts) and says which one it skipped for.
export default defineConfig({
  test: {
    include: ['test/kvm/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
    passWithNoTests: false,
  },
});
