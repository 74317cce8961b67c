import { describe, expect, it } from 'vitest';
import { InvalidInputError, UsageError } from '../../../src/errors/index.js';
import { formatForward, parseForwardSpec } from '../../../src/model/index.js';

describe('parseForwardSpec (-p and vm forward, Docker syntax)', () => {
  it.each([
    ['8080', undefined, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, guestPort: 8080 }],
    ['18080:8080', undefined, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 18080, guestPort: 8080 }],
    ['0.0.0.0:80:8080', undefined, { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 80, guestPort: 8080 }],
    ['10.1.2.3:5353:53/udp', undefined, { proto: 'udp', hostIp: '10.1.2.3', hostPort: 5353, guestPort: 53 }],
    ['5353:53', 'udp', { proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, guestPort: 53 }],
    ['5353:53/tcp', 'udp', { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 5353, guestPort: 53 }],
    ['9999/UDP', undefined, { proto: 'udp', hostIp: '127.0.0.1', hostPort: 9999, guestPort: 9999 }],
    ['[::1]:8080:80', undefined, { proto: 'tcp', hostIp: '::1', hostPort: 8080, guestPort: 80 }],
    [' 1:65535 ', undefined, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 1, guestPort: 65535 }],
  ] as const)('%s (%s)', (spec, proto, want) => {
    expect(parseForwardSpec(spec, proto)).toEqual(want);
  });

  it.each(['', ':', '8080:', ':80', 'a:b', '1:2:3:4', '8080:80/sctp', 'localhost:8080:80', '[::1:8080:80', '[1.2.3.4]:8080:80', '80.5', '0x50:80'])(
    'refuses %j as a usage error with the syntax in the hint',
    (spec) => {
      const err = (() => {
        try {
          parseForwardSpec(spec);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).hint).toContain('HOST_PORT:GUEST_PORT');
    },
  );

  it.each(['0:80', '70000:80', '8080:0', '8080:65536', '99999'])('refuses out-of-range %j by name', (spec) => {
    expect(() => parseForwardSpec(spec)).toThrow(InvalidInputError);
    expect(() => parseForwardSpec(spec)).toThrow(/out of range \(1-65535\)/);
  });

  it('formats a forward the way messages write it', () => {
    expect(formatForward(parseForwardSpec('[::1]:8080:80'))).toBe('[::1]:8080 -> 80/tcp');
    expect(formatForward(parseForwardSpec('5353:53/udp'))).toBe('127.0.0.1:5353 -> 53/udp');
  });
});
