import { ConflictError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';
import { tagInstance } from './instance.js';
import { getLink, type LinkInfo } from './links.js';

export interface TapSpec {
  name: string;
  bridge: string;
  /** The tap is owned by this uid/gid so the owner's VMM can open it without root. */
  ownerUid: number;
  ownerGid: number;
  /** The caller's instance tag (instance.ts), written as the tap's alias. */
  tag: string;
  /** The owner's user name, as `ip` prints a tap's owner when the uid has one. */
  ownerName?: string;
}

/**
 * Creates a persistent tap owned by the owner, enslaves it to the bridge and
 * brings it up. Idempotent: an existing tap is re-attached and brought up.
 */
/** `ip tuntap add …` arguments after `tuntap` (shared with the batcher). */
export function tapAddArgs(spec: TapSpec): string[] {
  return ['add', 'dev', spec.name, 'mode', 'tap', 'user', String(spec.ownerUid), 'group', String(spec.ownerGid)];
}

/** `ip link set …` arguments that attach a new tap to its bridge, bring it up and tag it (shared with the batcher). */
export function tapAttachArgs(spec: TapSpec): string[] {
  return ['link', 'set', 'dev', spec.name, 'master', spec.bridge, 'up', 'alias', spec.tag];
}

/**
 * Refuses to touch a link that is not this instance's tap: not a tun device,
 * tagged by another instance (or by nothing), or owned by another uid. Taps
 * are only ever adopted, re-attached or deleted by the instance that made them.
 */
export function assertOwnTap(link: LinkInfo, expect: { tag: string; ownerUid?: number; ownerName?: string; untaggedOk?: boolean }): void {
  if (link.kind !== 'tun') {
    throw new ConflictError(`link ${link.name} exists but is not a tap`, { code: 'tap.not_tap', hint: `delete it (ip link del ${link.name}) or choose another tap_prefix` });
  }
  // A tap made before links were tagged has no alias at all; a delete may take it when the owner matches (below).
  const legacy = expect.untaggedOk === true && link.alias === undefined && expect.ownerUid !== undefined && link.tunUser !== undefined;
  if (link.alias !== expect.tag && !legacy) {
    const holder = tagInstance(link.alias);
    throw new ConflictError(
      holder ? `tap ${link.name} belongs to banger instance ${holder}` : `tap ${link.name} exists and was not made by this banger instance`,
      { code: 'tap.not_owned', hint: 'leave it alone; give this instance its own tap_prefix in config.toml' },
    );
  }
  if (expect.ownerUid !== undefined && link.tunUser !== undefined && !sameUser(link.tunUser, expect)) {
    throw new ConflictError(`tap ${link.name} belongs to ${typeof link.tunUser === 'number' ? `uid ${link.tunUser}` : `user ${link.tunUser}`}`, { code: 'tap.not_owned', hint: 'leave it alone; give this instance its own tap_prefix in config.toml' });
  }
}

/** `ip` names a tap's owner by user name when the uid has one, by number otherwise. */
function sameUser(tunUser: number | string, expect: { ownerUid?: number; ownerName?: string }): boolean {
  if (typeof tunUser === 'number') return tunUser === expect.ownerUid;
  return tunUser === expect.ownerName || tunUser === String(expect.ownerUid);
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
    else assertOwnTap(existing, { tag: spec.tag, ownerUid: spec.ownerUid, ...(spec.ownerName ? { ownerName: spec.ownerName } : {}) });
  }
  await runChecked(runner, 'ip', tapAttachArgs(spec));
  return { created };
}

/**
 * Deletes the tap if it is this instance's (assertOwnTap); `deleted: false`
 * when it was already gone. Two spawns: look, then delete.
 */
export async function deleteTap(runner: CommandRunner, name: string, expect: { tag: string; ownerUid?: number; ownerName?: string }): Promise<{ deleted: boolean }> {
  const existing = await getLink(runner, name);
  if (!existing) return { deleted: false };
  assertOwnTap(existing, { ...expect, untaggedOk: true });
  const res = await runner.run('ip', ['link', 'del', 'dev', name]).catch(() => undefined);
  if (res?.exitCode === 0) return { deleted: true };
  // Gone in between (a concurrent delete) is fine; anything else is a real error.
  if (!(await getLink(runner, name))) return { deleted: false };
  await runChecked(runner, 'ip', ['link', 'del', 'dev', name]);
  return { deleted: true };
}
