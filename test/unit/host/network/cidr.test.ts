import { describe, expect, it } from 'vitest';
import { allocateGuestIp, macFromIp, parseCidr } from '../../../../src/host/network/index.js';

describe('guest IP allocation', () => {
  it('starts at .2, skips used addresses, never hands one out twice', () => {
    expect(allocateGuestIp('172.16.0.1/24', [])).toBe('172.16.0.2');
    const used = ['172.16.0.2', '172.16.0.3', '172.16.0.5'];
    expect(allocateGuestIp('172.16.0.1/24', used)).toBe('172.16.0.4');
    const taken = new Set<string>();
    for (let i = 0; i < 253; i++) taken.add(allocateGuestIp('172.16.0.1/24', taken));
    expect(taken.size).toBe(253);
    expect(taken.has('172.16.0.1')).toBe(false);
    expect(taken.has('172.16.0.255')).toBe(false);
  });

  it('reuses a freed address and reports exhaustion with a hint', () => {
    expect(allocateGuestIp('10.0.0.1/30', [])).toBe('10.0.0.2');
    expect(() => allocateGuestIp('10.0.0.1/30', ['10.0.0.2'])).toThrow(/no free guest address/);
  });

  it.each(['172.16.0.1', '172.16.0.1/33', '300.1.1.1/24', '1.2.3.4/31', ''])('rejects bad CIDR %j', (c) => {
    expect(() => parseCidr(c)).toThrow(/CIDR/);
  });

  it('derives a stable locally administered MAC from the IP', () => {
    expect(macFromIp('172.16.0.2')).toBe('06:00:ac:10:00:02');
    expect(macFromIp('172.16.0.2')).toBe(macFromIp('172.16.0.2'));
    expect(macFromIp('172.16.0.3')).not.toBe(macFromIp('172.16.0.2'));
  });
});
