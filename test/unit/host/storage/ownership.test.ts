import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makedev, ownershipForCaller, recordedOwnership, type FakerootEntry } from '../../../../src/host/storage/index.js';

/** The recorded sink over a real temp tree: what it leaves on the host and the fakeroot table it gives. */
describe('recordedOwnership', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-own-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const byIno = (entries: FakerootEntry[], path: string) => entries.find((e) => e.ino === BigInt(lstatSync(path).ino));

  it('records owners and modes; the host keeps owner-usable modes without setuid bits', async () => {
    const o = recordedOwnership();
    const f = join(dir, 'tool');
    const d = join(dir, 'ro');
    writeFileSync(f, 'x');
    mkdirSync(d);
    await o.chown(f, 0, 42);
    await o.chmod(f, 0o2711);
    await o.chown(d, 1000, 1000);
    await o.chmod(d, 0o500);
    expect(statSync(f).mode & 0o7777).toBe(0o711 | 0o600);
    expect(statSync(d).mode & 0o7777).toBe(0o700);
    const entries = await o.fakerootEntries(dir);
    expect(byIno(entries, f)).toMatchObject({ mode: 0o102711, uid: 0, gid: 42, rdev: 0n });
    expect(byIno(entries, d)).toMatchObject({ mode: 0o040500, uid: 1000, gid: 1000 });
  });

  it('a device is an empty regular file on the host and a device in the table', async () => {
    const o = recordedOwnership();
    const n = join(dir, 'null');
    await o.mknod(n, 'char', 1, 3);
    await o.chown(n, 0, 0);
    await o.chmod(n, 0o666);
    expect(lstatSync(n).isFile()).toBe(true);
    expect(lstatSync(n).size).toBe(0);
    expect(byIno(await o.fakerootEntries(dir), n)).toMatchObject({ mode: 0o020666, rdev: makedev(1, 3) });
    const b = join(dir, 'sda');
    await o.mknod(b, 'block', 8, 0);
    expect(byIno(await o.fakerootEntries(dir), b)).toMatchObject({ mode: 0o060600, rdev: makedev(8, 0) });
    // O_EXCL: never through something already at the path.
    symlinkSync('/etc/passwd', join(dir, 'planted'));
    await expect(o.mknod(join(dir, 'planted'), 'char', 1, 3)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('a hardlink shares its target\'s record; one line per inode with the real link count', async () => {
    const o = recordedOwnership();
    const f = join(dir, 'a');
    writeFileSync(f, 'x');
    await o.chown(f, 7, 8);
    await o.link(f, join(dir, 'b'));
    await o.chmod(join(dir, 'b'), 0o4755);
    const entries = await o.fakerootEntries(dir);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ uid: 7, gid: 8, mode: 0o104755, nlink: 2n });
    // Removing one name keeps the inode's record through the other.
    await o.remove(f);
    expect(await o.fakerootEntries(dir)).toEqual([expect.objectContaining({ uid: 7, nlink: 1n })]);
  });

  it('symlinks: owner recorded, mode always 0777, never chmodded on the host', async () => {
    const o = recordedOwnership();
    const l = join(dir, 'l');
    symlinkSync('/nonexistent/target', l);
    await o.chown(l, 5, 6);
    await o.chmod(l, 0o600);
    expect(byIno(await o.fakerootEntries(dir), l)).toMatchObject({ mode: 0o120777, uid: 5, gid: 6 });
  });

  it('remove() drops the records of everything under the path; a path replaced behind its back is not trusted', async () => {
    const o = recordedOwnership();
    mkdirSync(join(dir, 'd/e'), { recursive: true });
    writeFileSync(join(dir, 'd/e/f'), '');
    await o.chown(join(dir, 'd/e/f'), 9, 9);
    await o.chown(join(dir, 'd'), 9, 9);
    await o.remove(join(dir, 'd'));
    mkdirSync(join(dir, 'd/e'), { recursive: true });
    writeFileSync(join(dir, 'd/e/f'), '');
    expect(await o.fakerootEntries(dir)).toEqual([]);

    const g = join(dir, 'g');
    writeFileSync(g, '');
    await o.chown(g, 9, 9);
    rmSync(g);
    mkdirSync(g); // replaced behind the sink's back (here even reusing the inode number): the type tells
    expect(await o.fakerootEntries(dir)).toEqual([]);
  });

  it('lists only entries under the directory asked for, the directory itself included', async () => {
    const o = recordedOwnership();
    mkdirSync(join(dir, 'root'));
    mkdirSync(join(dir, 'rootx'));
    await o.chmod(join(dir, 'root'), 0o755);
    await o.chown(join(dir, 'rootx'), 1, 1);
    expect((await o.fakerootEntries(join(dir, 'root'))).map((e) => e.mode)).toEqual([0o040755]);
  });
});

describe('ownershipForCaller', () => {
  it('root keeps owners on the host; anyone else records them', () => {
    expect(ownershipForCaller(0).kind).toBe('host');
    expect(ownershipForCaller(1000).kind).toBe('recorded');
  });
});
