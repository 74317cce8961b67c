import { chmod, lchown, link, lstat, rm, writeFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { HostError } from '../../errors/index.js';
import { run } from '../exec/index.js';
import { makedev, type FakerootEntry } from './fakeroot.js';

/**
 * Where the ownership of a tree staged for an ext4 image goes. As root it is
 * set on the host files (lchown, mknod) and mkfs.ext4 -d copies it. An
 * ordinary user cannot do either, so the owners, modes and device numbers
 * are recorded here instead, and the ext4 is made under fakeroot with a
 * table built from the record (src/host/storage/fakeroot.ts). Every change
 * to the tree that touches metadata or removes entries goes through the
 * sink, so the record follows the tree.
 */
export interface OwnershipSink {
  /** 'host': applied to the host files (root). 'recorded': applied by fakeroot when the ext4 is made. */
  readonly kind: 'host' | 'recorded';
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Permission bits, setuid/setgid/sticky included. Not for symlinks. */
  chmod(path: string, mode: number): Promise<void>;
  /** A device node; recorded, it is an empty regular file standing for it. */
  mknod(path: string, type: 'char' | 'block', major: number, minor: number, signal?: AbortSignal): Promise<void>;
  /** A hardlink at `path` to `target` (same inode, same owner and mode). */
  link(target: string, path: string): Promise<void>;
  /** Removes `path` and everything under it. */
  remove(path: string): Promise<void>;
  /** The fakeroot table for the entries under `dir` ([] for 'host'). */
  fakerootEntries(dir: string): Promise<FakerootEntry[]>;
}

/** Root's sink: the host files carry the ownership, as banger always did as root. */
export function hostOwnership(): OwnershipSink {
  return {
    kind: 'host',
    async chown(path, uid, gid) {
      try {
        await lchown(path, uid, gid);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
        // Root without CAP_CHOWN, e.g. in a user namespace that does not map that id.
        throw new HostError(`cannot give ${path} to ${uid}:${gid}: not permitted`, {
          code: 'image.chown_refused',
          hint: 'run bangerd as a fully privileged root, or as an ordinary user (ownership is then recorded and applied with fakeroot)',
        });
      }
    },
    chmod: (path, mode) => chmod(path, mode),
    async mknod(path, type, major, minor, signal) {
      await run('mknod', [path, type === 'block' ? 'b' : 'c', String(major), String(minor)], { signal });
    },
    link: (target, path) => link(target, path),
    remove: (path) => rm(path, { recursive: true, force: true }),
    fakerootEntries: async () => [],
  };
}

/** What the guest should see for one inode; the host file has the caller's owner and an owner-usable mode. */
interface Wanted {
  dev: bigint;
  ino: bigint;
  /** Host file type bits when recorded. */
  type: number;
  uid?: number;
  gid?: number;
  perm?: number;
  device?: { type: 'char' | 'block'; rdev: bigint };
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/**
 * An ordinary user's sink. Host modes stay usable by the owner (files
 * u+rw, dirs u+rwx, no setuid bits) so mkfs.ext4 can read everything and
 * the scratch tree can be removed; the wanted ones are in the record.
 */
export function recordedOwnership(): OwnershipSink {
  // Keyed by host path; hardlinks share one Wanted. Removals must go through
  // remove(); a path replaced behind the sink's back is caught when its inode
  // or file type changed (an inode number reused for the same type is not).
  const byPath = new Map<string, Wanted>();
  const current = (w: Wanted, st: { dev: bigint; ino: bigint; mode: bigint }) =>
    w.ino === st.ino && w.dev === st.dev && w.type === (Number(st.mode) & S_IFMT);

  const entry = async (path: string, fresh = false): Promise<Wanted> => {
    const st = await lstat(path, { bigint: true });
    let w = byPath.get(path);
    if (fresh || !w || !current(w, st)) {
      w = { dev: st.dev, ino: st.ino, type: Number(st.mode) & S_IFMT };
      byPath.set(path, w);
    }
    return w;
  };

  return {
    kind: 'recorded',
    async chown(path, uid, gid) {
      const w = await entry(path);
      w.uid = uid;
      w.gid = gid;
    },
    async chmod(path, mode) {
      const w = await entry(path);
      w.perm = mode & 0o7777;
      const st = await lstat(path);
      if (st.isSymbolicLink()) return;
      await chmod(path, (mode & 0o777) | (st.isDirectory() ? 0o700 : 0o600));
    },
    async mknod(path, type, major, minor) {
      // O_EXCL, like every leaf the import writes: never through a planted symlink.
      await writeFile(path, '', { flag: 'wx', mode: 0o600 });
      const w = await entry(path, true);
      w.device = { type, rdev: makedev(major, minor) };
    },
    async link(target, path) {
      await link(target, path);
      byPath.set(path, await entry(target));
    },
    async remove(path) {
      await rm(path, { recursive: true, force: true });
      byPath.delete(path);
      const below = path.endsWith(sep) ? path : path + sep;
      for (const p of byPath.keys()) if (p.startsWith(below)) byPath.delete(p);
    },
    async fakerootEntries(dir) {
      const under = dir.endsWith(sep) ? dir : dir + sep;
      const out = new Map<string, FakerootEntry>();
      for (const [path, w] of byPath) {
        if (path !== dir && !path.startsWith(under)) continue;
        const st = await lstat(path, { bigint: true }).catch(() => undefined);
        if (!st || !current(w, st)) continue;
        const hostMode = Number(st.mode);
        const type = w.device ? (w.device.type === 'block' ? S_IFBLK : S_IFCHR) : hostMode & S_IFMT;
        // A symlink's mode is always 0777; anything else without a recorded mode keeps its host mode.
        const perm = type === S_IFLNK ? 0o777 : (w.perm ?? hostMode & 0o7777);
        out.set(`${st.dev}:${st.ino}`, {
          dev: st.dev,
          ino: st.ino,
          mode: type | perm,
          uid: w.uid ?? 0,
          gid: w.gid ?? 0,
          nlink: st.nlink,
          rdev: w.device?.rdev ?? 0n,
        });
      }
      return [...out.values()];
    },
  };
}

/** The sink for this process: the host files as root, a record otherwise. */
export function ownershipForCaller(uid = process.getuid?.() ?? 0): OwnershipSink {
  return uid === 0 ? hostOwnership() : recordedOwnership();
}
