import { createHash } from 'node:crypto';

/**
 * Which banger instance made a link. Several bangerd can share a host (two
 * users, one user with two XDG roots, a test run beside a user's own); each
 * writes its tag into the alias (IFLA_IFALIAS) of the bridge and taps it
 * creates, so ownership is recorded on the resource itself, visible in
 * `ip link show`, readable without privilege from /sys/class/net/X/ifalias,
 * and gone with the link. An instance only ever adopts, hands out or deletes
 * links that carry its own tag.
 */

/** 12 hex digits: stable for one owner uid and state dir. */
export const INSTANCE_ID_RE = /^[0-9a-f]{12}$/;

export function instanceId(uid: number, stateDir: string): string {
  return createHash('sha256').update(`${uid}\0${stateDir}`).digest('hex').slice(0, 12);
}

const TAG_PREFIX = 'banger:';

/** The link alias an instance writes: `banger:<id>`. */
export function instanceTag(id: string): string {
  return `${TAG_PREFIX}${id}`;
}

/** The instance id in an alias, or null when the alias is not a banger tag. */
export function tagInstance(alias: string | undefined | null): string | null {
  if (!alias?.startsWith(TAG_PREFIX)) return null;
  const id = alias.slice(TAG_PREFIX.length).trim();
  return id.length > 0 ? id : null;
}

/**
 * The other instance holding a bridge, or null: its alias names another
 * banger instance and links still hang off it. A tagged bridge with nothing
 * attached is a leftover (bridges outlive their daemon, like docker0) and may
 * be taken over. One rule for bangerd's claim check and the helper's refusal.
 */
export function bridgeHolder(bridgeAlias: string | undefined, ownTag: string, attached: readonly string[]): string | null {
  const holder = tagInstance(bridgeAlias);
  return holder && bridgeAlias !== ownTag && attached.length > 0 ? holder : null;
}
