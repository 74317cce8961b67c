import { describe, expect, it } from 'vitest';
import { mmdebstrapArgs } from '../../../../src/images/debian/mmdebstrap.js';

describe('mmdebstrapArgs', () => {
  it('minbase plus the packages, the .deb cache kept across builds through hooks naming it relative to the cache dir', () => {
    expect(mmdebstrapArgs({ mode: 'unshare', suite: 'bookworm', mirror: 'http://deb.debian.org/debian', packages: ['systemd-sysv', 'udev'], target: '/c/build-1/rootfs.tar' })).toEqual([
      '--mode=unshare',
      '--variant=minbase',
      '--include=systemd-sysv,udev',
      '--skip=essential/unlink',
      '--setup-hook=sync-in debian-apt /var/cache/apt/',
      '--customize-hook=sync-out /var/cache/apt/archives debian-apt/archives',
      'bookworm',
      '/c/build-1/rootfs.tar',
      'http://deb.debian.org/debian',
    ]);
  });

  it('root mode writes straight into the directory', () => {
    const args = mmdebstrapArgs({ mode: 'root', suite: 'bookworm', mirror: 'http://m/debian', packages: ['a'], target: '/c/rootfs' });
    expect(args[0]).toBe('--mode=root');
    expect(args.slice(-3)).toEqual(['bookworm', '/c/rootfs', 'http://m/debian']);
  });
});
