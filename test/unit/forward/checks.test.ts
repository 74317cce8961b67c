import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError } from '../../../src/errors/index.js';
import { addressesOverlap, bindError, checkHostAddress, checkPrivilegedPort } from '../../../src/forward/index.js';
import { parseForwardSpec } from '../../../src/model/index.js';

describe('forward checks', () => {
  it('a host address must be this host’s, or a wildcard typed on purpose', () => {
    const local = ['127.0.0.1', '::1', '192.168.1.20', 'fe80::1'];
    expect(() => checkHostAddress('127.0.0.1', local)).not.toThrow();
    expect(() => checkHostAddress('192.168.1.20', local)).not.toThrow();
    expect(() => checkHostAddress('0.0.0.0', local)).not.toThrow();
    expect(() => checkHostAddress('10.9.9.9', local)).toThrow(InvalidInputError);
    expect(() => checkHostAddress('10.9.9.9', local)).toThrow('host address 10.9.9.9 is not an address of this host');
    try {
      checkHostAddress('10.9.9.9', local);
    } catch (e) {
      expect((e as InvalidInputError).hint).toBe('use 127.0.0.1 (the default), 0.0.0.0 for every interface, or one of: 127.0.0.1, ::1, 192.168.1.20');
    }
  });

  it('a port below ip_unprivileged_port_start is refused for a non-root bangerd, with the sysctl in the hint', () => {
    const spec = parseForwardSpec('80:8080');
    expect(() => checkPrivilegedPort(spec, 0, 1024)).not.toThrow();
    expect(() => checkPrivilegedPort(parseForwardSpec('1024:80'), 1000, 1024)).not.toThrow();
    expect(() => checkPrivilegedPort(spec, 1000, 1024)).toThrow('host port 80 is privileged (below 1024) and bangerd does not run as root');
    try {
      checkPrivilegedPort(spec, 1000, 1024);
    } catch (e) {
      expect((e as InvalidInputError).hint).toContain('sysctl net.ipv4.ip_unprivileged_port_start=80');
      expect((e as InvalidInputError).hint).toContain('8080:8080');
    }
  });

  it('maps bind errors to one line: EACCES explains privilege, EADDRINUSE names a holder or says another program', () => {
    const eacces = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(bindError(eacces, parseForwardSpec('80:8080')).message).toMatch(/host port 80 is privileged/);
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    // A port nobody visible holds (the lookup finds no socket on it).
    const err = bindError(inUse, parseForwardSpec('127.0.0.1:1:80'));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('host port 127.0.0.1:1/tcp is in use by another program');
  });

  it('wildcards overlap every address on the same port', () => {
    expect(addressesOverlap('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('::', '192.168.1.2')).toBe(true);
    expect(addressesOverlap('127.0.0.1', '192.168.1.2')).toBe(false);
  });
});
