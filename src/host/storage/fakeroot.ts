import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { runStatus } from '../exec/index.js';

/**
 * fakeroot's LD_PRELOAD answers stat() from its daemon's table: for a host
 * file listed there (by st_dev and st_ino) it reports the listed mode, owner
 * and device number; every other file looks owned by root with its real mode.
 * mkfs.ext4 -d copies what stat() says, so running it under `fakeroot -i
 * STATE` gives the ext4 root ownership, other owners, setuid bits and device
 * nodes that an ordinary user cannot create on the host.
 */

export const FAKEROOT_HINT = 'install fakeroot (apt-get install fakeroot)';

/** One inode as `fakeroot -s` saves it. */
export interface FakerootEntry {
  dev: bigint;
  ino: bigint;
  /** Full st_mode: file type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  nlink: bigint;
  rdev: bigint;
}

/** A line of faked's save file, as `fakeroot -s` writes it (dev in hex, mode in octal, the rest decimal). */
export function fakerootLine(e: FakerootEntry): string {
  return `dev=${e.dev.toString(16)},ino=${e.ino},mode=${e.mode.toString(8)},uid=${e.uid},gid=${e.gid},nlink=${e.nlink},rdev=${e.rdev}`;
}

/** glibc's makedev(): the st_rdev of a device node with that major and minor. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

const STATE_NAME = 'fakeroot.state';

/**
 * Runs `cmd args` under fakeroot with `entries` loaded into its table. The
 * state file sits in a private temp dir under `workDir`, removed afterwards.
 */
export async function runUnderFakeroot(
  cmd: string,
  args: readonly string[],
  opts: { entries: readonly FakerootEntry[]; workDir: string; signal?: AbortSignal; hint?: string },
): Promise<void> {
  const dir = await mkdtemp(join(opts.workDir, '.fakeroot-'));
  try {
    await writeFile(join(dir, STATE_NAME), opts.entries.map((e) => `${fakerootLine(e)}\n`).join(''), { mode: 0o600 });
    const res = await runStatus('fakeroot', ['-i', STATE_NAME, '--', cmd, ...args], {
      // fakeroot's script evals `-i FILE` unquoted, so it gets a fixed relative name from its cwd.
      cwd: dir,
      signal: opts.signal,
      // SIGINT runs fakeroot's trap, which stops its faked daemon once the command ends; SIGTERM would orphan it.
      killSignal: 'SIGINT',
      hint: FAKEROOT_HINT,
    });
    if (res.exitCode !== 0) {
      const line = res.stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? `exit code ${res.exitCode ?? 'by signal'}`;
      throw new HostError(`${cmd} (under fakeroot) failed: ${line}`, { code: 'host.command_failed', hint: opts.hint });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
