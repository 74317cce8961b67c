import { ConflictError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';
import { getLink } from './links.js';

export interface BridgeSpec {
  /** Validated bridge name, e.g. br-banger. */
  name: string;
  /** Gateway address in CIDR form, e.g. 172.16.0.1/24. */
  address: string;
}

/**
 * Creates the bridge if missing, sets its address, brings it up. Idempotent:
 * a second call finds everything in place and reports `created: false`.
 * Refuses (ConflictError) when a non-bridge link already has the name.
 */
export async function ensureBridge(runner: CommandRunner, spec: BridgeSpec): Promise<{ created: boolean }> {
  const existing = await getLink(runner, spec.name);
  if (existing && existing.kind !== 'bridge') {
    throw new ConflictError(`link ${spec.name} exists but is a ${existing.kind ?? 'non-bridge'} device`, {
      code: 'bridge.not_bridge',
      hint: `delete it (ip link del ${spec.name}) or configure another bridge name`,
    });
  }
  if (!existing) await runChecked(runner, 'ip', ['link', 'add', 'name', spec.name, 'type', 'bridge']);
  // `replace` is idempotent, unlike `add`, which fails when the address exists.
  await runChecked(runner, 'ip', ['addr', 'replace', spec.address, 'dev', spec.name]);
  await runChecked(runner, 'ip', ['link', 'set', 'dev', spec.name, 'up']);
  return { created: !existing };
}

/** Deletes the bridge; `deleted: false` when it was already gone. */
export async function deleteBridge(runner: CommandRunner, name: string): Promise<{ deleted: boolean }> {
  const existing = await getLink(runner, name);
  if (!existing) return { deleted: false };
  await runChecked(runner, 'ip', ['link', 'del', 'dev', name]);
  return { deleted: true };
}
