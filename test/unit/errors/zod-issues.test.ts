import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeValue, describeZodError, formatIssuePath } from '../../../src/errors/index.js';
import { VmCreateParams } from '../../../src/rpc/methods.js';

/** The first issue of `schema` on `input`, translated. */
function say(schema: z.ZodType, input: unknown): string {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('expected a failure');
  return describeZodError(r.error, input, 1);
}

const S = z
  .object({
    n: z.number().int().positive().max(64).optional(),
    s: z.string().min(1).max(3).optional(),
    e: z.enum(['a', 'b']).optional(),
    l: z.array(z.string()).max(1).optional(),
    lit: z.literal('q').optional(),
    u: z.union([z.number(), z.string()]).optional(),
    r: z.string().regex(/^x$/, 'is not "x"').optional(),
    plain: z.string().regex(/^x$/).optional(),
    m: z.number().multipleOf(4).optional(),
    sz: z.string().superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: 'no', params: { expected: 'a size like "2G"' } })).optional(),
    nested: z.object({ deep: z.array(z.object({ k: z.boolean() })) }).optional(),
    req: z.string(),
  })
  .strict();

describe('zod issues in plain words', () => {
  it.each([
    [{ n: 'lots' }, 'n: expected a number, got the string "lots"'],
    [{ n: 1.5 }, 'n: expected a whole number, got the number 1.5'],
    [{ n: 0 }, 'n: must be more than 0, got the number 0'],
    [{ n: 65 }, 'n: must be at most 64, got the number 65'],
    [{ s: '' }, 's: must not be empty, got the string ""'],
    [{ s: 'abcd' }, 's: must be at most 3 characters long, got the string "abcd"'],
    [{ e: 'c' }, 'e: must be one of "a", "b"; got the string "c"'],
    [{ l: ['a', 'b'] }, 'l: must have at most 1 item, got a list of 2 items'],
    [{ lit: 'r' }, 'lit: must be "q", got the string "r"'],
    [{ u: true }, 'u: expected a number or a string, got true'],
    [{ r: 'y' }, 'r: is not "x"'],
    [{ plain: 'y' }, 'plain: is not in the expected format: got the string "y"'],
    [{ m: 5 }, 'm: must be a multiple of 4, got the number 5'],
    [{ sz: 'lots' }, 'sz: expected a size like "2G", got the string "lots"'],
    [{ nested: { deep: [{ k: true }, { k: 'yes' }] } }, 'nested.deep[1].k: expected true or false, got the string "yes"'],
    [{ zz: 1 }, 'has unknown key "zz"'],
  ])('%j', (input, sentence) => {
    expect(say(S, { req: 'x', ...input })).toBe(sentence);
  });

  it('says a required key is missing', () => {
    expect(say(S, {})).toBe('req: is missing; expected a string');
  });

  it('never passes zod wording through', () => {
    const r = S.safeParse({ n: 'x', s: 5, e: 1, l: 'x', lit: 2, u: null, nested: 7, zz: 1 });
    expect(r.success).toBe(false);
    const text = describeZodError(r.error!, {}, 20);
    expect(text).not.toMatch(/Invalid input|received|Too (big|small)|Invalid option|Unrecognized/);
  });

  it('says how many more issues there were', () => {
    const r = S.safeParse({ n: 'x', s: 5, e: 1, req: 'x' });
    expect(describeZodError(r.error!, { n: 'x', s: 5, e: 1, req: 'x' }, 2)).toMatch(/^n: .*; s: .* \(and 1 more\)$/);
  });

  it('translates the RPC schemas the CLI hears from', () => {
    expect(say(VmCreateParams, { name: 'a', memoryMiB: 'lots' })).toBe('memoryMiB: expected a number, got the string "lots"');
  });

  it('formats paths and values as a user writes them', () => {
    expect(formatIssuePath(['vm_defaults', 'memory'])).toBe('vm_defaults.memory');
    expect(formatIssuePath(['file_sync', 0, 'owner'])).toBe('file_sync[0].owner');
    expect(formatIssuePath([0])).toBe('[0]');
    expect(describeValue('x'.repeat(100))).toBe(`the string "${'x'.repeat(57)}..."`);
    expect(describeValue({})).toBe('a table of keys');
    expect(describeValue(null)).toBe('null');
  });
});
