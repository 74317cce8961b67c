import { chmod, cp, lstat, mkdir, realpath, copyFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../../errors/index.js';
import type { FileSyncEntry } from '../../model/index.js';
import { symlinkOnPath } from '../symlink-guard.js';

/**
 * Stages `[[file_sync]]` entries from config into the directory that becomes
 * the guest's /root (the work disk is then made from it, so nothing is mounted).
 *
 * Host paths: `~/...` or absolute, and after resolving every symlink they must
 * lie inside the owner's home; anything else is refused. Inside a copied
 * directory, symlinks are copied as links and never followed, so no byte from
 * outside the home is read. A missing host path is a warning, not an error.
 * Guest paths: `~/...`, relative (to /root) or absolute under /root.
 */

export interface FileSyncOutcome {
  copied: Array<{ host: string; guest: string; kind: 'file' | 'dir' }>;
  warnings: string[];
}

const MODE_PATTERN = /^0?[0-7]{3,4}$/;

export function guestRelative(guest: string): string {
  let g = guest.trim();
  if (g.startsWith('~/')) g = g.slice(2);
  else if (g === '~' || g === '/root') g = '';
  else if (g.startsWith('/root/')) g = g.slice('/root/'.length);
  else if (isAbsolute(g)) {
    throw new InvalidInputError(`file_sync guest path ${JSON.stringify(guest)} is outside /root`, {
      hint: 'file_sync writes to the work disk mounted at /root; use a path like ~/.gitconfig',
    });
  }
  const norm = normalize(g);
  if (norm === '..' || norm.startsWith(`..${sep}`)) {
    throw new InvalidInputError(`file_sync guest path ${JSON.stringify(guest)} climbs out of /root`, { hint: 'remove the ".." parts' });
  }
  return norm === '.' ? '' : norm;
}

function parseMode(mode: string | undefined, fallback: number, entry: FileSyncEntry): number {
  if (mode === undefined) return fallback;
  if (!MODE_PATTERN.test(mode)) {
    throw new InvalidInputError(`file_sync mode ${JSON.stringify(mode)} for ${entry.host} is not octal`, { hint: 'write it like "0600" or "0755"' });
  }
  return parseInt(mode, 8);
}

export async function stageFileSync(entries: readonly FileSyncEntry[], home: string, stagingRoot: string): Promise<FileSyncOutcome> {
  const realHome = await realpath(home);
  const outcome: FileSyncOutcome = { copied: [], warnings: [] };
  for (const entry of entries) {
    const hostAbs = entry.host.startsWith('~/') ? join(home, entry.host.slice(2)) : entry.host === '~' ? home : entry.host;
    if (!isAbsolute(hostAbs)) {
      throw new InvalidInputError(`file_sync host path ${JSON.stringify(entry.host)} must be absolute or start with ~/`, { hint: 'e.g. host = "~/.gitconfig"' });
    }
    let real: string;
    try {
      real = await realpath(hostAbs);
    } catch {
      outcome.warnings.push(`file_sync: ${entry.host} does not exist on the host; skipped`);
      continue;
    }
    const rel = relative(realHome, real);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new InvalidInputError(`file_sync host path ${entry.host} resolves to ${real}, outside your home ${realHome}`, {
        hint: 'file_sync only copies files from your home directory; copy other files with banger vm ssh',
      });
    }
    const guestRel = guestRelative(entry.guest);
    const dest = resolve(stagingRoot, guestRel);
    // An earlier entry may have staged a symlink on this guest path: writing through it would land on the host.
    const link = await symlinkOnPath(stagingRoot, guestRel, { includeLast: true });
    if (link !== undefined) {
      throw new InvalidInputError(`file_sync guest path ${JSON.stringify(entry.guest)} passes through ~/${link}, a symlink staged by an earlier entry`, {
        hint: 'pick a guest path that does not go through a synced symlink',
      });
    }
    const st = await lstat(real);
    await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
    if (st.isDirectory()) {
      await cp(real, dest, { recursive: true, verbatimSymlinks: true, force: true });
      await chmod(dest, parseMode(entry.mode, 0o755, entry));
      outcome.copied.push({ host: entry.host, guest: `/root/${guestRel}`, kind: 'dir' });
    } else if (st.isFile()) {
      await copyFile(real, dest);
      await chmod(dest, parseMode(entry.mode, 0o600, entry));
      outcome.copied.push({ host: entry.host, guest: `/root/${guestRel}`, kind: 'file' });
    } else {
      outcome.warnings.push(`file_sync: ${entry.host} is neither a file nor a directory; skipped`);
    }
  }
  return outcome;
}
