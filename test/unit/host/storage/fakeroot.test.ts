import { describe, expect, it } from 'vitest';
import { fakerootLine, makedev } from '../../../../src/host/storage/index.js';

describe('fakeroot save file', () => {
  it('writes the line `fakeroot -s` writes: dev in hex, mode in octal, the rest in decimal', () => {
    // Read from `fakeroot -s out -- sh -c 'touch a; chown 5:6 a; mknod c c 1 3'` (fakeroot 1.31).
    expect(fakerootLine({ dev: 0xfe00n, ino: 2146873n, mode: 0o100644, uid: 5, gid: 6, nlink: 1n, rdev: 0n })).toBe(
      'dev=fe00,ino=2146873,mode=100644,uid=5,gid=6,nlink=1,rdev=0',
    );
    expect(fakerootLine({ dev: 0xfe00n, ino: 2146874n, mode: 0o20644, uid: 0, gid: 0, nlink: 1n, rdev: makedev(1, 3) })).toBe(
      'dev=fe00,ino=2146874,mode=20644,uid=0,gid=0,nlink=1,rdev=259',
    );
  });

  it('keeps inode numbers beyond 2^53 exact', () => {
    expect(fakerootLine({ dev: 1n, ino: 2n ** 63n + 1n, mode: 0o40755, uid: 0, gid: 0, nlink: 2n, rdev: 0n })).toContain('ino=9223372036854775809,');
  });

  it("makedev encodes like glibc's (values from Python's os.makedev)", () => {
    expect(makedev(1, 3)).toBe(259n);
    expect(makedev(8, 256)).toBe(1050624n);
    expect(makedev(259, 0)).toBe(66304n);
    expect(makedev(4096, 70000)).toBe(17592472305776n);
  });
});
