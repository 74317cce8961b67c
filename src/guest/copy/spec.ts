import { InvalidInputError, UsageError } from '../../errors/index.js';

/** One side of `vm cp`: a guest path in a named VM, or a host path. */
export type CopyEndpoint = { kind: 'guest'; vm: string; path: string } | { kind: 'host'; path: string };

/** A parsed `vm cp SRC DST`: exactly one side is in a VM. */
export type CopySpec =
  | { direction: 'in'; vm: string; hostPath: string; guestPath: string }
  | { direction: 'out'; vm: string; guestPath: string; hostPath: string };

/**
 * `NAME:PATH` names a VM when NAME looks like a VM name or id and the argument
 * does not start like a host path (`/`, `./`, `../`, `~`): a host path
 * containing a colon is written `./a:b` (as with scp). `NAME:` alone is the
 * guest user's home.
 */
const VM_PREFIX = /^([A-Za-z0-9][A-Za-z0-9._-]*):(.*)$/s;

export function parseEndpoint(arg: string): CopyEndpoint {
  if (arg === '') throw new UsageError('an empty path was given', { code: 'cp.usage', hint: 'banger vm cp SRC DST, e.g. banger vm cp ./dir dev:/root/' });
  if (/^(\/|\.|~)/.test(arg)) return { kind: 'host', path: arg };
  const m = VM_PREFIX.exec(arg);
  if (!m) return { kind: 'host', path: arg };
  return { kind: 'guest', vm: m[1]!, path: m[2] === '' ? '.' : m[2]! };
}

/**
 * Guest paths are refused when a segment is `..`: the guest shell resolves
 * them, and a path that climbs is almost always a mistake in a copy command
 * (and would make "inside DST" checks on the guest side meaningless).
 */
export function checkGuestPath(vm: string, path: string): void {
  if (path.split('/').includes('..')) {
    throw new InvalidInputError(`refusing guest path ${vm}:${path}: it contains a ".." segment`, {
      code: 'cp.dotdot',
      hint: `write the absolute path instead, e.g. ${vm}:/root/…`,
    });
  }
  if (path.includes('\0') || path.includes('\n')) {
    throw new InvalidInputError(`refusing guest path ${JSON.stringify(path)}: it contains a NUL or newline`, { code: 'cp.bad_path' });
  }
}

/** Parses SRC and DST; exactly one must be `NAME:PATH`. Throws UsageError or InvalidInputError. */
export function parseCopySpec(src: string, dst: string): CopySpec {
  const a = parseEndpoint(src);
  const b = parseEndpoint(dst);
  if (a.kind === 'guest' && b.kind === 'guest') {
    throw new UsageError('both SRC and DST are in a VM; copy between VMs through the host', {
      code: 'cp.usage',
      hint: `banger vm cp ${src} ./tmp && banger vm cp ./tmp ${dst}`,
    });
  }
  if (a.kind === 'host' && b.kind === 'host') {
    throw new UsageError('neither SRC nor DST is in a VM', {
      code: 'cp.usage',
      hint: 'write the VM side as NAME:PATH (dev:/root/file); a host path with a colon is written ./a:b',
    });
  }
  if (a.kind === 'guest') {
    checkGuestPath(a.vm, a.path);
    return { direction: 'out', vm: a.vm, guestPath: a.path, hostPath: (b as { path: string }).path };
  }
  const g = b as { vm: string; path: string };
  checkGuestPath(g.vm, g.path);
  return { direction: 'in', vm: g.vm, hostPath: a.path, guestPath: g.path };
}
