import type { Client, ClientChannel } from 'ssh2';
import { GuestError } from '../../errors/index.js';
import { execCapture } from '../ssh/exec.js';
import { shellQuote } from '../ssh/quote.js';
import type { PathKind } from './plan.js';

/**
 * Guest-side commands of `vm cp`. Only POSIX sh, `tar -c/-x -f - -C`-style
 * flags and `[ -L/-d/-e ]` are used: the minimal image has busybox (its tar
 * knows no --transform), the debian one GNU tar. Renaming is done on the
 * host side instead (entry names are written or read with the new name).
 */

/** Tilde forms the user may type; the exec'd shell starts in the home directory, so they become relative paths. */
export function guestPathArg(path: string): string {
  if (path === '~' || path === '') return '.';
  if (path.startsWith('~/')) return path.slice(2) || '.';
  return path;
}

const KIND_FN = `k() { if [ -L "$1" ]; then echo symlink; elif [ -d "$1" ]; then echo dir; elif [ -f "$1" ]; then echo file; elif [ -e "$1" ]; then echo other; else echo none; fi; }`;

/** Prints the kinds of DST (a link to a directory counts as the directory, like cp), its parent, and DST/NAME. */
export function probeDestCommand(dst: string, name: string): string {
  const d = shellQuote(guestPathArg(dst));
  return `${KIND_FN}; d=${d}; kd=$(k "$d"); [ "$kd" = symlink ] && [ -d "$d" ] && kd=dir; printf '%s %s %s\\n' "$kd" "$(k "$(dirname "$d")")" "$(k "$d"/${shellQuote(name)})"`;
}

/** Prints the kind of SRC (a symlink is copied as a link, like cp -R). */
export function probeSourceCommand(src: string): string {
  return `${KIND_FN}; k ${shellQuote(guestPathArg(src))}`;
}

/** Extracts stdin into DIR; when the entry did not exist before, a failed extraction removes what it left. */
export function extractCommand(dir: string, name: string, existed: boolean): string {
  const cleanup = existed ? '' : ` rm -rf ${shellQuote(name)};`;
  return `cd ${shellQuote(guestPathArg(dir))} && { tar -xf - || { rc=$?;${cleanup} exit $rc; }; }`;
}

/** Archives SRC (as its basename) to stdout; symlinks are stored as links. */
export function packCommand(src: string): string {
  const p = guestPathArg(src).replace(/\/+$/, '') || '/';
  const slash = p.lastIndexOf('/');
  const dir = slash < 0 ? '.' : slash === 0 ? '/' : p.slice(0, slash);
  const base = p.slice(slash + 1);
  return `cd ${shellQuote(dir)} && exec tar -cf - ${shellQuote(base)}`;
}

const KINDS = new Set<PathKind>(['dir', 'file', 'symlink', 'other', 'none']);
function toKind(word: string | undefined): PathKind {
  return word && KINDS.has(word as PathKind) ? (word as PathKind) : 'none';
}

export async function probeDest(client: Client, dst: string, name: string): Promise<{ dst: PathKind; parent: PathKind; child: PathKind }> {
  const res = await execCapture(client, probeDestCommand(dst, name));
  if (res.code !== 0) throw new GuestError(`could not inspect ${dst} in the guest: ${res.stderr.trim() || `exit ${res.code}`}`, { code: 'cp.probe' });
  const [a, b, c] = res.stdout.trim().split(/\s+/);
  return { dst: toKind(a), parent: toKind(b), child: toKind(c) };
}

export async function probeSource(client: Client, src: string): Promise<PathKind> {
  const res = await execCapture(client, probeSourceCommand(src));
  if (res.code !== 0) throw new GuestError(`could not inspect ${src} in the guest: ${res.stderr.trim() || `exit ${res.code}`}`, { code: 'cp.probe' });
  return toKind(res.stdout.trim());
}

/** An exec channel handed over as a stream, for a pipeline with backpressure both ways. */
export function openChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, ch) => {
      if (err) reject(new GuestError(`could not run tar in the guest: ${err.message}`, { cause: err, code: 'ssh.exec' }));
      else resolve(ch);
    });
  });
}

/** The channel's exit status and its stderr (the first 16 KiB: enough for tar's complaint). */
export function channelResult(ch: ClientChannel): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    let code: number | undefined;
    let stderr = '';
    ch.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 16_384) stderr += c.toString('utf8');
    });
    ch.on('exit', (c: number | null) => {
      code = typeof c === 'number' ? c : 255;
    });
    // No exit status means the connection dropped: 255, like OpenSSH.
    ch.on('close', () => resolve({ code: code ?? 255, stderr }));
  });
}

/** Turns the guest tar's failure into one line: a full disk names the VM and the fix. */
export function guestTarError(vm: string, what: string, res: { code: number; stderr: string }): GuestError {
  const text = res.stderr.trim().split('\n').filter(Boolean);
  if (/no space left on device/i.test(res.stderr)) {
    return new GuestError(`no space left on the disk of VM ${vm} while ${what}`, {
      code: 'cp.guest_full',
      hint: `free space (banger vm ssh ${vm} -- df -h) or grow the disk (banger vm set ${vm} --disk-size SIZE, then restart); the partial copy was removed`,
    });
  }
  if (res.code === 255 && text.length === 0) {
    return new GuestError(`the connection to VM ${vm} dropped while ${what}`, { code: 'cp.connection_lost', hint: `check it is still running: banger vm show ${vm}` });
  }
  return new GuestError(`tar in VM ${vm} failed while ${what} (exit ${res.code}): ${text.slice(-2).join('; ') || 'no message'}`, { code: 'cp.guest_tar' });
}
