import { describe, expect, it } from 'vitest';
import { HELPER_OPS } from '../../../src/model/helper-ops.js';
import { OP_VALIDATORS } from '../../../helper/validate/op-params.js';
import { HELPER_VERSION } from '../../../helper/version.js';
import { packageVersion } from '../../../src/wire/version.js';

describe('helper validators fail closed (issue 14)', () => {
  it('every operation has its own validator, and the table has nothing else', () => {
    expect(Object.keys(OP_VALIDATORS).sort()).toEqual(Object.keys(HELPER_OPS).sort());
  });

  it('a table missing an operation does not compile', () => {
    const { 'hosts.sync': _dropped, ...rest } = OP_VALIDATORS;
    // @ts-expect-error hosts.sync has no validator: the mapped type refuses the table
    const incomplete: typeof OP_VALIDATORS = rest;
    expect(Object.keys(incomplete)).not.toContain('hosts.sync');
  });

  it('the helper reports the package version', () => {
    expect(HELPER_VERSION).toBe(packageVersion());
    expect(HELPER_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
