import { describe, expect, it } from 'vitest';
import type { MethodTable } from '../../../src/daemon/index.js';
import type { RpcClient } from '../../../src/rpc/index.js';
import { Empty, VmRefParams } from '../../../src/rpc/methods.js';

/**
 * Compile-time contract checks: `npm run typecheck` compiles this file, so each
 * @ts-expect-error fails the build if the mistake below ever type-checks.
 */
describe('method table and client typing', () => {
  it('rejects handlers whose result does not match MethodResults', () => {
    const good = { 'vm.list': { params: Empty, handler: () => [] } } satisfies MethodTable;
    // @ts-expect-error vm.list must return VMRecord[], not a string
    const badResult = { 'vm.list': { params: Empty, handler: () => 'nope' } } satisfies MethodTable;
    // @ts-expect-error vm.show's params schema is VmRefParams, not Empty
    const badSchema = { 'vm.show': { params: Empty, handler: () => { throw new Error('x'); } } } satisfies MethodTable;
    const typedParams = {
      'vm.show': {
        params: VmRefParams,
        handler: (p) => {
          // @ts-expect-error params are typed from the schema: no such field
          void p.nmae;
          throw new Error(p.name);
        },
      },
    } satisfies MethodTable;
    expect([good, badResult, badSchema, typedParams]).toHaveLength(4);
  });

  it('types client calls by method name', () => {
    const check = async (c: RpcClient) => {
      const vms = await c.call('vm.list', {});
      const n: number = vms.length;
      // @ts-expect-error vm.show needs { name }
      await c.call('vm.show', {});
      // @ts-expect-error unknown method
      await c.call('vm.teleport', {});
      return n;
    };
    expect(typeof check).toBe('function');
  });
});
