import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chown, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { applyHostsBlock, type HostsEntry } from './block.js';
import { readMountPoints } from '../mountinfo.js';

/** The file operations the hosts writer needs; tests replace single ones (a rename that fails EBUSY). */
export interface HostsFs {
  readFile(path: string): Promise<string>;
  /** Mount points of this process's mount namespace (/proc/self/mountinfo, field 5, unescaped). */
  mountPoints(): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
}

export const realHostsFs: HostsFs = {
  readFile: (p) => readFile(p, 'utf8'),
  mountPoints: readMountPoints,
  rename: (a, b) => rename(a, b),
};

export interface HostsSyncResult {
  /** False when the file already held exactly this (nothing written). */
  changed: boolean;
  /** How the file was written: a rename over it, or in place (a bind-mounted file cannot be renamed over). */
  mode: 'rename' | 'in-place' | 'none';
}

/**
 * Makes `path` hold exactly `entries` in this instance's block (none: no
 * block). Written by rename when possible, so readers never see half a file;
 * when the file is a mount point (docker, `ip netns exec` bind
 * /etc/netns/NS/hosts over /etc/hosts) rename fails with EBUSY, so it is
 * rewritten in place instead. Calls for the same file run one at a time.
 */
export function syncHostsBlock(path: string, instance: string, entries: readonly HostsEntry[], fs: HostsFs = realHostsFs): Promise<HostsSyncResult> {
  const prev = queues.get(path) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => syncNow(path, instance, entries, fs));
  const tail = next.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return next;
}

const queues = new Map<string, Promise<unknown>>();

async function syncNow(path: string, instance: string, entries: readonly HostsEntry[], fs: HostsFs): Promise<HostsSyncResult> {
  // Edit the real file behind a symlinked hosts path, never replace the link.
  const target = await realpath(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return path;
    throw err;
  });
  let current: string;
  try {
    current = await fs.readFile(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw failed(target, err);
    current = '';
  }
  const next = applyHostsBlock(current, instance, entries);
  if (next === current) return { changed: false, mode: 'none' };
  try {
    if ((await fs.mountPoints()).includes(target)) {
      await writeInPlace(target, next);
      return { changed: true, mode: 'in-place' };
    }
    return { changed: true, mode: await writeByRename(target, next, fs) };
  } catch (err) {
    throw failed(target, err);
  }
}

function failed(path: string, err: unknown): HostError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new HostError(`cannot update ${path}: ${err instanceof Error ? err.message : String(err)}`, {
    code: 'hosts.write_failed',
    hint: code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? `make ${path} writable for banger-helper, or set host_dns = "off" in config.toml` : `check ${path} (disk full? read-only?), or set host_dns = "off" in config.toml`,
    cause: err,
  });
}

/** Temp file next to the target with its mode and owner, fsynced, renamed over it. */
async function writeByRename(target: string, content: string, fs: HostsFs): Promise<'rename' | 'in-place'> {
  const st = await stat(target).catch(() => null);
  const tmp = join(dirname(target), `.${basename(target)}.banger-${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, st ? st.mode & 0o7777 : 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    if (st) {
      await fh.chmod(st.mode & 0o7777);
      await chown(tmp, st.uid, st.gid).catch(() => undefined);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, target);
    return 'rename';
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    // A mount point the mount table did not show us (or a busy overlay): rewrite in place.
    if ((err as NodeJS.ErrnoException).code === 'EBUSY' || (err as NodeJS.ErrnoException).code === 'EXDEV') {
      await writeInPlace(target, content);
      return 'in-place';
    }
    throw err;
  }
}

async function writeInPlace(target: string, content: string): Promise<void> {
  const data = Buffer.from(content, 'utf8');
  const fh = await open(target, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    // Write first, then cut: a reader may see the new text with a stale tail for a moment, never a truncated file.
    await fh.write(data, 0, data.length, 0);
    await fh.truncate(data.length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
