import { constants } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { CommandRunner } from '../src/host/exec/index.js';

/**
 * Lets the owner's VMM open /dev/net/tun without root.
 *
 * A tap created by the helper is owned by the owner (`ip tuntap add … user
 * UID`), so the owner's QEMU or Firecracker may attach to it, and only to it:
 * attaching to an existing tap needs no capability, creating one does. What
 * stops it on hosts like this one is the device node itself, `crw------- root`
 * (a stock desktop has 0666). So while the helper runs it adds one POSIX ACL
 * entry, `user:OWNER:rw`, to the node, which grants exactly what a 0666 host
 * grants everyone, to one user, and removes it again when it stops. The node
 * is recreated at boot, and the helper unit starts at boot, so the grant holds
 * as long as the helper does. Where the owner can already open the node
 * (0666, or an entry somebody else added) nothing is changed.
 *
 * A record of what was added lives next to the helper's socket, so a helper
 * restarted after a crash still removes its own entry, and nobody else's.
 */

export const TUN_PATH = '/dev/net/tun';

export type TunAccess =
  /** Everyone may open it (0666): nothing to do. */
  | { state: 'open' }
  /** The owner already had an entry the helper did not add: left alone. */
  | { state: 'shared' }
  /** The helper added the owner's entry and will remove it. */
  | { state: 'granted' }
  /** The owner is root: nothing to do. */
  | { state: 'root' }
  | { state: 'failed'; message: string };

export interface TunAccessDeps {
  runner: CommandRunner;
  /** @default /dev/net/tun */
  path?: string;
  /** Where the record of the helper's own entry is kept (the helper's runtime dir). */
  recordPath: string;
}

interface GrantRecord {
  uid: number;
  path: string;
  /** The node had no extended ACL before, so revoking strips the ACL entirely (back to the plain mode bits). */
  wasPlain: boolean;
}

/** Named user entries and the mask, as `getfacl -cn` prints them. */
export function parseAcl(text: string): { users: Map<number, string>; extended: boolean } {
  const users = new Map<number, string>();
  let extended = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(user|group|mask|other):([^:]*):([rwx-]{3})$/.exec(line);
    if (!m) continue;
    const [, tag, qualifier, perms] = m;
    if (tag === 'mask' || ((tag === 'user' || tag === 'group') && qualifier !== '')) extended = true;
    if (tag === 'user' && qualifier && /^\d+$/.test(qualifier)) users.set(Number(qualifier), perms!);
  }
  return { users, extended };
}

export function createTunAccess(deps: TunAccessDeps) {
  const path = deps.path ?? TUN_PATH;

  async function readRecord(): Promise<GrantRecord | null> {
    try {
      const r = JSON.parse(await readFile(deps.recordPath, 'utf8')) as GrantRecord;
      return typeof r.uid === 'number' && r.path === path ? r : null;
    } catch {
      return null;
    }
  }

  async function getAcl(): Promise<ReturnType<typeof parseAcl>> {
    const res = await deps.runner.run('getfacl', ['-cn', path]);
    if (res.exitCode !== 0) throw new Error(`getfacl ${path} failed: ${res.stderr.trim() || `exit ${res.exitCode}`}`);
    return parseAcl(res.stdout);
  }

  return {
    /** Makes sure `uid` can open the node. Idempotent. Never throws: a failure is reported in the result. */
    async grant(uid: number): Promise<TunAccess> {
      if (uid === 0) return { state: 'root' };
      try {
        const st = await stat(path);
        if ((st.mode & (constants.S_IROTH | constants.S_IWOTH)) === (constants.S_IROTH | constants.S_IWOTH)) return { state: 'open' };
        if (st.uid === uid && (st.mode & (constants.S_IRUSR | constants.S_IWUSR)) === (constants.S_IRUSR | constants.S_IWUSR)) return { state: 'open' };
        const record = await readRecord();
        const acl = await getAcl();
        const existing = acl.users.get(uid);
        if (existing && /^rw/.test(existing)) {
          // Ours from before a crash, or somebody else's: only the record tells.
          return record?.uid === uid ? { state: 'granted' } : { state: 'shared' };
        }
        const res = await deps.runner.run('setfacl', ['-m', `u:${uid}:rw`, path]);
        if (res.exitCode !== 0) throw new Error(`setfacl on ${path} failed: ${res.stderr.trim() || `exit ${res.exitCode}`}`);
        const rec: GrantRecord = { uid, path, wasPlain: !acl.extended };
        await writeFile(deps.recordPath, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
        return { state: 'granted' };
      } catch (err) {
        return { state: 'failed', message: err instanceof Error ? err.message : String(err) };
      }
    },

    /** Removes the entry the helper added (per its record), restoring the node's ACL as it was. Idempotent. */
    async revoke(): Promise<boolean> {
      const record = await readRecord();
      if (!record) return false;
      await deps.runner.run('setfacl', ['-x', `u:${record.uid}`, path]);
      if (record.wasPlain) {
        // Removing a named entry leaves the mask behind; a node that had no ACL gets none back.
        const acl = await getAcl().catch(() => null);
        if (acl && acl.users.size === 0) await deps.runner.run('setfacl', ['-b', path]);
      }
      await rm(deps.recordPath, { force: true });
      return true;
    },
  };
}
