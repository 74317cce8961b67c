import { describe, expect, it } from 'vitest';
import { guestIdentity } from '../../../src/guest/identity.js';

describe('guestIdentity', () => {
  it('derives prefix, gateway and DNS from the bridge CIDR and the MAC from the guest IP', () => {
    const seen: number[] = [];
    const id = guestIdentity({
      name: 'dev-2',
      guestIP: '172.16.0.5',
      bridgeCidr: '172.16.0.1/24',
      now: () => 1_764_720_000_999,
      random: (n) => {
        seen.push(n);
        return Buffer.alloc(n, 0xab);
      },
    });
    expect(id).toEqual({
      ip: '172.16.0.5',
      prefix: 24,
      gateway: '172.16.0.1',
      dns: '172.16.0.1',
      mac: '06:00:ac:10:00:05',
      hostname: 'dev-2',
      seed: 'ab'.repeat(64),
      time: 1_764_720_000,
    });
    expect(seen).toEqual([64]);
  });

  it('works for other networks (the bridge address need not be .1)', () => {
    const id = guestIdentity({ name: 'x', guestIP: '10.20.3.4', bridgeCidr: '10.20.0.254/16', now: () => 0, random: (n) => Buffer.alloc(n) });
    expect(id).toMatchObject({ prefix: 16, gateway: '10.20.0.254', dns: '10.20.0.254', mac: '06:00:0a:14:03:04', time: 0 });
  });

  it('defaults to the clock and crypto.randomBytes: 128 lower-case hex digits, different each time', () => {
    const before = Math.floor(Date.now() / 1000);
    const a = guestIdentity({ name: 'dev', guestIP: '172.16.0.2', bridgeCidr: '172.16.0.1/24' });
    const b = guestIdentity({ name: 'dev', guestIP: '172.16.0.2', bridgeCidr: '172.16.0.1/24' });
    expect(a.seed).toMatch(/^[0-9a-f]{128}$/);
    expect(a.seed).not.toBe(b.seed);
    expect(a.time).toBeGreaterThanOrEqual(before);
    expect(a.time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('rejects a bad CIDR or guest IP, and a random source that gives the wrong size', () => {
    expect(() => guestIdentity({ name: 'dev', guestIP: '172.16.0.2', bridgeCidr: '172.16.0.1/31' })).toThrow(/CIDR/);
    expect(() => guestIdentity({ name: 'dev', guestIP: '172.16.0.300', bridgeCidr: '172.16.0.1/24' })).toThrow(/not an IPv4 address/);
    expect(() => guestIdentity({ name: 'dev', guestIP: '172.16.0.2', bridgeCidr: '172.16.0.1/24', random: () => Buffer.alloc(8) })).toThrow(/8 bytes, not 64/);
  });
});
