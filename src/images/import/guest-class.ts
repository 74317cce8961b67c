import { InvalidInputError } from '../../errors/index.js';
import { isGuestFile, resolveGuestPath } from '../guest-kit/index.js';

/**
 * What kind of guest a flattened image is, read from its scratch root before
 * mkfs. The root is hostile input: every path is resolved inside it the way
 * the guest would resolve it (src/images/guest-kit/guest-root.ts), so a
 * symlink such as `/sbin/init -> /../../etc/passwd` names the image's own
 * file, never the host's.
 *
 * - banger: `/etc/banger/profile` is there (built by banger, or exported from
 *   a banger VM); it boots as it is, with the borrowed kernel's args.
 * - systemd: systemd is there to be the init; banger's guest kit is installed
 *   and the image boots `init=` it. `missing` lists what banger also needs.
 * - none: no init banger can start.
 */
export type GuestClass =
  | { kind: 'banger' }
  | { kind: 'systemd'; init: string; missing: string[] }
  | { kind: 'none'; sbinInit: string | undefined };

/** Where systemd lives: Debian before merged-usr, then everyone else. The first is the debian profile's `init=`. */
export const SYSTEMD_PATHS = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'];
const SSHD = '/usr/sbin/sshd';
// The kit's host-key drop-in runs it by this path before sshd starts (ssh-hostkeys.conf).
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const IP_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
const SH = '/bin/sh';

export async function classifyGuest(root: string): Promise<GuestClass> {
  if (await isGuestFile(root, '/etc/banger/profile')) return { kind: 'banger' };
  let init: string | undefined;
  for (const p of SYSTEMD_PATHS) {
    if (await isGuestFile(root, p)) {
      init = p;
      break;
    }
  }
  if (!init) {
    const sbinInit = await resolveGuestPath(root, '/sbin/init');
    return { kind: 'none', sbinInit: sbinInit?.stat.isFile() ? sbinInit.guest : undefined };
  }
  const missing: string[] = [];
  if (!(await isGuestFile(root, SSHD))) missing.push(`sshd (${SSHD}, package openssh-server)`);
  if (!(await isGuestFile(root, SSH_KEYGEN))) missing.push(`ssh-keygen (${SSH_KEYGEN}, package openssh-client)`);
  if (!(await anyGuestFile(root, IP_PATHS))) missing.push('ip (package iproute2)');
  if (!(await isGuestFile(root, SH))) missing.push(`a shell at ${SH}`);
  return { kind: 'systemd', init, missing };
}

async function anyGuestFile(root: string, paths: readonly string[]): Promise<boolean> {
  for (const p of paths) if (await isGuestFile(root, p)) return true;
  return false;
}

const BOOTABLE_EXAMPLE = 'an image FROM debian:bookworm with RUN apt-get install -y systemd-sysv openssh-server iproute2';

/** An image with no init banger can start (busybox/OpenRC, a distroless or application image). */
export class GuestNotBootableError extends InvalidInputError {
  constructor(sbinInit: string | undefined) {
    const init = sbinInit ? `/sbin/init is ${sbinInit}, not systemd` : 'no /sbin/init either';
    super(`image is not bootable by banger: no systemd at ${SYSTEMD_PATHS.join(' or ')} (${init}), and no /etc/banger/profile of an image banger built`, {
      code: 'image.not_bootable',
      hint: `banger boots images that have systemd and openssh-server, e.g. ${BOOTABLE_EXAMPLE}; or build one with banger image build --profile dev`,
    });
  }
}

/** A systemd image without what banger reaches it through. */
export class GuestIncompleteError extends InvalidInputError {
  constructor(missing: readonly string[]) {
    super(`image has systemd but not what banger needs to reach it: ${missing.join(', ')}`, {
      code: 'image.guest_incomplete',
      hint: `install them in the image (Debian/Ubuntu: apt-get install -y openssh-server iproute2; openssh-server brings ssh-keygen) and import it again, or build one with banger image build --profile dev`,
    });
  }
}

/** The class, or the refusal that says what the image lacks. */
export function requireBootable(guest: GuestClass): Exclude<GuestClass, { kind: 'none' }> {
  if (guest.kind === 'none') throw new GuestNotBootableError(guest.sbinInit);
  if (guest.kind === 'systemd' && guest.missing.length) throw new GuestIncompleteError(guest.missing);
  return guest;
}

/**
 * The borrowed kernel's args with `init=` pointing at the image's systemd:
 * replaced where they name one, else added before any `--` (what follows it
 * goes to init, not the kernel).
 */
export function withInit(kernelArgs: string, init: string): string {
  const args = kernelArgs.split(/\s+/).filter(Boolean);
  const at = args.findIndex((a) => a.startsWith('init='));
  if (at >= 0) args[at] = `init=${init}`;
  else {
    const end = args.indexOf('--');
    args.splice(end >= 0 ? end : args.length, 0, `init=${init}`);
  }
  return args.join(' ');
}
