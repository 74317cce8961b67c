import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pack as createPack, type Pack } from 'tar-stream';
import { HostError, NotFoundError } from '../../errors/index.js';

export interface PackTotals {
  files: number;
  dirs: number;
  symlinks: number;
  /** Regular-file bytes (not tar framing). */
  bytes: number;
  /** Sockets, FIFOs and devices: not copied. */
  skipped: number;
}

/**
 * A tar stream of a host file or tree, entries named `name/...` (so the copy
 * lands under its new name without a rename on the other side). Files are
 * streamed through tar-stream's entry writables, so at most a few chunks of
 * any file are in memory and a slow guest holds the disk reads back
 * (backpressure end to end). Symlinks travel as links, never followed; modes
 * and mtimes ride in the headers; ownership is root's in the guest.
 *
 * `done` settles when the archive is complete or an error stops it (the
 * stream is then destroyed). `onBytes` is called with each file chunk's size.
 */
export function packHostPath(root: string, name: string, opts: { onBytes?: (n: number) => void } = {}): { stream: Pack; done: Promise<PackTotals> } {
  const pack = createPack();
  const totals: PackTotals = { files: 0, dirs: 0, symlinks: 0, bytes: 0, skipped: 0 };
  const base = { uid: 0, gid: 0, uname: 'root', gname: 'root' };

  const addEntry = (header: Parameters<Pack['entry']>[0], body?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ ...base, ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });

  const addFile = (path: string, entryName: string, st: Stats): Promise<void> =>
    new Promise((resolve, reject) => {
      const sink = pack.entry({ ...base, name: entryName, type: 'file', size: st.size, mode: st.mode & 0o7777, mtime: st.mtime }, (err) => {
        if (err) reject(err);
        else {
          totals.files++;
          resolve();
        }
      });
      const src = createReadStream(path);
      src.on('data', (c: string | Buffer) => {
        totals.bytes += c.length;
        opts.onBytes?.(c.length);
      });
      src.on('error', (err) => {
        sink.destroy(err);
        reject(err);
      });
      // The guest side went away (its tar failed, the disk filled): the pack and this entry are destroyed.
      sink.on('error', (err: Error) => {
        src.destroy();
        reject(err);
      });
      // pipe() pauses the file when the entry (and so the SSH channel) is full.
      src.pipe(sink);
    });

  const walk = async (path: string, entryName: string): Promise<void> => {
    if (pack.destroyed) throw new HostError('the copy was interrupted', { code: 'cp.interrupted' });
    const st = await lstat(path);
    if (st.isSymbolicLink()) {
      await addEntry({ name: entryName, type: 'symlink', linkname: await readlink(path), mode: 0o777, mtime: st.mtime });
      totals.symlinks++;
    } else if (st.isDirectory()) {
      await addEntry({ name: entryName, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime });
      totals.dirs++;
      for (const child of (await readdir(path)).sort()) await walk(join(path, child), `${entryName}/${child}`);
    } else if (st.isFile()) {
      await addFile(path, entryName, st);
    } else {
      totals.skipped++;
    }
  };

  const done = (async () => {
    try {
      await walk(root, name);
      pack.finalize();
      return totals;
    } catch (err) {
      pack.destroy();
      throw hostReadError(err, root);
    }
  })();
  // The caller may stop listening when the other side fails first.
  done.catch(() => undefined);
  return { stream: pack, done };
}

function hostReadError(err: unknown, root: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' && e.path === root) return new NotFoundError(`${root}: no such file or directory`, { code: 'cp.src_missing', hint: 'check the host path' });
  if (e.code === 'EACCES') return new HostError(`cannot read ${e.path ?? root}: permission denied`, { code: 'cp.src_unreadable', hint: 'fix its permissions or leave it out' });
  // Only file-system errors (they carry a syscall) are the host's fault; a stream closed under the pack is the guest side's.
  if (e.code && e.syscall) return new HostError(`reading ${e.path ?? root} failed: ${e.message}`, { code: 'cp.src_read', cause: err });
  return err as Error;
}
