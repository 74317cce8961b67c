import { posix } from 'node:path';
import { ConflictError, NotFoundError } from '../../errors/index.js';

/** What sits at a path, without following a final symlink (except `dir` for a link to a directory given as DST). */
export type PathKind = 'dir' | 'file' | 'symlink' | 'other' | 'none';

/** Where an entry called `name` will be written: inside the existing directory `dir`. */
export interface CopyTarget {
  dir: string;
  name: string;
  /** The entry at dir/name existed before the copy (so a failure must not remove it). */
  existed: boolean;
}

export interface PlanInput {
  /** The source's kind (a symlink is copied as a link). */
  src: Exclude<PathKind, 'none'>;
  /** Last component of the source path. */
  srcBase: string;
  /** DST as written, with its side (e.g. "dev:/root/x", "./here") for messages. */
  dst: string;
  dstLabel: string;
  dstKind: PathKind;
  /** Kind of DST's parent directory. */
  parentKind: PathKind;
  /** Kind of DST/srcBase when DST is a directory. */
  childKind: PathKind;
}

/**
 * The rules of cp(1) and docker cp, applied to either side:
 * - DST an existing directory → SRC goes inside it under its own name;
 * - DST missing → SRC is written as DST (its parent must exist; a trailing
 *   slash says DST must be a directory, so it must exist);
 * - DST an existing file → a file replaces it, a directory is refused.
 * A directory never replaces a file and a file never replaces a directory.
 * Pure, so both directions share it and unit tests cover it.
 */
export function planTarget(p: PlanInput): CopyTarget {
  const trailing = p.dst.endsWith('/');
  const srcIsDir = p.src === 'dir';
  const clash = (what: string, kind: PathKind): ConflictError =>
    new ConflictError(`${what} exists as a ${kind === 'dir' ? 'directory' : 'file'} where a ${srcIsDir ? 'directory' : 'file'} is expected`, {
      code: 'cp.type_clash',
      hint: 'remove it or choose another destination; nothing was copied',
    });
  if (p.dstKind === 'dir') {
    const name = p.srcBase;
    if (p.childKind === 'dir' && !srcIsDir) throw clash(`${p.dstLabel.replace(/\/+$/, '')}/${name}`, 'dir');
    if (p.childKind !== 'dir' && p.childKind !== 'none' && srcIsDir) throw clash(`${p.dstLabel.replace(/\/+$/, '')}/${name}`, 'file');
    return { dir: p.dst, name, existed: p.childKind !== 'none' };
  }
  if (p.dstKind === 'none') {
    if (trailing) {
      throw new NotFoundError(`destination directory ${p.dstLabel} does not exist`, { code: 'cp.dst_missing', hint: 'create it first, or drop the trailing slash to copy under that name' });
    }
    if (p.parentKind !== 'dir') {
      throw new NotFoundError(`the directory holding ${p.dstLabel} does not exist`, { code: 'cp.dst_missing', hint: 'create the parent directory first; vm cp does not create intermediate directories' });
    }
    return { dir: posix.dirname(p.dst), name: posix.basename(p.dst), existed: false };
  }
  // DST exists and is not a directory.
  if (srcIsDir || trailing) throw clash(p.dstLabel, 'file');
  return { dir: posix.dirname(p.dst), name: posix.basename(p.dst), existed: true };
}

/** Last path component, ignoring trailing slashes ("/root/dir/" → "dir"); "." and "/" have none. */
export function baseOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const b = posix.basename(trimmed);
  return b === '' || b === '.' || b === '..' ? '' : b;
}
