import { normalize } from 'node:path';
import { refuse } from './refuse.js';
import type { HelperPolicy } from './policy.js';

/** Linux interface names are at most 15 bytes; these patterns keep to that. */
export const BRIDGE_NAME_RE = /^br-[a-z0-9-]{1,12}$/;
export const TAP_PREFIX_RE = /^bg[a-z0-9-]{1,13}$/;
export const TAP_NAME_RE = /^bg[a-z0-9-]{1,13}$/;
export const LOOP_DEVICE_RE = /^\/dev\/loop\d{1,4}$/;
export const DM_NAME_RE = /^banger-[a-z0-9-]{1,56}$/;

export function checkBridgeName(name: string, policy: HelperPolicy): string {
  if (!BRIDGE_NAME_RE.test(name) || name !== policy.bridge) {
    throw refuse('bridge.name_invalid', `bridge ${JSON.stringify(name)} is not banger's bridge (${policy.bridge})`, `use the configured bridge ${policy.bridge}`);
  }
  return name;
}

export function checkTapName(name: string, policy: HelperPolicy): string {
  if (!TAP_NAME_RE.test(name) || !name.startsWith(policy.tapPrefix) || name === policy.tapPrefix) {
    throw refuse('tap.name_invalid', `tap ${JSON.stringify(name)} is outside banger's prefix ${policy.tapPrefix}`, `name taps ${policy.tapPrefix}<N>, at most 15 characters of [a-z0-9-]`);
  }
  return name;
}

export function checkLoopDevice(dev: string): string {
  if (!LOOP_DEVICE_RE.test(dev)) {
    throw refuse('loop.device_invalid', `${JSON.stringify(dev)} is not a loop device`, 'pass a device like /dev/loop3, as returned by loop.attach');
  }
  return dev;
}

export function checkDmName(name: string): string {
  if (!DM_NAME_RE.test(name)) {
    throw refuse('dm.name_invalid', `device-mapper name ${JSON.stringify(name)} is not banger's`, 'use banger-<vm id>, lowercase letters, digits and hyphens');
  }
  return name;
}

/** Checks the policy itself at helper start (bad flags must fail before serving). */
export function policyProblem(p: HelperPolicy): string | null {
  if (!BRIDGE_NAME_RE.test(p.bridge)) return `bridge name ${JSON.stringify(p.bridge)} must match ${BRIDGE_NAME_RE.source}`;
  if (!TAP_PREFIX_RE.test(p.tapPrefix) || p.tapPrefix.length > 12) return `tap prefix ${JSON.stringify(p.tapPrefix)} must match ${TAP_PREFIX_RE.source} and leave room for a number`;
  if (!Number.isInteger(p.ownerUid) || p.ownerUid < 0) return 'owner uid must be a non-negative integer';
  if (!Number.isInteger(p.ownerGid) || p.ownerGid < 0) return 'owner gid must be a non-negative integer';
  if (p.roots.length === 0) return 'at least one layout root is needed';
  if (p.roots.some((r) => !r.startsWith('/') || r === '/')) return 'layout roots must be absolute and not /';
  if (p.hostsFile !== undefined && (!p.hostsFile.startsWith('/') || p.hostsFile.endsWith('/'))) return `hosts file ${JSON.stringify(p.hostsFile)} must be an absolute file path`;
  if (p.jailBase !== undefined && (!p.jailBase.startsWith('/') || p.jailBase === '/' || p.jailBase !== normalize(p.jailBase) || p.jailBase.endsWith('/'))) {
    return `jailer base ${JSON.stringify(p.jailBase)} must be an absolute, normalised directory other than /`;
  }
  return null;
}
