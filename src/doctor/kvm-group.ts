import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';

/**
 * Who may open /dev/kvm, and whether this user is one of them. Doctor tells
 * apart "not in the group" (usermod) from "in the group, but this login
 * predates it" (log in again), which `access(2)` alone cannot.
 */
export interface KvmGroupReport {
  device: string;
  present: boolean;
  /** This process can open it read-write now. */
  canOpen: boolean;
  /** The node's group, by name when /etc/group has it. */
  group: string | null;
  /** Every user may open it (mode o+rw). */
  worldAccessible: boolean;
  user: string;
  /** /etc/group lists the user in the node's group (or it is the user's primary group). */
  memberInGroupDb: boolean;
  /** This process carries the group (a login after `usermod -aG` does). */
  memberInSession: boolean;
}

export interface KvmGroupProbe {
  /** @default '/dev/kvm' */
  device?: string;
  /** @default '/etc/group' */
  groupFile?: string;
  user?: string;
  /** Primary gid of the user. @default process.getgid() */
  gid?: number;
  /** @default process.getgroups() */
  groups?: number[];
}

export async function probeKvmGroup(p: KvmGroupProbe = {}): Promise<KvmGroupReport> {
  const device = p.device ?? '/dev/kvm';
  const user = p.user ?? safeUserName();
  const st = await stat(device).catch(() => undefined);
  if (!st?.isCharacterDevice()) {
    return { device, present: false, canOpen: false, group: null, worldAccessible: false, user, memberInGroupDb: false, memberInSession: false };
  }
  const canOpen = await access(device, constants.R_OK | constants.W_OK).then(() => true, () => false);
  const groupDb = parseGroupFile(await readFile(p.groupFile ?? '/etc/group', 'utf8').catch(() => ''));
  const entry = groupDb.find((g) => g.gid === st.gid);
  const primary = p.gid ?? process.getgid?.() ?? -1;
  const session = p.groups ?? process.getgroups?.() ?? [];
  return {
    device,
    present: true,
    canOpen,
    group: entry?.name ?? String(st.gid),
    worldAccessible: (st.mode & 0o006) === 0o006,
    user,
    memberInGroupDb: primary === st.gid || (entry?.members.includes(user) ?? false),
    memberInSession: primary === st.gid || session.includes(st.gid),
  };
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Pure: /etc/group lines `name:x:gid:user1,user2`. */
export function parseGroupFile(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: f[3]!.split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? -1}`;
  }
}
