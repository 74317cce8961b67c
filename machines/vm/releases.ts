/**
 * Releases are data: each start step returns (and announces beforehand) what
 * undoes it, so the undo stack lives in JSON context and in handles.json, and
 * one release actor executes it in reverse.
 */
import type { VMHandles } from '../../src/model/index.js';
import type { RuntimeMirror } from '../ports.js';

export type Release =
  | { kind: 'loop'; device: string }
  | { kind: 'dm'; name: string; device?: string }
  | { kind: 'tap'; name: string }
  | { kind: 'nat'; guestIP: string; tap: string }
  /** A VMM process; `pid` is absent when it was announced before launch. */
  | { kind: 'vmm'; apiSockPath: string; pid?: number; pidStartTime?: number };

/** Identity of a release: a later announcement with the same key replaces the earlier one (e.g. the vmm gains its pid). */
export function releaseKey(r: Release): string {
  switch (r.kind) {
    case 'loop':
      return `loop:${r.device}`;
    case 'dm':
      return `dm:${r.name}`;
    case 'tap':
      return `tap:${r.name}`;
    case 'nat':
      return `nat:${r.guestIP}:${r.tap}`;
    case 'vmm':
      return `vmm:${r.apiSockPath}`;
  }
}

/** Adds or replaces (same key, same position) a release on the stack. */
export function pushRelease(stack: readonly Release[], r: Release): Release[] {
  const key = releaseKey(r);
  const i = stack.findIndex((x) => releaseKey(x) === key);
  if (i === -1) return [...stack, r];
  const next = [...stack];
  next[i] = r;
  return next;
}

export function pushReleases(stack: readonly Release[], rs: readonly Release[]): Release[] {
  return rs.reduce<Release[]>((acc, r) => pushRelease(acc, r), [...stack]);
}

/** Projection written to handles.json. */
export function handlesFromReleases(stack: readonly Release[]): VMHandles {
  const h: VMHandles = {};
  for (const r of stack) {
    if (r.kind === 'loop') {
      // First attached loop is the base (read-only image), the second the COW file.
      if (h.baseLoop === undefined) h.baseLoop = r.device;
      else h.cowLoop = r.device;
    } else if (r.kind === 'dm') {
      h.dmName = r.name;
      if (r.device) h.dmDev = r.device;
    } else if (r.kind === 'tap') {
      h.tapDevice = r.name;
    } else if (r.kind === 'vmm') {
      h.apiSockPath = r.apiSockPath;
      if (r.pid !== undefined) h.pid = r.pid;
      if (r.pidStartTime !== undefined) h.pidStartTime = r.pidStartTime;
    }
  }
  return h;
}

/** The mirror on the VM row: just the names teardown cannot rediscover. */
export function mirrorFromReleases(stack: readonly Release[]): RuntimeMirror {
  const h = handlesFromReleases(stack);
  const m: RuntimeMirror = {};
  if (h.tapDevice) m.tapDevice = h.tapDevice;
  if (h.baseLoop) m.baseLoop = h.baseLoop;
  if (h.cowLoop) m.cowLoop = h.cowLoop;
  if (h.dmName) m.dmName = h.dmName;
  if (h.pid !== undefined) m.vmmPid = h.pid;
  return m;
}

/**
 * Rebuilds the undo stack from handles (read back at reconcile), in start
 * order: storage, network, vmm. NAT is included when the VM has it enabled:
 * `nat.down` is idempotent, so releasing a rule that never went up is harmless.
 */
export function releasesFromHandles(
  h: VMHandles & { vmmPid?: number },
  vm: { guestIP: string; natEnabled: boolean; apiSockPath: string },
): Release[] {
  const out: Release[] = [];
  if (h.baseLoop) out.push({ kind: 'loop', device: h.baseLoop });
  if (h.cowLoop) out.push({ kind: 'loop', device: h.cowLoop });
  if (h.dmName) out.push(h.dmDev ? { kind: 'dm', name: h.dmName, device: h.dmDev } : { kind: 'dm', name: h.dmName });
  if (h.tapDevice) {
    out.push({ kind: 'tap', name: h.tapDevice });
    if (vm.natEnabled) out.push({ kind: 'nat', guestIP: vm.guestIP, tap: h.tapDevice });
  }
  const pid = h.pid ?? h.vmmPid;
  const vmm: Release = { kind: 'vmm', apiSockPath: h.apiSockPath ?? vm.apiSockPath };
  if (pid !== undefined) vmm.pid = pid;
  if (h.pidStartTime !== undefined) vmm.pidStartTime = h.pidStartTime;
  out.push(vmm);
  return out;
}
