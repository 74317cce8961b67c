import { spawn } from 'node:child_process';
import { chmod, chown, link, lstat, mkdir, open, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HostError } from '../../src/errors/index.js';
import { runChecked } from '../../src/host/exec/index.js';
import { mountsUnder, parseMountPoints } from '../../src/host/mountinfo.js';
import { FC_EXEC_NAME_RE, jailerArgs } from '../../src/model/jail.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { OpContext } from './context.js';
import { ensureLoopInLayout } from './storage.js';
import { refuse } from '../validate/index.js';

/**
 * A jailed Firecracker's chroot, built and removed by root. The params were
 * checked by validate/jail.ts (ids, base, names, sources, binaries); these
 * handlers still never follow a symlink they did not make.
 */

const jailDir = (base: string, execName: string, vmId: string): string => join(base, execName, vmId);

/**
 * Pids of processes started for this jail: the owner's (the jailer dropped to its uid), argv
 * holding `--id <vmId>` and naming a *firecracker* program (the jailer execs `/firecracker --id ID …`).
 */
async function jailProcesses(vmId: string, ownerUid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const i = argv.indexOf('--id');
    if (i < 0 || argv[i + 1] !== vmId) continue;
    if (!argv.slice(0, Math.min(i, 2)).some((a) => basename(a).includes('firecracker'))) continue;
    const uid = /^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${name}/status`, 'utf8').catch(() => ''))?.[1];
    if (uid !== undefined && Number(uid) === ownerUid) pids.push(Number(name));
  }
  return pids;
}

async function killAndWait(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Gone, or a zombie (its parent reaps it; it holds no files).
    if (!st || / Z /.test(st.slice(st.lastIndexOf(')')))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The jailer's cgroup for this VM (its default parent cgroup is the exec file name), removed once empty. */
async function removeCgroups(ctx: OpContext, execName: string, vmId: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  const dirs = ctx.host.exists(join(root, 'cgroup.controllers'))
    ? [join(root, execName, vmId)]
    : (await readdir(root).catch(() => [] as string[])).map((c) => join(root, c, execName, vmId));
  for (const d of dirs) await rmdir(d).catch(() => undefined);
}

/**
 * Removes a jail: kills what still runs in it, unmounts the bind mounts
 * jail.prepare made (deepest first), deletes `<base>/<execName>/<vmId>`
 * (hard links only drop a name; the VM's files stay where they are) and the
 * VM's cgroup. Idempotent.
 */
export async function jailRemove(ctx: OpContext, p: HelperOpParams<'jail.remove'>): Promise<HelperOpResult<'jail.remove'>> {
  if (p.execName !== undefined) return removeOne(ctx, p.chrootBase, p.execName, p.vmId);
  const names = (await readdir(p.chrootBase).catch(() => [] as string[])).filter((n) => FC_EXEC_NAME_RE.test(n));
  let removed = false;
  let unmounted = 0;
  for (const n of names.length > 0 ? names : ['firecracker']) {
    const r = await removeOne(ctx, p.chrootBase, n, p.vmId);
    removed ||= r.removed;
    unmounted += r.unmounted;
  }
  return { removed, unmounted };
}

async function removeOne(ctx: OpContext, base: string, execName: string, vmId: string): Promise<HelperOpResult<'jail.remove'>> {
  const p = { chrootBase: base, execName, vmId };
  const dir = jailDir(base, execName, vmId);
  for (const pid of await jailProcesses(p.vmId, ctx.policy.ownerUid)) await killAndWait(pid);
  const st = await lstat(dir).catch(() => undefined);
  let unmounted = 0;
  for (const mp of mountsUnder(parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8')), dir)) {
    await runChecked(ctx.runner, 'umount', [mp], { code: 'jail.umount_failed' });
    unmounted++;
  }
  await removeCgroups(ctx, p.execName, p.vmId);
  if (!st) return { removed: false, unmounted };
  if (!st.isDirectory() || st.uid !== 0) throw new HostError(`${dir} is not a root-owned directory; refusing to remove it`, { code: 'jail.remove_failed', hint: `remove ${dir} by hand` });
  // The chroot inside is the owner's (the jailer chowns it): close the way in before removing it as
  // root, so nobody can swap a directory in there for a symlink while the recursive removal runs.
  await chmod(dir, 0o700);
  await rm(dir, { recursive: true, force: true });
  return { removed: true, unmounted };
}

/**
 * A root-owned directory, 0755 when this makes it (explicitly: the helper's unit runs
 * under UMask=0077, and the owner must traverse down to the chroot it will own), never
 * a symlink. Missing parents are made the same way.
 */
async function rootDir(path: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path; !(await lstat(d).catch(() => undefined)); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await chmod(d, 0o755);
  }
  const st = await lstat(path);
  if (!st.isDirectory() || st.uid !== 0) throw new HostError(`${path} is not a root-owned directory`, { code: 'jail.prepare_failed', hint: `remove ${path} and start the VM again` });
}

/** A banger dm device (validated name) whose every underlying device is a loop of a file inside the layout. */
async function ensureDmInLayout(ctx: OpContext, device: string): Promise<void> {
  const name = basename(device);
  const res = await runChecked(ctx.runner, 'dmsetup', ['deps', '-o', 'devname', name], { code: 'jail.prepare_failed' });
  const loops = [...res.stdout.matchAll(/\((loop\d+)\)/g)].map((m) => `/dev/${m[1]!}`);
  const all = [...res.stdout.matchAll(/\(([^)]+)\)/g)].length;
  if (loops.length === 0 || loops.length !== all) {
    throw refuse('path.outside_layout', `${device} is not a snapshot over banger's loop devices`, 'only the dm disk banger made for this VM can go into its jail');
  }
  for (const l of loops) await ensureLoopInLayout(ctx, l);
}

