import { constants, type Stats } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { InvalidInputError } from '../../errors/index.js';
import type { OwnershipSink } from '../../host/storage/index.js';

/**
 * Paths inside a guest's root directory on the host, resolved the way the
 * guest's kernel will resolve them once the tree is its `/`: an absolute
 * symlink starts again from the guest's root and `..` at the root stays
 * there (`/lib -> usr/lib`, `/sbin/init -> /lib/systemd/systemd` work). So a
 * resolution can never leave the root, whatever the tree holds: an imported
 * image is hostile input, and `/sbin/init -> /../../etc/passwd` names the
 * guest's passwd, never the host's. Nothing here follows a symlink on the host.
 */

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so does this. */
const MAX_HOPS = 40;

export interface GuestEntry {
  /** The entry's path on the host (inside the root). */
  host: string;
  /** Its path as the guest sees it, symlinks resolved ("/usr/lib/systemd/systemd"). */
  guest: string;
  /** lstat of the entry: a symlink only when the leaf was not followed. */
  stat: Stats;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * Resolves `guestPath` inside `root`. Every component but the last must be
 * (or resolve to) a directory; the last is followed when `follow`. Returns
 * undefined when a component is missing or not a directory, or the lookup
 * loops, as the guest's open() would fail.
 */
export async function resolveGuestPath(root: string, guestPath: string, follow = true): Promise<GuestEntry | undefined> {
  let cur: string[] = [];
  const queue = segments(guestPath);
  let hops = 0;
  if (queue.length === 0) return { host: root, guest: '/', stat: await lstat(root) };
  while (queue.length) {
    const seg = queue.shift()!;
    if (seg === '..') {
      // The guest's "/.." is "/": popping an empty list keeps it there.
      cur.pop();
      if (queue.length === 0) return { host: join(root, ...cur), guest: `/${cur.join('/')}`, stat: await lstat(join(root, ...cur)) };
      continue;
    }
    const host = join(root, ...cur, seg);
    const stat = await lstat(host).catch(() => undefined);
    if (!stat) return undefined;
    const last = queue.length === 0;
    if (stat.isSymbolicLink() && (!last || follow)) {
      if (++hops > MAX_HOPS) return undefined;
      const target = await readlink(host);
      if (target.startsWith('/')) cur = [];
      queue.unshift(...segments(target));
      if (queue.length === 0) return { host: join(root, ...cur), guest: `/${cur.join('/')}`, stat: await lstat(join(root, ...cur)) };
      continue;
    }
    cur.push(seg);
    if (last) return { host, guest: `/${cur.join('/')}`, stat };
    if (!stat.isDirectory()) return undefined;
  }
  return undefined;
}

/** True when `guestPath` resolves (symlinks followed, inside the root) to a regular file. */
export async function isGuestFile(root: string, guestPath: string): Promise<boolean> {
  return (await resolveGuestPath(root, guestPath))?.stat.isFile() ?? false;
}

/** banger's guest integration cannot be written where the image has something else. */
export class GuestKitRefusedError extends InvalidInputError {
  constructor(guestPath: string, why: string) {
    super(`cannot install banger's guest integration: ${guestPath} in the image ${why}`, {
      code: 'image.guest_kit_refused',
      hint: `fix ${guestPath} in the image (it must be a directory or a symlink to one), or build an image with banger image build --profile dev`,
    });
  }
}

/**
 * A guest root that banger writes into: every parent directory is resolved
 * (or created, 0755) inside the root as above, the leaf is replaced rather
 * than written through (a symlink planted at /etc/hostname is removed, not
 * followed), and modes and removals go through the OwnershipSink so an
 * ordinary user's build records them for fakeroot. New entries are the
 * caller's, which is root's in the image either way (see OwnershipSink).
 */
export class GuestRoot {
  constructor(
    readonly root: string,
    readonly owners: OwnershipSink,
  ) {}

  /** The host path of directory `guestDir`, created with its missing parents. Throws GuestKitRefusedError. */
  async dir(guestDir: string): Promise<string> {
    let cur: string[] = [];
    const queue = segments(guestDir);
    let hops = 0;
    while (queue.length) {
      const seg = queue.shift()!;
      if (seg === '..') {
        cur.pop();
        continue;
      }
      const host = join(this.root, ...cur, seg);
      const stat = await lstat(host).catch(() => undefined);
      if (!stat) {
        await mkdir(host);
        await this.owners.chmod(host, 0o755);
      } else if (stat.isSymbolicLink()) {
        if (++hops > MAX_HOPS) throw new GuestKitRefusedError(guestDir, 'passes through too many symlinks');
        const target = await readlink(host);
        if (target.startsWith('/')) cur = [];
        queue.unshift(...segments(target));
        continue;
      } else if (!stat.isDirectory()) {
        throw new GuestKitRefusedError(`/${[...cur, seg].join('/')}`, 'is not a directory');
      }
      cur.push(seg);
    }
    return join(this.root, ...cur);
  }

  /** The host path for a new entry at `guestPath`: its directory made, whatever was there removed. */
  private async fresh(guestPath: string): Promise<string> {
    const host = join(await this.dir(posix.dirname(guestPath)), posix.basename(guestPath));
    await this.owners.remove(host);
    return host;
  }

  async writeFile(guestPath: string, content: string, mode: number): Promise<void> {
    const host = await this.fresh(guestPath);
    // 'wx' = O_CREAT|O_EXCL: never opens through a symlink that appeared at the leaf.
    await writeFile(host, content, { flag: 'wx', mode });
    await this.owners.chmod(host, mode);
  }

  /** Copies banger's own file `src` to `guestPath` with `mode`. */
  async install(src: string, guestPath: string, mode: number): Promise<void> {
    const host = await this.fresh(guestPath);
    await copyFile(src, host, constants.COPYFILE_EXCL);
    await this.owners.chmod(host, mode);
  }

  async symlink(target: string, guestPath: string): Promise<void> {
    await symlink(target, await this.fresh(guestPath));
  }

  /** Removes `guestPath` (not what a symlink there points at); nothing when it is not there. */
  async remove(guestPath: string): Promise<void> {
    const parent = await resolveGuestPath(this.root, posix.dirname(guestPath));
    if (parent?.stat.isDirectory()) await this.owners.remove(join(parent.host, posix.basename(guestPath)));
  }

  /** Names in directory `guestDir`; [] when it is not there. */
  async list(guestDir: string): Promise<string[]> {
    const dir = await resolveGuestPath(this.root, guestDir);
    return dir?.stat.isDirectory() ? readdir(dir.host) : [];
  }

  /** The entry at `guestPath`, its leaf not followed (a dangling symlink exists). */
  lstat(guestPath: string): Promise<GuestEntry | undefined> {
    return resolveGuestPath(this.root, guestPath, false);
  }

  /** The entry at `guestPath`, symlinks followed inside the root. */
  resolve(guestPath: string): Promise<GuestEntry | undefined> {
    return resolveGuestPath(this.root, guestPath);
  }
}
