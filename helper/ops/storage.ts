import { HostError } from '../../src/errors/index.js';
import { runChecked } from '../../src/host/exec/index.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import { refuse, resolveInsideRoots } from '../validate/index.js';
import type { OpContext } from './context.js';

/** Loop devices whose backing file is `path` (already resolved). */
async function loopsFor(ctx: OpContext, path: string): Promise<string[]> {
  const res = await runChecked(ctx.runner, 'losetup', ['-n', '-O', 'NAME', '-j', path]);
  return res.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Backing file of a loop device, or null when the device is not attached. */
async function backingFile(ctx: OpContext, device: string): Promise<string | null> {
  const res = await ctx.runner.run('losetup', ['-n', '-l', '-O', 'BACK-FILE', device]);
  if (res.exitCode !== 0) return null;
  const file = res.stdout.trim().replace(/ \(deleted\)$/, '');
  return file || null;
}

/** Attaches the file to a free loop device; returns the existing device if it is attached already. */
export async function loopAttach(ctx: OpContext, p: HelperOpParams<'loop.attach'>): Promise<HelperOpResult<'loop.attach'>> {
  const existing = (await loopsFor(ctx, p.path))[0];
  if (existing) return { device: existing };
  const res = await runChecked(ctx.runner, 'losetup', ['--find', '--show', ...(p.readOnly ? ['--read-only'] : []), p.path], { code: 'loop.attach_failed' });
  return { device: res.stdout.trim() };
}

/**
 * Detaches a loop device, but only one backed by a file inside banger's
 * layout: the device name alone would let a caller detach anyone's loop.
 */
export async function loopDetach(ctx: OpContext, p: HelperOpParams<'loop.detach'>): Promise<HelperOpResult<'loop.detach'>> {
  const file = await backingFile(ctx, p.device);
  if (file === null) return { detached: false };
  resolveInsideRootsOrRefuse(file, ctx, p.device);
  await runChecked(ctx.runner, 'losetup', ['-d', p.device], { code: 'loop.detach_failed' });
  return { detached: true };
}

function resolveInsideRootsOrRefuse(file: string, ctx: OpContext, device: string): void {
  try {
    resolveInsideRoots(file, ctx.policy.roots);
  } catch {
    throw refuse('path.outside_layout', `${device} is backed by ${file}, outside banger's layout`, 'only loop devices banger attached can be detached');
  }
}

/** Device-mapper needs the kernel driver; /proc/misc lists it when loaded. */
function assertDeviceMapper(ctx: OpContext): void {
  const misc = ctx.host.readText('/proc/misc') ?? '';
  if (!/\bdevice-mapper\b/.test(misc)) {
    throw new HostError('device-mapper is not available on this host (no device-mapper in /proc/misc)', {
      code: 'dm.unavailable',
      hint: 'load it with modprobe dm_snapshot, or use the QEMU driver (qcow2 overlays need no device-mapper)',
    });
  }
  if (!ctx.host.exists('/dev/mapper/control')) {
    throw new HostError('device-mapper control node /dev/mapper/control is missing', { code: 'dm.unavailable', hint: 'run dmsetup mknodes as root' });
  }
}

/** A loop device attached to a file inside banger's layout (refused otherwise). */
export async function ensureLoopInLayout(ctx: OpContext, device: string): Promise<void> {
  const file = await backingFile(ctx, device);
  if (file === null) throw refuse('loop.device_invalid', `${device} is not attached`, 'attach the file with loop.attach first');
  resolveInsideRootsOrRefuse(file, ctx, device);
}

/** Creates a persistent snapshot target `/dev/mapper/NAME` over two loops of banger files. */
export async function dmSnapshotCreate(ctx: OpContext, p: HelperOpParams<'dm.snapshotCreate'>): Promise<HelperOpResult<'dm.snapshotCreate'>> {
  assertDeviceMapper(ctx);
  await ensureLoopInLayout(ctx, p.originDevice);
  await ensureLoopInLayout(ctx, p.cowDevice);
  const device = `/dev/mapper/${p.name}`;
  const info = await ctx.runner.run('dmsetup', ['info', p.name]);
  if (info.exitCode === 0) return { device };
  // Persistent snapshot (P) with 8-sector (4 KiB) chunks.
  const table = `0 ${p.sectors} snapshot ${p.originDevice} ${p.cowDevice} P 8`;
  await runChecked(ctx.runner, 'dmsetup', ['create', p.name, '--table', table], { code: 'dm.create_failed' });
  return { device };
}

export async function dmSnapshotRemove(ctx: OpContext, p: HelperOpParams<'dm.snapshotRemove'>): Promise<HelperOpResult<'dm.snapshotRemove'>> {
  assertDeviceMapper(ctx);
  const info = await ctx.runner.run('dmsetup', ['info', p.name]);
  if (info.exitCode !== 0) return { removed: false };
  await runChecked(ctx.runner, 'dmsetup', ['remove', p.name], { code: 'dm.remove_failed' });
  return { removed: true };
}
