import { ConflictError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';
import { bridgeHolder, tagInstance } from './instance.js';
import { getLink, listLinks } from './links.js';

export interface BridgeSpec {
  /** Validated bridge name, e.g. br-banger. */
  name: string;
  /** Gateway address in CIDR form, e.g. 172.16.0.1/24. */
  address: string;
  /** The caller's instance tag (instance.ts), written as the bridge's alias. */
  tag: string;
}

/** The hint every "held by another instance" refusal carries. */
export const OWN_NETWORK_HINT =
  'give this banger instance a network of its own: set bridge_name, tap_prefix and bridge_cidr in its config.toml (e.g. bridge_name = "br-banger2", tap_prefix = "bgb", bridge_cidr = "172.16.1.1/24")';

/**
 * Creates the bridge if missing, sets its address, brings it up and tags it
 * with the caller's instance. Idempotent: a second call finds everything in
 * place and reports `created: false`. Refuses (ConflictError) when a
 * non-bridge link already has the name, or when another banger instance's tag
 * is on the bridge and taps still hang off it (that instance is using it). A
 * tagged bridge with nothing attached is a leftover (bridges outlive their
 * daemon, like docker0) and is taken over.
 */
export async function ensureBridge(runner: CommandRunner, spec: BridgeSpec): Promise<{ created: boolean }> {
  const existing = await getLink(runner, spec.name);
  if (existing && existing.kind !== 'bridge') {
    throw new ConflictError(`link ${spec.name} exists but is a ${existing.kind ?? 'non-bridge'} device`, {
      code: 'bridge.not_bridge',
      hint: `delete it (ip link del ${spec.name}) or configure another bridge name`,
    });
  }
  if (existing && tagInstance(existing.alias) && existing.alias !== spec.tag) {
    const members = (await listLinks(runner, [''])).filter((l) => l.master === spec.name).map((l) => l.name);
    const holder = bridgeHolder(existing.alias, spec.tag, members);
    if (holder) {
      throw new ConflictError(`bridge ${spec.name} is in use by banger instance ${holder} (attached: ${members.slice(0, 4).join(', ')}${members.length > 4 ? ', …' : ''})`, {
        code: 'bridge.claimed',
        hint: OWN_NETWORK_HINT,
      });
    }
  }
  if (!existing) await runChecked(runner, 'ip', ['link', 'add', 'name', spec.name, 'type', 'bridge']);
  // `replace` is idempotent, unlike `add`, which fails when the address exists.
  await runChecked(runner, 'ip', ['addr', 'replace', spec.address, 'dev', spec.name]);
  await runChecked(runner, 'ip', ['link', 'set', 'dev', spec.name, 'up', ...(existing?.alias === spec.tag ? [] : ['alias', spec.tag])]);
  return { created: !existing };
}
