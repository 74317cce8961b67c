import { constants } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, open, rm, rmdir, symlink, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { extract as createExtract, type Header as Headers } from 'tar-stream';
import { HostError, InvalidInputError } from '../../errors/index.js';

export interface ExtractTotals {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
  /** Devices and FIFOs in the archive: not created. */
  skipped: number;
}

export interface SafeExtractOptions {
  /** An existing directory; nothing is written outside it. Callers pass its real path. */
  destDir: string;
  /** The archive's top-level name (the source's basename in the guest)... */
  fromName: string;
  /** ...and the name it gets under destDir. */
  toName: string;
  /** Label for messages, e.g. "dev:/root/dir". */
  source: string;
  onBytes?: (n: number) => void;
}

/** A tar entry the host refuses: thrown before anything is written for it. */
export class UnsafeEntryError extends InvalidInputError {}

const unsafe = (source: string, name: string, why: string): UnsafeEntryError =>
  new UnsafeEntryError(`refusing tar entry ${JSON.stringify(name)} from ${source}: ${why}`, {
    code: 'cp.unsafe_entry',
    hint: 'the guest sent a path that would land outside the destination; nothing outside it was written',
  });

/**
 * The segments of an archive name below destDir, or an UnsafeEntryError:
 * absolute names, `..` segments and names outside the copied top-level entry
 * are refused (the guest is not trusted to send only what was asked for).
 */
export function entrySegments(name: string, opts: Pick<SafeExtractOptions, 'fromName' | 'toName' | 'source'>): string[] {
  if (name.includes('\0')) throw unsafe(opts.source, name, 'it contains a NUL byte');
  if (name.startsWith('/')) throw unsafe(opts.source, name, 'it is an absolute path');
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw unsafe(opts.source, name, 'it contains a ".." segment');
  if (segs.length === 0 || segs[0] !== opts.fromName) throw unsafe(opts.source, name, `it is not under ${opts.fromName}`);
  return [opts.toName, ...segs.slice(1)];
}

type Kind = 'dir' | 'file' | 'symlink' | 'other' | 'none';
async function kindOf(path: string): Promise<Kind> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'dir';
    return st.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
}

/**
 * Extracts a tar stream from a guest under `destDir`, never writing outside it:
 * - names are checked by `entrySegments` (no absolute names, no `..`);
 * - every parent directory of an entry is lstat'ed and must be a real
 *   directory, so a symlink (already in the destination, or extracted a moment
 *   ago from this very archive) is never walked through;
 * - files are opened with O_NOFOLLOW after a symlink at their own path is
 *   removed (replaced, as tar does, never written through);
 * - symlinks are created as links whatever they point to (a link is inert
 *   until followed, and this code never follows one);
 * - hard links may only point at a file extracted earlier by this archive.
 * Streaming: each entry's data is piped to its file, so memory stays at a
 * few chunks whatever the size, and a slow disk slows the guest's tar.
 * Modes (setuid/setgid dropped) and mtimes are applied; directory modes and
 * mtimes last, so a read-only directory can still be filled.
 *
 * `rollback()` removes what this extraction created (not what it overwrote),
 * for a copy that failed half-way.
 */
