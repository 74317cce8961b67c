import { describe, expect, it } from 'vitest';
import { InvalidInputError, UsageError } from '../../../src/errors/index.js';
import { checkName, parseMemory, parseSizing, parseVcpu } from '../../../src/cli/commands/vm/flags.js';
import { splitRunArgs } from '../../../src/cli/commands/vm/run.js';
import { describeNotification } from '../../../src/cli/progress.js';

describe('vm sizing flags', () => {
  it('accepts a size for --memory, a bare number being MiB', () => {
    expect(parseMemory('2048')).toBe(2048);
    expect(parseMemory('2G')).toBe(2048);
    expect(parseMemory('2gib')).toBe(2048);
    expect(parseMemory('512M')).toBe(512);
  });

  it.each([
    ['0', InvalidInputError],
    ['1T', InvalidInputError],
    ['lots', UsageError],
  ])('rejects --memory %s naming the fix', (raw, Err) => {
    expect(() => parseMemory(raw)).toThrow(Err);
    try {
      parseMemory(raw);
    } catch (err) {
      expect((err as InvalidInputError).hint).toMatch(/--memory/);
    }
  });

  it.each(['-1', '0', '65', '1.5', 'two'])('rejects --vcpu %s', (raw) => {
    expect(() => parseVcpu(raw)).toThrow(/--vcpu/);
  });

  it('bounds --disk-size and keeps the string for the daemon', () => {
    expect(parseSizing({ diskSize: '8G' })).toEqual({ diskSize: '8G' });
    expect(parseSizing({ diskSize: '8192' })).toEqual({ diskSize: '8192' });
    expect(() => parseSizing({ diskSize: '999T' })).toThrow(InvalidInputError);
    expect(() => parseSizing({ diskSize: '999T' })).toThrow(/more than the maximum 2T/);
    expect(() => parseSizing({ diskSize: 'big' })).toThrow(UsageError);
    expect(() => parseSizing({ diskSize: 'big' })).toThrow(/not a size/);
    expect(() => parseSizing({ overlaySize: '10' })).toThrow(/--overlay-size 10 \(a bare number is MiB\) is less than the minimum 256M/);
  });

  it('uses the same grammar for every size flag: a bare number is MiB', () => {
    // --memory 1024 and --disk-size 1024 mean the same amount, 1 GiB
    expect(parseMemory('1024')).toBe(1024);
    expect(parseSizing({ memory: '1024', diskSize: '1024', overlaySize: '1GiB' })).toEqual({ memoryMiB: 1024, diskSize: '1024', overlaySize: '1GiB' });
    try {
      parseSizing({ diskSize: '10' });
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidInputError).hint).toBe('give a unit, e.g. --disk-size 10G');
      expect((err as InvalidInputError).code).toBe('vm.size');
    }
    try {
      parseSizing({ memory: 'lots' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).code).toBe('usage.invalid_value');
    }
  });

  it('checks names as DNS labels, including long, unicode and shell metacharacters', () => {
    expect(checkName('dev-1')).toBe('dev-1');
    for (const bad of ['x'.repeat(64), 'dév', 'a;rm -rf /', '$(id)', '-lead']) expect(() => checkName(bad)).toThrow(InvalidInputError);
  });
});

describe('vm run argument split', () => {
  it('tells a repo from a command after --', () => {
    expect(splitRunArgs(['vm', 'run', '--', 'uname', '-a'])).toEqual({ command: ['uname', '-a'] });
    expect(splitRunArgs(['vm', 'run', '--rm', './repo', '--', 'make', 'test'])).toEqual({ repo: './repo', command: ['make', 'test'] });
    expect(splitRunArgs(['vm', 'run', '--name', 'box', '--memory', '1024', 'repo'])).toEqual({ repo: 'repo', command: [] });
  });

  it('refuses a command without --', () => {
    expect(() => splitRunArgs(['vm', 'run', './repo', 'make'])).toThrow(UsageError);
  });
});

describe('progress text', () => {
  it('follows only the named VM and renders image steps', () => {
    const t = { vmId: 'x', name: 'dev', from: 'starting.storage', to: 'starting.network', event: 'done', at: '' };
    expect(describeNotification('vm.transition', t, 'dev')).toBe('dev: starting → network');
    expect(describeNotification('vm.transition', { ...t, name: 'other' }, 'dev')).toBeNull();
    // States that last say what they wait for.
    expect(describeNotification('vm.transition', { ...t, to: 'starting.guestReady' }, 'dev')).toBe('dev: starting → guestReady · waiting for the guest to answer SSH');
    expect(describeNotification('vm.transition', { ...t, to: 'stopping' }, 'dev')).toBe('dev: stopping · waiting for the guest to shut down, then killed');
    expect(describeNotification('image.progress', { image: 'default', step: 'kernel', fraction: 0.5 }, 'dev')).toBe('image default: kernel 50%');
  });
});
