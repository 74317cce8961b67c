import { realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import { FC_EXEC_NAME_RE, JAIL_NAME_SET, VM_ID_RE } from '../../src/model/jail.js';
import { checkDmName } from './names.js';
import { resolveInsideRoots } from './paths.js';
import type { HelperPolicy } from './policy.js';
import { refuse } from './refuse.js';

/**
 * The jail operations run the jailer as root and build directories as root,
 * so everything they touch is pinned down here: banger's VM ids, the
 * policy's chroot base (root-owned, in no user-writable directory), jail
 * names from a fixed table, sources inside banger's layout, and a jailer
 * binary that only root can have put there.
 */

export function checkVmId(id: string): string {
  if (!VM_ID_RE.test(id)) throw refuse('jail.id_invalid', `VM id ${JSON.stringify(id.slice(0, 80))} is not a banger VM id`, 'pass the VM id banger made (32 lowercase hex digits)');
  return id;
}

/** The base must be the policy's, spelled the same way; a helper started without --jailer-base runs no jailer at all. */
export function checkJailBase(base: string, policy: HelperPolicy): string {
  const want = policy.jailBase;
  if (want === undefined) {
    throw refuse('jail.base_invalid', 'this banger-helper was not set up to run the Firecracker jailer', `reinstall it with the chroot base: sudo banger system install --jailer-base ${base}`);
  }
  if (base !== want) {
    throw refuse('jail.base_invalid', `chroot base ${JSON.stringify(base)} is not the helper's ${want}`, `set jailer_chroot_base = "${want}" in config.toml, or give the helper --jailer-base ${base}`);
  }
  return base;
}

export function checkJailName(name: string): string {
  if (!JAIL_NAME_SET.has(name)) throw refuse('jail.name_invalid', `${JSON.stringify(name)} is not a jail file name banger uses`, `use one of: ${[...JAIL_NAME_SET].join(', ')}`);
  return name;
}

export function checkExecName(name: string): string {
  if (!FC_EXEC_NAME_RE.test(name)) {
    throw refuse('jail.exec_invalid', `${JSON.stringify(name)} is not a Firecracker binary name`, 'the jailer only runs a file whose name contains "firecracker"');
  }
  return name;
}

/** Owned by root and writable by nobody else (group/other write bits off). */
function rootOnly(st: Stats): boolean {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

/** The first directory from `/` down to `dir` that is not root-only, or undefined. */
export function unsafeAncestor(dir: string): string | undefined {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === '/') break;
  }
  for (const d of chain) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!rootOnly(st)) return d;
  }
  return undefined;
}

/**
 * The chroot base lives where only root can change it: otherwise its owner
 * could swap a jail directory for a symlink while the helper works in it as
 * root. A base that does not exist yet is created (0755) by jail.prepare.
 */
export function checkJailBaseOnHost(base: string): void {
  const st = statSync(base, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw refuse('jail.base_invalid', `chroot base ${base} exists and is not a directory`, `remove it, or set jailer_chroot_base to a root-owned directory`);
  // Others' execute bit: the owner walks down to the chroot (and its API socket) the jailer gives it.
  if (st && (!rootOnly(st) || (st.mode & 0o001) === 0)) throw refuse('jail.base_invalid', `chroot base ${base} is not root-owned 0755`, `sudo chown root:root ${base} && sudo chmod 0755 ${base}`);
  const bad = unsafeAncestor(dirname(base));
  if (bad) {
    throw refuse('jail.base_invalid', `chroot base ${base} is inside ${bad}, which a user other than root can write to`, 'put jailer_chroot_base under a root-owned directory (the default /srv/jailer)');
  }
}

/**
 * The helper runs the jailer as root, so it must be a file only root could
 * have put there: root-owned, not group/other-writable, and so is every
 * directory above it (and above the file a symlink points to).
 */
export function checkJailerBinary(path: string): string {
  const hint = `install the jailer root-owned (e.g. sudo install -o root -g root -m 0755 jailer /usr/local/bin/jailer) and set jailer_bin to it`;
  if (!isAbsolute(path) || normalize(path) !== path) throw refuse('jail.binary_unsafe', `jailer ${JSON.stringify(path)} is not an absolute, normalised path`, hint);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw refuse('jail.binary_unsafe', `jailer ${path} does not exist`, hint);
  }
  const st = statSync(real);
  if (!st.isFile() || (st.mode & 0o111) === 0) throw refuse('jail.binary_unsafe', `jailer ${real} is not an executable file`, hint);
  if (!rootOnly(st)) throw refuse('jail.binary_unsafe', `jailer ${real} is ${st.uid === 0 ? 'writable by group or others' : `owned by uid ${st.uid}, not root`}; the helper runs it as root`, hint);
  for (const dir of new Set([dirname(path), dirname(real)])) {
    const bad = unsafeAncestor(dir);
    if (bad) throw refuse('jail.binary_unsafe', `jailer ${path} is in ${bad}, which a user other than root can write to; the helper runs it as root`, hint);
  }
  return path;
}

/**
 * The Firecracker binary the jailer copies into the (owner-owned) chroot and
 * runs as the owner: a regular executable named *firecracker* (the jailer's
 * own rule) that the owner could read anyway, so the copy discloses nothing.
 * Returns its real path (what the jailer canonicalises and names the chroot by).
 */
export function checkFirecrackerBinary(path: string, policy: HelperPolicy): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw refuse('jail.exec_invalid', `firecracker binary ${JSON.stringify(path)} does not exist`, 'set firecracker_bin to the Firecracker release binary');
  }
  const st = statSync(real);
  if (!st.isFile() || (st.mode & 0o111) === 0) throw refuse('jail.exec_invalid', `firecracker binary ${real} is not an executable file`, `chmod 0755 ${real}`);
  checkExecName(basename(real));
  if (st.uid !== policy.ownerUid && (st.mode & 0o004) === 0) {
    throw refuse('jail.exec_invalid', `firecracker binary ${real} is not readable by its owner uid ${policy.ownerUid}`, `make it world-readable (chmod 0755 ${real})`);
  }
  return real;
}

/** A file to put into a jail: inside banger's layout (resolved), or one of banger's device-mapper devices. */
export function checkJailSource(source: string, policy: HelperPolicy): string {
  const dm = /^\/dev\/mapper\/(.+)$/.exec(source);
  if (dm) {
    checkDmName(dm[1]!);
    return source;
  }
  return resolveInsideRoots(source, policy.roots);
}
