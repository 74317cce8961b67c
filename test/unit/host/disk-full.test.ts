import { describe, expect, it } from 'vitest';
import { HostError } from '../../../src/errors/index.js';
import { diskFullError, isDiskFull, mountOf } from '../../../src/host/disk-full.js';

const MOUNTS = [
  '/dev/vda1 / ext4 rw 0 0',
  'tmpfs /tmp tmpfs rw 0 0',
  '/dev/sdb1 /tmp/data ext4 rw 0 0',
  '/dev/sdc1 /mnt/with\\040space xfs rw 0 0',
].join('\n');

describe('mountOf', () => {
  it.each([
    ['/home/u/.local/state/banger/images', '/dev/vda1', '/'],
    ['/tmp/x', 'tmpfs', '/tmp'],
    ['/tmp/data/images', '/dev/sdb1', '/tmp/data'],
    ['/tmp/database', 'tmpfs', '/tmp'],
    ['/mnt/with space/images', '/dev/sdc1', '/mnt/with space'],
  ])('%s is on %s at %s', (path, device, mountPoint) => {
    expect(mountOf(path, MOUNTS)).toEqual({ device, mountPoint });
  });
});

describe('isDiskFull', () => {
  it('finds ENOSPC in the error, its message or its causes', () => {
    expect(isDiskFull(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe(true);
    expect(isDiskFull(new HostError('mkfs.ext4 -q failed: No space left on device while writing'))).toBe(true);
    expect(isDiskFull(new Error('build failed', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) }))).toBe(true);
    expect(isDiskFull(new Error('permission denied'))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });
});

describe('diskFullError', () => {
  it('names the disk holding the dirs and the fix for an out-of-space error, and nothing else', () => {
    const err = diskFullError(Object.assign(new Error('write'), { code: 'EDQUOT' }), ['/tmp', '/var/tmp'], 'importing image x');
    expect(err).toBeInstanceOf(HostError);
    expect(err?.code).toBe('host.disk_full');
    expect(err?.message).toMatch(/^importing image x failed: the disk \S+ \(mounted at \/\S*, holding \/tmp and \/var\/tmp\) is full \(.+ free\)$/);
    expect(err?.hint).toContain('df -h /tmp');
    expect(diskFullError(new Error('permission denied'), ['/tmp'], 'x')).toBeUndefined();
  });
});