export function createSafeExtractor(opts: SafeExtractOptions): { stream: Writable; done: Promise<ExtractTotals>; rollback: () => Promise<void> } {
  const ex = createExtract();
  const totals: ExtractTotals = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, bytes: 0, skipped: 0 };
  const created: string[] = [];
  const extractedFiles = new Set<string>();
  const dirMeta: Array<{ path: string; mode: number; mtime: Date | undefined }> = [];

  const parentsOf = async (segs: string[], name: string): Promise<void> => {
    let at = opts.destDir;
    for (const seg of segs.slice(0, -1)) {
      at = join(at, seg);
      const k = await kindOf(at);
      if (k === 'none') {
        // tar -c lists a directory before its contents; a missing one is made here (0700 until its own entry arrives).
        await mkdir(at, { mode: 0o700 });
        created.push(at);
      } else if (k !== 'dir') {
        throw unsafe(opts.source, name, `${at} is a ${k === 'symlink' ? 'symlink' : 'file'}, not a directory (links are never followed)`);
      }
    }
  };

  const apply = async (header: Headers, entry: AsyncIterable<unknown> & { resume(): unknown }): Promise<void> => {
    const segs = entrySegments(header.name, opts);
    const path = join(opts.destDir, ...segs);
    await parentsOf(segs, header.name);
    const existing = await kindOf(path);
    const clash = (): HostError =>
      new HostError(`${path} exists as a ${existing === 'dir' ? 'directory' : 'file'} where a ${header.type === 'directory' ? 'directory' : 'file'} is expected`, {
        code: 'cp.type_clash',
        hint: 'remove it or choose another destination',
      });
    switch (header.type) {
      case 'directory': {
        if (existing === 'none') {
          await mkdir(path, { mode: 0o700 });
          created.push(path);
          dirMeta.push({ path, mode: (header.mode ?? 0o755) & 0o1777, mtime: header.mtime });
        } else if (existing !== 'dir') throw clash();
        totals.dirs++;
        entry.resume();
        return;
      }
      case 'file':
      case 'contiguous-file': {
        if (existing === 'dir') throw clash();
        // Replace a symlink rather than write through it.
        if (existing === 'symlink') await unlink(path);
        const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
        if (existing === 'none' || existing === 'symlink') created.push(path);
        try {
          // One chunk at a time: the next is read only after this one is on disk (backpressure to the SSH channel).
          for await (const c of entry) {
            const chunk = c as Buffer;
            await fh.write(chunk);
            totals.bytes += chunk.length;
            opts.onBytes?.(chunk.length);
          }
          await fh.chmod((header.mode ?? 0o644) & 0o1777);
          if (header.mtime) await fh.utimes(header.mtime, header.mtime);
        } finally {
          await fh.close();
        }
        extractedFiles.add(path);
        totals.files++;
        return;
      }
      case 'symlink': {
        if (existing === 'dir') throw clash();
        if (existing !== 'none') await unlink(path);
        await symlink(header.linkname ?? '', path);
        created.push(path);
        if (header.mtime) await lutimes(path, header.mtime, header.mtime).catch(() => undefined);
        totals.symlinks++;
        entry.resume();
        return;
      }
      case 'link': {
        const target = join(opts.destDir, ...entrySegments(header.linkname ?? '', opts));
        if (!extractedFiles.has(target) || (await kindOf(target)) !== 'file') {
          throw unsafe(opts.source, header.name, `it is a hard link to ${JSON.stringify(header.linkname)}, which is not a file extracted by this copy`);
        }
        if (existing === 'dir') throw clash();
        if (existing !== 'none') await unlink(path);
        await link(target, path);
        created.push(path);
        totals.hardlinks++;
        entry.resume();
        return;
      }
      default:
        totals.skipped++;
        entry.resume();
    }
  };

  const done = (async () => {
    try {
      for await (const entry of ex) await apply(entry.header, entry);
      // Deepest first, so setting a parent's mtime comes after its children changed it.
      for (const d of dirMeta.reverse()) {
        await utimes(d.path, d.mtime ?? new Date(), d.mtime ?? new Date()).catch(() => undefined);
      }
      for (const d of dirMeta) await chmod(d.path, d.mode);
      return totals;
    } catch (err) {
      ex.destroy();
      throw hostWriteError(err, opts.destDir);
    }
  })();
  done.catch(() => undefined);

  const rollback = async (): Promise<void> => {
    for (const p of created.reverse()) {
      const k = await kindOf(p).catch(() => 'none' as const);
      if (k === 'dir') await rmdir(p).catch(() => rm(p, { recursive: true, force: true }).catch(() => undefined));
      else if (k !== 'none') await unlink(p).catch(() => undefined);
    }
  };
  return { stream: ex as unknown as Writable, done, rollback };
}

function hostWriteError(err: unknown, dest: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC') return new HostError(`no space left on the host while writing under ${dest}`, { code: 'cp.host_full', hint: 'free some space (df -h) and copy again; the partial copy was removed' });
  if (e.code === 'EDQUOT') return new HostError(`disk quota exceeded while writing under ${dest}`, { code: 'cp.host_full', hint: 'free some space and copy again' });
  if (e.code === 'EACCES' || e.code === 'EPERM') return new HostError(`cannot write ${e.path ?? dest}: permission denied`, { code: 'cp.dst_unwritable', hint: 'choose a destination you can write to' });
  if (e.code === 'ELOOP') return new HostError(`refusing to write through a symlink at ${e.path ?? dest}`, { code: 'cp.unsafe_entry' });
  return err as Error;
}
