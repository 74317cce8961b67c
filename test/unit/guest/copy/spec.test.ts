import { describe, expect, it } from 'vitest';
import { baseOf, createTransferProgress, extractCommand, formatBytes, formatRate, guestPathArg, guestTarError, packCommand, parseCopySpec, parseEndpoint, planTarget, probeDestCommand, type PathKind } from '../../../../src/guest/copy/index.js';

describe('parseEndpoint', () => {
  it.each([
    ['dev:/root/x', { kind: 'guest', vm: 'dev', path: '/root/x' }],
    ['dev:', { kind: 'guest', vm: 'dev', path: '.' }],
    ['dev:rel/x', { kind: 'guest', vm: 'dev', path: 'rel/x' }],
    ['dev:/a:b', { kind: 'guest', vm: 'dev', path: '/a:b' }],
    ['./a:b', { kind: 'host', path: './a:b' }],
    ['/tmp/a:b', { kind: 'host', path: '/tmp/a:b' }],
    ['~/a:b', { kind: 'host', path: '~/a:b' }],
    ['../x:y', { kind: 'host', path: '../x:y' }],
    ['plain', { kind: 'host', path: 'plain' }],
    ['dir/file', { kind: 'host', path: 'dir/file' }],
    // Windows-ish spellings are not special on Linux: "C:..." names a VM called C, as scp would read it.
    ['C:\\x', { kind: 'guest', vm: 'C', path: '\\x' }],
  ])('%s', (arg, want) => {
    expect(parseEndpoint(arg)).toEqual(want);
  });

  it('refuses an empty argument', () => {
    expect(() => parseEndpoint('')).toThrow(/empty path/);
  });
});

describe('parseCopySpec', () => {
  it('reads the direction from the side that names a VM', () => {
    expect(parseCopySpec('./dir', 'dev:/root/')).toEqual({ direction: 'in', vm: 'dev', hostPath: './dir', guestPath: '/root/' });
    expect(parseCopySpec('dev:/root/out.txt', './')).toEqual({ direction: 'out', vm: 'dev', guestPath: '/root/out.txt', hostPath: './' });
  });

  it.each([
    ['dev:/a', 'other:/b', /both SRC and DST are in a VM/],
    ['./a', './b', /neither SRC nor DST is in a VM/],
    ['./a', 'dev:/root/../etc', /contains a "\.\." segment/],
    ['dev:../x', './', /contains a "\.\." segment/],
    ['dev:/root/a\nb', './', /NUL or newline/],
  ])('%s %s is refused', (a, b, msg) => {
    expect(() => parseCopySpec(a, b)).toThrow(msg);
  });

  it('a host path may contain ".."', () => {
    expect(parseCopySpec('../up', 'dev:/root/')).toMatchObject({ hostPath: '../up' });
  });
});

describe('planTarget (cp rules)', () => {
  const plan = (src: Exclude<PathKind, 'none'>, dst: string, dstKind: PathKind, parentKind: PathKind = 'dir', childKind: PathKind = 'none') =>
    planTarget({ src, srcBase: 'x', dst, dstLabel: `dev:${dst}`, dstKind, parentKind, childKind });

  it('an existing directory receives SRC under its own name', () => {
    expect(plan('dir', '/root/', 'dir')).toEqual({ dir: '/root/', name: 'x', existed: false });
    expect(plan('file', '/root', 'dir', 'dir', 'file')).toEqual({ dir: '/root', name: 'x', existed: true });
  });
  it('a new name renames', () => {
    expect(plan('file', '/root/y', 'none')).toEqual({ dir: '/root', name: 'y', existed: false });
    expect(plan('dir', '/root/y', 'none')).toEqual({ dir: '/root', name: 'y', existed: false });
  });
  it('a file replaces a file', () => {
    expect(plan('file', '/root/y', 'file')).toEqual({ dir: '/root', name: 'y', existed: true });
  });
  it.each([
    ['dir', '/root/y', 'file', 'dir', 'none', /dev:\/root\/y exists as a file where a directory is expected/],
    ['file', '/root/y/', 'file', 'dir', 'none', /exists as a file where a file is expected|exists as a file/],
    ['file', '/root/y/', 'none', 'dir', 'none', /destination directory dev:\/root\/y\/ does not exist/],
    ['file', '/nope/y', 'none', 'none', 'none', /directory holding dev:\/nope\/y does not exist/],
    ['dir', '/root', 'dir', 'dir', 'file', /dev:\/root\/x exists as a file where a directory is expected/],
    ['file', '/root', 'dir', 'dir', 'dir', /dev:\/root\/x exists as a directory where a file is expected/],
  ] as const)('%s → %s (%s) is refused', (src, dst, dk, pk, ck, msg) => {
    expect(() => plan(src, dst, dk, pk, ck)).toThrow(msg);
  });

  it('baseOf ignores trailing slashes and has no name for . or /', () => {
    expect(baseOf('/root/dir/')).toBe('dir');
    expect(baseOf('/')).toBe('');
    expect(baseOf('.')).toBe('');
  });
});

