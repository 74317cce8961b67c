import { createReadStream, createWriteStream } from 'node:fs';
import { link, readdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { VmmError } from '../../errors/index.js';
import type { VmmDiskFreeze, VmmProcessHandle, VmmSnapshotRequest, VmmSnapshotResult } from '../../model/vmm.js';
import { diskFullError } from '../../host/disk-full.js';
import { run } from '../../host/exec/index.js';
import { QmpClient } from './qmp-client.js';
import { pathExists } from '../../host/path-exists.js';

/**
 * QEMU snapshots are a migration to a file plus external qcow2 snapshots of
 * the disks. A running guest is migrated live with `pause-before-switchover`:
 * QEMU copies memory while the guest runs, then stops it and waits; at that
 * instant the disks are switched to new layers, and only then does the last
 * memory and the device state go out. The guest is stopped for that final
 * pass and the disk switch, not for the whole copy. The stream goes over a
 * Unix socket bangerd listens on and writes to the file (QEMU 7.2 has no
 * `file:` migration and `exec:` would be a shell command line).
 */

interface MigrateInfo {
  status?: string;
  'error-desc'?: string;
  downtime?: number;
}

const POLL_MS = 20;

/**
 * Switches the running drives to new layers in one QMP `transaction` (all or
 * none) and leaves their old content, frozen, at each `frozenPath`. A new
 * layer is made by qemu-img with its backing file already named `frozenPath`
 * and attached with `blockdev-snapshot`, so QEMU never rewrites a header under
 * a live VM (`change-backing-file` did, and QEMU then could not hand the disks
 * off at the end of the migration). The files then move: `.new` to `.next`
 * marks "switched" for crash recovery (src/snapshots/recover.ts), then the
 * old content to the snapshot and the new layer to the VM's own path.
 */
async function freezeDrives(qmp: QmpClient, disks: readonly VmmDiskFreeze[], seq: string): Promise<void> {
  const blocks = await qmp.execute<{ device: string; inserted?: { image: { 'virtual-size': number; format: string } } }[]>('query-block');
  const actions: { type: string; data: Record<string, unknown> }[] = [];
  for (const d of disks) {
    const image = blocks.find((b) => b.device === d.drive)?.inserted?.image;
    if (!image) throw new VmmError(`QEMU has no drive ${d.drive}`, { code: 'vmm.snapshot_failed' });
    const node = `${d.drive}-${seq}`;
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-F', image.format, '-b', d.frozenPath, `${d.activePath}.new`, String(image['virtual-size'])], {
      hint: 'install qemu-utils (apt-get install qemu-utils)',
    });
    // QEMU remembers a node's file by name and reopens it by that name when the node's access changes
    // (it becomes read-only backing at the next snapshot). `.new` and the VM's path are renamed away
    // below, so the node is added under a name of its own that stays with this layer while QEMU runs.
    const layer = layerPath(d.activePath, seq);
    await link(`${d.activePath}.new`, layer);
    await qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': node, file: { driver: 'file', filename: layer }, backing: null });
    actions.push({ type: 'blockdev-snapshot', data: { node: d.drive, overlay: node } });
  }
  await qmp.execute('transaction', { actions });
  // QEMU holds every file open: renaming them under it is safe, and leaves the VM's paths stable.
  for (const d of disks) await rename(`${d.activePath}.new`, `${d.activePath}.next`);
  for (const d of disks) {
    await rename(d.activePath, d.frozenPath);
    await rename(`${d.activePath}.next`, d.activePath);
  }
}

/** The extra name a layer made by a snapshot keeps while its QEMU runs (see freezeDrives). */
function layerPath(activePath: string, seq: string): string {
  return `${activePath}.layer-${seq}`;
}

/**
 * Removes the layer names a previous QEMU process left next to `activePath`;
 * only before a launch, when no process can reopen them.
 */
