import { ConflictError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';
import { getLink } from './links.js';

export interface TapSpec {
  name: string;
  bridge: string;
  /** The tap is owned by this uid/gid so the owner's VMM can open it without root. */
  ownerUid: number;
  ownerGid: number;
}

/**
 * Creates a persistent tap owned by the owner, enslaves it to the bridge and
 * brings it up. Idempotent: an existing tap is re-attached and brought up.
 */
/** `ip tuntap add …` arguments after `tuntap` (shared with the batcher). */
export function tapAddArgs(spec: TapSpec): string[] {
  return ['add', 'dev', spec.name, 'mode', 'tap', 'user', String(spec.ownerUid), 'group', String(spec.ownerGid)];
}

export async function createTap(runner: CommandRunner, spec: TapSpec): Promise<{ created: boolean }> {
  // Optimistic add first: each `ip` is a process spawn, and the pool creates taps in bulk
  // (the supervisor bench spent most of its start phase spawning `ip`). Two spawns for a new tap.
  const addArgs = ['tuntap', ...tapAddArgs(spec)];
  const add = await runner.run('ip', addArgs).catch(() => undefined);
  const created = add?.exitCode === 0;
  if (!created) {
    const existing = await getLink(runner, spec.name);
    if (!existing) await runChecked(runner, 'ip', addArgs); // not an "exists" failure: report the real error
    else if (existing.kind !== 'tun') {
      throw new ConflictError(`link ${spec.name} exists but is not a tap`, { code: 'tap.not_tap', hint: `delete it (ip link del ${spec.name})` });
    }
  }
  await runChecked(runner, 'ip', ['link', 'set', 'dev', spec.name, 'master', spec.bridge, 'up']);
  return { created };
}

/** Deletes the tap; `deleted: false` when it was already gone. One spawn. */
export async function deleteTap(runner: CommandRunner, name: string): Promise<{ deleted: boolean }> {
  const res = await runner.run('ip', ['link', 'del', 'dev', name]).catch(() => undefined);
  if (res?.exitCode === 0) return { deleted: true };
  // `ip link del` of a missing link fails; anything else is a real error.
  if (!(await getLink(runner, name))) return { deleted: false };
  await runChecked(runner, 'ip', ['link', 'del', 'dev', name]);
  return { deleted: true };
}