async function placeFile(ctx: OpContext, source: string, target: string, rootDev: number): Promise<'link' | 'bind' | 'node'> {
  const st = await stat(source);
  if (st.isBlockDevice()) {
    // Device-mapper names are global: only a snapshot over loops of this owner's files goes in.
    await ensureDmInLayout(ctx, source);
    // A node of the same device, owned by the owner: the jail's /dev is empty and devtmpfs cannot be hard-linked across.
    const major = Math.floor(st.rdev / 256) & 0xfff;
    const minor = (st.rdev & 0xff) | ((Math.floor(st.rdev / 2 ** 20) & 0xfff00));
    await runChecked(ctx.runner, 'mknod', ['-m', '0600', target, 'b', String(major), String(minor)], { code: 'jail.prepare_failed' });
    await chown(target, ctx.policy.ownerUid, ctx.policy.ownerGid);
    return 'node';
  }
  if (!st.isFile()) throw new HostError(`${source} is not a regular file or block device`, { code: 'jail.prepare_failed', hint: 'this is a bug in banger: only disks, kernels and snapshot files go into a jail' });
  if (st.dev === rootDev) {
    await link(source, target);
    return 'link';
  }
  // Another filesystem: an empty file with the source bound over it (the jailer's recursive bind of the root keeps it).
  const fh = await open(target, 'wx', 0o600);
  await fh.close();
  await runChecked(ctx.runner, 'mount', ['--bind', source, target], { code: 'jail.prepare_failed' });
  return 'bind';
}

/**
 * Builds a fresh jail: any stale one of this id is removed first (the jailer
 * refuses a root that already has its old_root or pid file), then
 * `<base>/<execName>/<vmId>/root`, root-owned 0755, with each source under its
 * jail name and empty owner-owned files for logger and metrics.
 */
export async function jailPrepare(ctx: OpContext, p: HelperOpParams<'jail.prepare'>): Promise<HelperOpResult<'jail.prepare'>> {
  const execName = basename(p.firecrackerBin);
  await jailRemove(ctx, { vmId: p.vmId, chrootBase: p.chrootBase, execName });
  const dir = jailDir(p.chrootBase, execName, p.vmId);
  for (const d of [p.chrootBase, join(p.chrootBase, execName), dir, join(dir, 'root')]) await rootDir(d);
  const root = join(dir, 'root');
  const rootDev = (await stat(root)).dev;
  const how: HelperOpResult<'jail.prepare'>['how'] = {};
  try {
    for (const l of p.links) how[l.name] = await placeFile(ctx, l.source, join(root, l.name), rootDev);
    for (const name of p.create) {
      const target = join(root, name);
      const fh = await open(target, 'wx', 0o600);
      await fh.close();
      await chown(target, ctx.policy.ownerUid, ctx.policy.ownerGid);
      how[name] = 'created';
    }
  } catch (err) {
    await jailRemove(ctx, { vmId: p.vmId, chrootBase: p.chrootBase, execName }).catch(() => undefined);
    throw err;
  }
  return { root, how };
}

/**
 * Starts the jailer on a prepared jail, detached (own session), its output
 * appended to the console log, and returns at once with its pid: the jailer
 * execs Firecracker in place, so that pid is the VMM's. bangerd waits for the
 * API socket itself.
 */
export async function jailLaunch(ctx: OpContext, p: HelperOpParams<'jail.launch'>): Promise<HelperOpResult<'jail.launch'>> {
  const root = join(jailDir(p.chrootBase, basename(p.firecrackerBin), p.vmId), 'root');
  const st = await lstat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new HostError(`no prepared jail at ${root}`, { code: 'jail.launch_failed', hint: 'call jail.prepare first (bangerd does, before every jailed launch)' });
  const cgroupVersion: 1 | 2 = ctx.host.exists('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
  const args = jailerArgs({
    vmId: p.vmId,
    firecrackerBin: p.firecrackerBin,
    uid: ctx.policy.ownerUid,
    gid: ctx.policy.ownerGid,
    chrootBase: p.chrootBase,
    cgroupVersion,
    ...(p.memoryLimitBytes !== undefined ? { memoryLimitBytes: p.memoryLimitBytes } : {}),
  });
  // The console log is the owner's file; opened without following a symlink at its last component.
  if ((await lstat(p.consoleLog).catch(() => undefined))?.isSymbolicLink()) {
    throw new HostError(`console log ${p.consoleLog} is a symlink`, { code: 'jail.launch_failed', hint: `remove ${p.consoleLog}` });
  }
  const log = await open(p.consoleLog, 'a', 0o600);
  let started: Promise<number>;
  try {
    const child = spawn(p.jailerBin, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    // Listeners before any await: 'spawn' fires on the next turn of the loop.
    started = new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(new HostError(`cannot run the jailer ${p.jailerBin}: ${e.message}`, { code: 'jail.launch_failed', hint: 'check jailer_bin (banger doctor)' })));
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
  } finally {
    await log.close();
  }
  const pid = await started;
  return { pid, cgroupVersion };
}
