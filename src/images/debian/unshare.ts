import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { HostError } from '../../errors/index.js';
import { runStatus, whichTool } from '../../host/exec/index.js';

/**
 * What `mmdebstrap --mode=unshare` needs from the host to build the debian
 * profile as an ordinary user: mmdebstrap itself, newuidmap/newgidmap
 * (package uidmap), a subordinate uid and gid range for the user in
 * /etc/subuid and /etc/subgid (root inside the namespace and Debian's system
 * users map into it), and unprivileged user namespaces. Checked up front so
 * a build fails in one line naming the fix, and reported by `banger doctor`.
 */

/** Debian's ids go up to nobody (65534), so the range must cover 0..65535. */
export const MIN_SUBIDS = 65536;

export interface SubidRange {
  start: number;
  count: number;
}

export interface UnshareFacts {
  user: string;
  mmdebstrap: boolean;
  newuidmap: boolean;
  newgidmap: boolean;
  subuid?: SubidRange;
  subgid?: SubidRange;
  /** Why user namespaces are unusable here, or undefined when they work. */
  userns?: { why: string; fix: string };
}

export interface UnshareProblem {
  what: string;
  fix: string;
}

/** The user's range as mmdebstrap reads it: the first line naming the user (by name, not uid). */
export function parseSubids(text: string, user: string): SubidRange | undefined {
  for (const line of text.split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if (name !== user || start === undefined || count === undefined) continue;
    const s = Number(start);
    const c = Number(count);
    return Number.isInteger(s) && Number.isInteger(c) ? { start: s, count: c } : undefined;
  }
  return undefined;
}

/** Everything in the way, each with its fix; [] when the debian profile can build as this user. */
export function unshareProblems(f: UnshareFacts): UnshareProblem[] {
  const out: UnshareProblem[] = [];
  const missing = [...(f.mmdebstrap ? [] : [['mmdebstrap', 'mmdebstrap']]), ...(f.newuidmap && f.newgidmap ? [] : [['newuidmap/newgidmap', 'uidmap']])];
  if (missing.length) {
    out.push({
      what: `${missing.map(([bin]) => bin).join(' and ')} ${missing.length > 1 || missing[0]![0]!.includes('/') ? 'are' : 'is'} not installed`,
      fix: `apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`,
    });
  }
  const short = (r?: SubidRange) => !r || r.count < MIN_SUBIDS;
  if (short(f.subuid) || short(f.subgid)) {
    const which = [short(f.subuid) ? '/etc/subuid' : '', short(f.subgid) ? '/etc/subgid' : ''].filter(Boolean).join(' and ');
    out.push({
      what: `${f.user} has no range of ${MIN_SUBIDS} ids in ${which}`,
      fix: `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${f.user} (as root)`,
    });
  }
  if (f.userns) out.push({ what: f.userns.why, fix: f.userns.fix });
  return out;
}

/** Reads a sysctl as a number, or undefined when this kernel has no such knob. */
async function sysctl(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number(text.trim());
}

/**
 * Whether this user can make a user namespace: the kernel knobs that
 * disable it (each with its own fix), then a real attempt, which also
 * catches seccomp and container policies.
 */
async function probeUserns(signal?: AbortSignal): Promise<UnshareFacts['userns']> {
  if ((await sysctl('/proc/sys/user/max_user_namespaces')) === 0) {
    return { why: 'user namespaces are disabled (user.max_user_namespaces = 0)', fix: 'sysctl -w user.max_user_namespaces=15000 (as root)' };
  }
  if ((await sysctl('/proc/sys/kernel/unprivileged_userns_clone')) === 0) {
    return { why: 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)', fix: 'sysctl -w kernel.unprivileged_userns_clone=1 (as root)' };
  }
  if ((await sysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')) === 1) {
    return {
      why: 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)',
      fix: 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (as root)',
    };
  }
  const res = await runStatus('unshare', ['--user', '--map-root-user', 'true'], { signal }).catch(() => undefined);
  if (res?.exitCode === 0) return undefined;
  const detail = res?.stderr.trim().split('\n').at(-1) ?? 'unshare is not installed';
  return {
    why: `cannot create a user namespace (${detail})`,
    fix: 'allow unprivileged user namespaces on this host (a container or seccomp policy forbids them), or build --profile debian as root',
  };
}

export interface ProbeUnshareOptions {
  /** @default os.userInfo().username */
  user?: string;
  env?: NodeJS.ProcessEnv;
  /** @default /etc/subuid and /etc/subgid */
  subuidFile?: string;
  subgidFile?: string;
  signal?: AbortSignal;
}

export async function probeUnshare(opts: ProbeUnshareOptions = {}): Promise<UnshareFacts> {
  const user = opts.user ?? userInfo().username;
  const env = opts.env ?? process.env;
  const has = async (bin: string) => (await whichTool(bin, env)) !== undefined;
  const ids = async (file: string) => parseSubids(await readFile(file, 'utf8').catch(() => ''), user);
  const [mmdebstrap, newuidmap, newgidmap, subuid, subgid, userns] = await Promise.all([
    has('mmdebstrap'),
    has('newuidmap'),
    has('newgidmap'),
    ids(opts.subuidFile ?? '/etc/subuid'),
    ids(opts.subgidFile ?? '/etc/subgid'),
    probeUserns(opts.signal),
  ]);
  return { user, mmdebstrap, newuidmap, newgidmap, ...(subuid ? { subuid } : {}), ...(subgid ? { subgid } : {}), ...(userns ? { userns } : {}) };
}

/** Throws one HostError naming what is missing and every fix, or returns when the build can go ahead. */
export function assertUnshareReady(f: UnshareFacts): void {
  const problems = unshareProblems(f);
  if (problems.length === 0) return;
  throw new HostError(`the debian profile cannot build as ${f.user}: ${problems.map((p) => p.what).join('; ')}`, {
    code: 'image.unshare_unavailable',
    hint: `${problems.map((p) => p.fix).join('; ')}; or build --profile minimal, or run bangerd as root`,
  });
}