describe('guest commands', () => {
  it('quote paths and keep to busybox tar flags', () => {
    expect(packCommand("/root/it's dir/")).toBe(`cd /root && exec tar -cf - 'it'\\''s dir'`);
    expect(packCommand('out.txt')).toBe('cd . && exec tar -cf - out.txt');
    expect(packCommand('/etc')).toBe('cd / && exec tar -cf - etc');
    expect(extractCommand('/root', 'new dir', false)).toBe(`cd /root && { tar -xf - || { rc=$?; rm -rf 'new dir'; exit $rc; }; }`);
    expect(extractCommand('/root', 'x', true)).not.toContain('rm -rf');
    expect(probeDestCommand('/root/', 'x')).toContain(`d=/root/;`);
    expect(guestPathArg('~/a')).toBe('a');
    expect(guestPathArg('~')).toBe('.');
  });

  it('a full guest disk becomes one line naming the VM', () => {
    const e = guestTarError('dev', 'writing dev:/root/', { code: 1, stderr: 'tar: write: No space left on device\n' });
    expect(e.message).toBe('no space left on the disk of VM dev while writing dev:/root/');
    expect(e.hint).toContain('banger vm set dev --disk-size');
    expect(guestTarError('dev', 'x', { code: 2, stderr: 'tar: a: Cannot open\n' }).message).toContain('exit 2): tar: a: Cannot open');
  });
});

describe('createTransferProgress', () => {
  const fakeTty = () => {
    const writes: string[] = [];
    return { writes, stream: { isTTY: true, columns: 80, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
  };

  it('redraws at most every interval on a TTY, and clears its line at the end', () => {
    let t = 0;
    const { writes, stream } = fakeTty();
    const p = createTransferProgress({ stream, enabled: true, label: '→ dev', now: () => t, intervalMs: 250 });
    p.setTotal(4 * 1024 * 1024);
    for (let i = 0; i < 100; i++) {
      t += 10;
      p.add(40 * 1024);
    }
    expect(writes.length).toBe(4);
    expect(writes.at(-1)).toContain('→ dev: ');
    expect(writes.at(-1)).toMatch(/of 4\.0 MiB \d+% · .*\/s/);
    expect(p.finish()).toEqual({ bytes: 100 * 40 * 1024, seconds: 1 });
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes nothing when disabled (--json) or not a TTY', () => {
    const { writes, stream } = fakeTty();
    const p = createTransferProgress({ stream, enabled: false, label: 'x', now: () => 0 });
    p.add(1e9);
    p.finish();
    const notTty = { isTTY: false, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const q = createTransferProgress({ stream: notTty, enabled: true, label: 'x' });
    q.add(1e9);
    q.finish();
    expect(writes).toEqual([]);
  });

  it('formats sizes and rates', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200.0 MiB');
    expect(formatRate(10 * 1024 * 1024, 2)).toBe('5.0 MiB/s');
  });
});
