import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pack as createPack, type Header } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSafeExtractor, packHostPath } from '../../../../src/guest/copy/index.js';

type Entry = Partial<Header> & { name: string; body?: string };

/** A tar archive built in memory from entries (the hostile guest). */
function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = createPack();
  for (const e of entries) p.entry({ mode: 0o644, mtime: new Date(1_600_000_000_000), ...e }, e.body ?? '');
  p.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
}

async function extractInto(dest: string, archive: Buffer | Readable, names: { from?: string; to?: string } = {}) {
  const ex = createSafeExtractor({ destDir: dest, fromName: names.from ?? 'top', toName: names.to ?? 'top', source: 'vm:/top' });
  (Buffer.isBuffer(archive) ? Readable.from([archive]) : archive).pipe(ex.stream);
  try {
    return await ex.done;
  } catch (err) {
    await ex.rollback();
    throw err;
  }
}

describe('createSafeExtractor', () => {
  let root: string;
  let dest: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bcp-'));
    dest = join(root, 'dest');
    outside = join(root, 'outside');
    mkdirSync(dest);
    mkdirSync(outside);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('extracts files, dirs and symlinks with modes and mtimes, renaming the top entry', async () => {
    const mtime = new Date(1_500_000_000_000);
    const t = await extractInto(
      dest,
      await tarOf([
        { name: 'top/', type: 'directory', mode: 0o750, mtime },
        { name: 'top/run.sh', body: '#!/bin/sh\n', mode: 0o755, mtime },
        { name: 'top/ro', body: 'r', mode: 0o444 },
        { name: 'top/link', type: 'symlink', linkname: 'run.sh' },
        { name: 'top/abs', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'top/hard', type: 'link', linkname: 'top/run.sh' },
      ]),
      { to: 'renamed' },
    );
    expect(t).toMatchObject({ files: 2, dirs: 1, symlinks: 2, hardlinks: 1, bytes: 11 });
    const d = join(dest, 'renamed');
    expect(statSync(join(d, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(d, 'run.sh')).mtimeMs).toBe(mtime.getTime());
    expect(statSync(join(d, 'ro')).mode & 0o777).toBe(0o444);
    expect(statSync(d).mode & 0o777).toBe(0o750);
    expect(statSync(d).mtimeMs).toBe(mtime.getTime());
    expect(readlinkSync(join(d, 'link'))).toBe('run.sh');
    // A link pointing out is kept as a link: inert until someone follows it.
    expect(readlinkSync(join(d, 'abs'))).toBe('/etc/passwd');
    expect(statSync(join(d, 'hard')).ino).toBe(statSync(join(d, 'run.sh')).ino);
  });

  it.each([
    ['a .. segment', [{ name: 'top/../x', body: 'pwned' }], /"\.\." segment/],
    ['a leading ..', [{ name: '../outside/x', body: 'pwned' }], /"\.\." segment/],
    ['an absolute name', [{ name: '/etc/x', body: 'pwned' }], /absolute path/],
    ['an entry outside the copied name', [{ name: 'other/x', body: 'pwned' }], /not under top/],
  ])('refuses %s', async (_what, entries, msg) => {
    await expect(extractInto(dest, await tarOf(entries as Entry[]))).rejects.toThrow(msg);
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(join(outside, 'x'))).toBe(false);
  });

  it('never writes through a symlink it just extracted (file through a link to a dir outside)', async () => {
    const archive = await tarOf([
      { name: 'top/', type: 'directory' },
      { name: 'top/esc', type: 'symlink', linkname: outside },
      { name: 'top/esc/x', body: 'pwned' },
    ]);
    await expect(extractInto(dest, archive)).rejects.toThrow(/is a symlink, not a directory/);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    // Rolled back: nothing of the failed copy is left.
    expect(existsSync(join(dest, 'top'))).toBe(false);
  });

  it('replaces a symlink to a file outside instead of writing through it', async () => {
    writeFileSync(join(outside, 'target'), 'keep');
    const archive = await tarOf([
      { name: 'top/', type: 'directory' },
      { name: 'top/f', type: 'symlink', linkname: join(outside, 'target') },
      { name: 'top/f', body: 'new' },
    ]);
    await extractInto(dest, archive);
    expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('keep');
    expect(lstatSync(join(dest, 'top', 'f')).isFile()).toBe(true);
    expect(readFileSync(join(dest, 'top', 'f'), 'utf8')).toBe('new');
  });

  it('does not walk through a symlink already in the destination', async () => {
    mkdirSync(join(dest, 'top'));
    symlinkSync(outside, join(dest, 'top', 'sub'));
    await expect(extractInto(dest, await tarOf([{ name: 'top/sub/x', body: 'pwned' }]))).rejects.toThrow(/symlink/);
    expect(existsSync(join(outside, 'x'))).toBe(false);
  });

  it('refuses a hard link out of the destination', async () => {
    writeFileSync(join(outside, 'secret'), 's');
    for (const linkname of [join(outside, 'secret'), '../outside/secret', 'top/missing']) {
      await expect(extractInto(dest, await tarOf([{ name: 'top/', type: 'directory' }, { name: 'top/h', type: 'link', linkname }]))).rejects.toThrow(/hard link|absolute|"\.\."/);
    }
    expect(statSync(join(outside, 'secret')).nlink).toBe(1);
  });

  it('refuses a directory symlink then a directory entry through it', async () => {
    const archive = await tarOf([
      { name: 'top/', type: 'directory' },
      { name: 'top/d', type: 'symlink', linkname: outside },
      { name: 'top/d/', type: 'directory' },
      { name: 'top/d/sub/', type: 'directory' },
    ]);
    await expect(extractInto(dest, archive)).rejects.toThrow();
    expect(existsSync(join(outside, 'sub'))).toBe(false);
  });

  it('round-trips a host tree packed by packHostPath (modes, mtimes, links)', async () => {
    const src = join(root, 'src');
    mkdirSync(join(src, 'a'), { recursive: true });
    writeFileSync(join(src, 'a', 'f'), 'hello');
    chmodSync(join(src, 'a', 'f'), 0o640);
    utimesSync(join(src, 'a', 'f'), 1_400_000_000, 1_400_000_000);
    symlinkSync('../../outside', join(src, 'a', 'up'));
    const packed = packHostPath(src, 'copy');
    const ex = createSafeExtractor({ destDir: dest, fromName: 'copy', toName: 'copy', source: 'host' });
    packed.stream.pipe(ex.stream);
    expect(await packed.done).toMatchObject({ files: 1, dirs: 2, symlinks: 1, bytes: 5 });
    expect(await ex.done).toMatchObject({ files: 1, dirs: 2, symlinks: 1, bytes: 5 });
    const f = join(dest, 'copy', 'a', 'f');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    expect(statSync(f).mtimeMs).toBe(1_400_000_000_000);
    expect(readlinkSync(join(dest, 'copy', 'a', 'up'))).toBe('../../outside');
  });

  it('a pack whose reader goes away mid-file fails its promise without an uncaught error', async () => {
    const f = join(root, 'five');
    writeFileSync(f, Buffer.alloc(5 * 1024 * 1024, 1));
    const packed = packHostPath(f, 'five');
    packed.stream.on('error', () => undefined);
    // Like the SSH channel when the guest's tar exits early (disk full).
    const sink = new Writable({
      write(_c, _e, cb) {
        setImmediate(() => sink.destroy(new Error('channel closed')));
        cb();
      },
    });
    sink.on('error', () => undefined);
    packed.stream.pipe(sink);
    await expect(packed.done).rejects.toThrow();
  });

  it('streams a 200 MB entry without buffering it', async () => {
    const size = 200 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= size) this.push(null);
        else {
          sent += chunk.length;
          this.push(chunk);
        }
      },
    });
    const p = createPack();
    const sink = p.entry({ name: 'top', size, mode: 0o600 }, () => p.finalize());
    body.pipe(sink as unknown as NodeJS.WritableStream);
    global.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss - base.rss, m.arrayBuffers - base.arrayBuffers);
    }, 20);
    try {
      const t = await extractInto(dest, p as unknown as Readable);
      expect(t.bytes).toBe(size);
    } finally {
      clearInterval(timer);
    }
    expect(statSync(join(dest, 'top')).size).toBe(size);
    // Far below the entry's size: a few chunks in flight, not the file.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
