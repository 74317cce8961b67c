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
export async function createTap(runner: CommandRunner, spec: TapSpec): Promise<{ created: boolean }> {
  const existing = await getLink(runner, spec.name);
  if (existing && existing.kind !== 'tun') {
    throw new ConflictError(`link ${spec.name} exists but is not a tap`, { code: 'tap.not_tap', hint: `delete it (ip link del ${spec.name})` });
  }
  if (!existing) {
    await runChecked(runner, 'ip', ['tuntap', 'add', 'dev', spec.name, 'mode', 'tap', 'user', String(spec.ownerUid), 'group', String(spec.ownerGid)]);
  }
  if (existing?.master !== spec.bridge) await runChecked(runner, 'ip', ['link', 'set', 'dev', spec.name, 'master', spec.bridge]);
  await runChecked(runner, 'ip', ['link', 'set', 'dev', spec.name, 'up']);
  return { created: !existing };
}

/** Deletes the tap; `deleted: false` when it was already gone. */
export async function deleteTap(runner: CommandRunner, name: string): Promise<{ deleted: boolean }> {
  const existing = await getLink(runner, name);
  if (!existing) return { deleted: false };
  await runChecked(runner, 'ip', ['tuntap', 'del', 'dev', name, 'mode', 'tap']);
  return { deleted: true };
}
