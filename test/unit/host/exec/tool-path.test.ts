import { describe, expect, it } from 'vitest';
import { toolEnv, withSbinDirs } from '../../../../src/host/exec/index.js';

describe('withSbinDirs / toolEnv', () => {
  it("appends the sbin dirs an ordinary user's PATH lacks, after the user's own dirs", () => {
    expect(withSbinDirs('/usr/local/bin:/usr/bin:/bin')).toBe('/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
  });

  it('keeps a PATH that has them as it is (order included), and adds only what is missing', () => {
    expect(withSbinDirs('/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin')).toBe('/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin');
    expect(withSbinDirs('/opt/x/bin:/sbin')).toBe('/opt/x/bin:/sbin:/usr/local/sbin:/usr/sbin');
  });

  it('gives the sbin dirs alone for an unset or empty PATH', () => {
    expect(withSbinDirs(undefined)).toBe('/usr/local/sbin:/usr/sbin:/sbin');
    expect(withSbinDirs('')).toBe('/usr/local/sbin:/usr/sbin:/sbin');
  });

  it('toolEnv (what run() spawns with) changes PATH only, on a copy', () => {
    const env = { PATH: '/bin', HOME: '/home/u' };
    expect(toolEnv(env)).toEqual({ PATH: '/bin:/usr/local/sbin:/usr/sbin:/sbin', HOME: '/home/u' });
    expect(env.PATH).toBe('/bin');
  });
});
