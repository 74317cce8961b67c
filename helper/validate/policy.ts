/**
 * What the helper allows, fixed at start from its flags (written by
 * `banger system install`). Every operation is checked against it.
 */
export interface HelperPolicy {
  ownerUid: number;
  ownerGid: number;
  /** The owner's user name (how `ip` prints a tap's owner); resolved at start. */
  ownerName?: string;
  /** The one bridge the helper manages, e.g. br-banger. */
  bridge: string;
  /** Taps must start with this, e.g. bgtap. */
  tapPrefix: string;
  /** Bridge address in CIDR form; guests must lie inside it, e.g. 172.16.0.1/24. */
  cidr: string;
  /**
   * Directories (already realpath'd) that paths must resolve into: the owner's
   * banger state, runtime and cache dirs.
   */
  roots: string[];
  /** The hosts file `hosts.sync` edits (flag --hosts-file). @default DEFAULT_HOSTS_FILE */
  hostsFile?: string;
  /** Where jails may be built (flag --jailer-base; in-process, config `jailer_chroot_base`). Unset: no jail operation is allowed. */
  jailBase?: string;
}

export const DEFAULT_BRIDGE = 'br-banger';
export const DEFAULT_TAP_PREFIX = 'bgtap';
export const DEFAULT_CIDR = '172.16.0.1/24';
export const DEFAULT_HOSTS_FILE = '/etc/hosts';
