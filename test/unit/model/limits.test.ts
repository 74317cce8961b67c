import { describe, expect, it } from 'vitest';
import { parseMemory, parseVcpu } from '../../../src/cli/commands/vm/flags.js';
import { MEMORY_MIB_LIMITS, VCPU_LIMITS } from '../../../src/model/index.js';
import { VmCreateParams, VmSetParams } from '../../../src/rpc/methods.js';

/** The CLI, vm.create and vm.set take exactly the same sizes (issue 14: they used to disagree). */
describe('VM size limits: one source', () => {
  it.each([
    ['vcpu', VCPU_LIMITS, (n: number) => parseVcpu(String(n)), 'vcpu'],
    ['memory', MEMORY_MIB_LIMITS, (n: number) => parseMemory(String(n)), 'memoryMiB'],
  ] as const)('%s: the bounds pass everywhere, one past them fails everywhere', (_what, limits, cli, field) => {
    for (const ok of [limits.min, limits.max]) {
      expect(cli(ok)).toBe(ok);
      expect(VmCreateParams.safeParse({ [field]: ok }).success).toBe(true);
      expect(VmSetParams.safeParse({ name: 'dev', [field]: ok }).success).toBe(true);
    }
    for (const bad of [limits.min - 1, limits.max + 1]) {
      expect(() => cli(bad)).toThrow(/out of range|less than the minimum|more than the maximum/);
      expect(VmCreateParams.safeParse({ [field]: bad }).success).toBe(false);
      expect(VmSetParams.safeParse({ name: 'dev', [field]: bad }).success).toBe(false);
    }
  });
});
