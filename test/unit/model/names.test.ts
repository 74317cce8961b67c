import { describe, expect, it } from 'vitest';
import { friendlyName, isValidVmName, VM_NAME_PATTERN, vmNameProblem } from '../../../src/model/index.js';

describe('vmNameProblem', () => {
  it.each(['a', 'dev', 'dev-1', '0abc', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(vmNameProblem(name)).toBeNull();
    expect(isValidVmName(name)).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(64), /64 characters; the limit is 63/],
    ['Dev', /uppercase letters; use "dev"/],
    ['-dev', /not a DNS label/],
    ['dev-', /not a DNS label/],
    ['dev_1', /not a DNS label/],
    ['dev.vm', /not a DNS label/],
    ['dév', /not a DNS label/],
  ])('rejects %j', (name, why) => {
    expect(vmNameProblem(name)).toMatch(why);
    expect(isValidVmName(name)).toBe(false);
  });
});

describe('friendlyName', () => {
  it('produces a valid adjective-noun name', () => {
    for (let i = 0; i < 50; i++) {
      const n = friendlyName();
      expect(n).toMatch(/^[a-z]+-[a-z]+$/);
      expect(VM_NAME_PATTERN.test(n)).toBe(true);
    }
  });

  it('avoids taken names and falls back to a numeric suffix', () => {
    const alwaysFirst = () => 0;
    const first = friendlyName(() => false, alwaysFirst);
    const taken = new Set([first]);
    const next = friendlyName((n) => taken.has(n), alwaysFirst);
    expect(next).toBe(`${first}-2`);
    taken.add(next);
    expect(friendlyName((n) => taken.has(n), alwaysFirst)).toBe(`${first}-3`);
  });
});