export async function removeLayerNames(activePath: string): Promise<void> {
  const dir = dirname(activePath);
  const prefix = `${basename(activePath)}.layer-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) if (n.startsWith(prefix)) await rm(join(dir, n), { force: true });
}

/** Puts a drive whose switch failed halfway back under its own name, so the VM's files stay where its row says. */
async function undoFreeze(d: VmmDiskFreeze): Promise<void> {
  const next = `${d.activePath}.next`;
  // Made but never switched to (the transaction failed): nothing uses it.
  await rm(`${d.activePath}.new`, { force: true });
  const hasFrozen = await pathExists(d.frozenPath);
  const hasNext = await pathExists(next);
  const hasActive = await pathExists(d.activePath);
  // Renamed old content but not the new layer yet: the new layer is what the VM writes, so it takes the name.
  if (hasNext && !hasActive) await rename(next, d.activePath);
  else if (!hasActive && hasFrozen) await rename(d.frozenPath, d.activePath);
}

/** A one-shot Unix socket server that writes the first connection's bytes to `path`. */
async function receiveTo(sockPath: string, path: string): Promise<{ server: Server; done: Promise<void> }> {
  await rm(sockPath, { force: true });
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined);
  const server = createServer((sock: Socket) => {
    server.close();
    pipeline(sock, createWriteStream(path, { mode: 0o600 })).then(resolveDone, rejectDone);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(sockPath, () => res());
  });
  return { server, done };
}

export async function qemuSnapshot(h: VmmProcessHandle, req: VmmSnapshotRequest, opts: { signal?: AbortSignal } = {}): Promise<VmmSnapshotResult> {
  const sockPath = join(dirname(h.apiSockPath), 'migrate.sock');
  const partial = `${req.statePath}.part`;
  let qmp: QmpClient | undefined;
  let sink: Awaited<ReturnType<typeof receiveTo>> | undefined;
  let stoppedAt: number | undefined;
  let wasRunning = false;
  const frozen: VmmDiskFreeze[] = [];
  let switched = false;
  let qemuDowntime = 0;
  let sinkError: unknown;
  try {
    qmp = await QmpClient.connect(h.apiSockPath, { timeoutMs: 5000, signal: opts.signal });
    const st = await qmp.execute<{ status: string; running: boolean }>('query-status');
    wasRunning = st.running;
    if (!wasRunning && st.status !== 'paused' && st.status !== 'postmigrate') {
      throw new VmmError(`cannot snapshot: the machine is ${st.status}`, { code: 'vmm.snapshot_failed', hint: 'start the VM again and retry' });
    }
    sink = await receiveTo(sockPath, partial);
    sink.done.catch((e: unknown) => (sinkError = e));
    // QEMU's default migration bandwidth (32 MiB/s) is meant for a network; this is a local file.
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 8 * 1024 ** 3, 'downtime-limit': 100 });
    await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'pause-before-switchover', state: wasRunning }] });
    const seq = Date.now().toString(36);
    if (!wasRunning) {
      // Already stopped: the disks can switch now, and every byte goes out with the guest still.
      stoppedAt = Date.now();
      frozen.push(...req.disks);
      await freezeDrives(qmp, req.disks, seq);
      switched = true;
    }
    await qmp.execute('migrate', { uri: `unix:${sockPath}` });
    for (;;) {
      if (opts.signal?.aborted) throw new VmmError('snapshot cancelled', { code: 'vmm.aborted' });
      const info = await qmp.execute<MigrateInfo>('query-migrate');
      if (info.status === 'pre-switchover') {
        stoppedAt = Date.now();
        frozen.push(...req.disks);
        await freezeDrives(qmp, req.disks, seq);
        switched = true;
        await qmp.execute('migrate-continue', { state: 'pre-switchover' });
      } else if (info.status === 'completed') {
        qemuDowntime = info.downtime ?? 0;
        break;
      } else if (info.status === 'failed' || info.status === 'cancelled') {
        throw new VmmError(`QEMU could not save the VM state: ${info['error-desc'] ?? JSON.stringify(info)}`, { code: 'vmm.snapshot_failed', hint: 'see the VM console log and bangerd.log' });
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await sink.done;
    // A finished migration leaves the source in `postmigrate` with its disks handed off: `cont` takes them back.
    // A paused guest gets its disks back the same way and is stopped again at once (QEMU 7.2 has no other way to reactivate them).
    await qmp.execute('cont');
    if (!wasRunning) await qmp.execute('stop');
    // Ours counts from when the poll saw the stop (up to POLL_MS late); QEMU's from the stop itself.
    const pausedMs = stoppedAt === undefined || !wasRunning ? 0 : Math.max(Date.now() - stoppedAt, qemuDowntime);
    await rename(partial, req.statePath);
    const stateBytes = (await stat(req.statePath)).size;
    return { pausedMs, stateBytes };
  } catch (err) {
    if (qmp) {
      await qmp.execute('migrate_cancel').catch(() => undefined);
      if (wasRunning) await qmp.execute('cont').catch(() => undefined);
    }
    await rm(partial, { force: true });
    const full = diskFullError(sinkError ?? err, [dirname(req.statePath)], 'writing the snapshot state');
    if (switched) {
      // The disks were frozen at the snapshot instant and the VM already writes to new layers on them:
      // they stay (the caller keeps a disk-only snapshot) while the VM runs on.
      throw new VmmError(`the disks were frozen but the memory state could not be saved: ${(full ?? (err as Error)).message}`, {
        cause: err,
        code: 'vmm.snapshot_state_failed',
        hint: full?.hint ?? 'see the VM console log and bangerd.log',
      });
    }
    for (const d of frozen) await undoFreeze(d).catch(() => undefined);
    if (full) throw full;
    if (err instanceof VmmError) throw err;
    throw new VmmError(`snapshot of qemu pid ${h.pid} failed: ${(err as Error).message}`, { cause: err, code: 'vmm.snapshot_failed', hint: 'see bangerd.log' });
  } finally {
    sink?.server.close();
    await rm(sockPath, { force: true });
    qmp?.close();
  }
}

/**
 * The restore half: a QEMU started with `-incoming defer -S` takes the saved
 * stream on a Unix socket it listens on and waits when it is loaded; then the
 * guest's link is unplugged if asked (`isolated`) and the guest runs.
 */
export async function qemuIncoming(qmp: QmpClient, runtimeDir: string, statePath: string, opts: { signal?: AbortSignal; timeoutMs: number; isolated?: boolean }): Promise<void> {
  const sockPath = join(runtimeDir, 'incoming.sock');
  await rm(sockPath, { force: true });
  try {
    await stat(statePath).catch((e: NodeJS.ErrnoException) => {
      throw new VmmError(`snapshot state ${statePath} is missing (${e.code})`, { code: 'vmm.restore_failed', hint: 'the snapshot is incomplete: delete it (banger vm snapshot delete) and take a new one' });
    });
    await qmp.execute('migrate-incoming', { uri: `unix:${sockPath}` });
    const sock = await new Promise<Socket>((res, rej) => {
      const s = connect(sockPath);
      s.once('connect', () => res(s));
      s.once('error', rej);
    });
    // QEMU closes its end as soon as it has read the stream's end marker, which can beat our own
    // 'finish' (the pipe then reports "Premature close" with every byte delivered). Whether the
    // load worked is QEMU's to say: a failed load ends the process, and the polls below see that.
    const sendError = await pipeline(createReadStream(statePath), sock).then(() => undefined, (e: unknown) => e as Error);
    if (sendError && (sendError as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw sendError;
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (opts.signal?.aborted) throw new VmmError('restore cancelled', { code: 'vmm.aborted' });
      const st = await qmp.execute<{ status: string; running: boolean }>('query-status');
      if (st.running) return;
      // Loaded (QEMU runs with -S): unplug the link if asked, then let the guest run.
      if (st.status === 'paused') {
        if (opts.isolated) await qmp.execute('set_link', { name: 'net0', up: false });
        await qmp.execute('cont');
        continue;
      }
      if (st.status !== 'inmigrate' && st.status !== 'prelaunch') {
        throw new VmmError(`QEMU could not load the snapshot (machine ${st.status})`, { code: 'vmm.restore_failed', hint: 'the snapshot file may be truncated or from another QEMU; see the console log' });
      }
      if (Date.now() > deadline) throw new VmmError(`QEMU did not finish loading the snapshot within ${opts.timeoutMs} ms`, { code: 'vmm.restore_failed' });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await rm(sockPath, { force: true });
  }
}
