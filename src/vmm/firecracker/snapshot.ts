import { rm, stat } from 'node:fs/promises';
import { VmmError } from '../../errors/index.js';
import type { VmmProcessHandle, VmmSnapshotRequest, VmmSnapshotResult } from '../../model/vmm.js';
import { fcCall } from './api-client.js';
import { freezeDisk, type CloneFile } from './reflink.js';
import { pathExists } from '../../host/path-exists.js';
import { moveOut, type SnapshotOutputs } from './jail.js';

/**
 * A Firecracker snapshot of a live VM: pause, PUT /snapshot/create (vmstate +
 * memory file), reflink each raw disk while the vCPUs are still stopped (so
 * disks and memory agree), resume. On any failure the VM is resumed if this
 * paused it and every file this started is removed.
 */

/** Writing the memory file takes about as long as writing that many GiB to disk. */
const SNAPSHOT_CREATE_TIMEOUT_MS = 10 * 60_000;

interface TakeSnapshotOptions {
  clone: CloneFile;
  signal?: AbortSignal;
  /** A jailed VM: Firecracker writes inside its chroot, and the files are moved to the request's paths. */
  outputs?: SnapshotOutputs;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VmmError('snapshot cancelled', { code: 'vmm.aborted', hint: 'nothing was kept; take the snapshot again' });
}


/** The error for a failed step: Firecracker's own (fault_message and hint) kept as is, anything else given a hint. */
function asSnapshotError(e: unknown, pid: number, signal: AbortSignal | undefined): VmmError {
  if (e instanceof VmmError && e.hint) return e;
  if (signal?.aborted) return new VmmError('snapshot cancelled', { cause: e, code: 'vmm.aborted', hint: 'nothing was kept; take the snapshot again' });
  return new VmmError(`snapshot of firecracker pid ${pid} failed: ${(e as Error).message}`, {
    cause: e,
    code: 'vmm.snapshot_failed',
    hint: 'see the VM log file; the VMM may be hung (stop the VM with --force)',
  });
}

export async function takeSnapshot(h: VmmProcessHandle, req: VmmSnapshotRequest, opts: TakeSnapshotOptions): Promise<VmmSnapshotResult> {
  const { signal } = opts;
  const out = opts.outputs;
  const targets = [req.statePath, req.memoryPath, ...req.disks.map((d) => d.frozenPath), ...(out ? [out.hostStatePath, out.hostMemoryPath] : [])];
  // Never overwrite (and on failure remove) a file this call did not make: a frozen disk may back other layers.
  for (const t of targets) {
    if (await pathExists(t)) {
      throw new VmmError(`cannot snapshot: ${t} already exists`, { code: 'vmm.snapshot_failed', hint: 'each snapshot needs fresh files; this is a bug in banger if it reuses a path' });
    }
  }
  checkAborted(signal);

  let wePaused = false;
  let pausedAt = 0;
  let pausedMs = 0;
  try {
    const info = (await fcCall(h.apiSockPath, 'GET', '/', undefined, { signal })) as { state?: string } | undefined;
    const state = info?.state;
    if (state !== 'Running' && state !== 'Paused') {
      throw new VmmError(`cannot snapshot: firecracker pid ${h.pid} reports state ${JSON.stringify(state)}`, {
        code: 'vmm.snapshot_failed',
        hint: 'only a started VM (running or paused) can be snapshotted',
      });
    }
    if (state === 'Running') {
      // Not on `signal` either: a pause aborted after Firecracker acted on it would leave the VM paused unnoticed.
      await fcCall(h.apiSockPath, 'PATCH', '/vm', { state: 'Paused' });
      wePaused = true;
      pausedAt = performance.now();
    }
    checkAborted(signal);
    // Not cancelled midway: Firecracker would write on regardless and the resume below would wait behind it.
    await fcCall(
      h.apiSockPath,
      'PUT',
      '/snapshot/create',
      { snapshot_type: 'Full', snapshot_path: out?.statePath ?? req.statePath, mem_file_path: out?.memoryPath ?? req.memoryPath },
      { timeoutMs: SNAPSHOT_CREATE_TIMEOUT_MS },
    );
    if (out) {
      await moveOut(out.hostStatePath, req.statePath);
      await moveOut(out.hostMemoryPath, req.memoryPath);
    }
    for (const d of req.disks) {
      checkAborted(signal);
      await freezeDisk(opts.clone, d.activePath, d.frozenPath);
    }
    checkAborted(signal);
    if (wePaused) {
      // Not on `signal`: a VM we paused is resumed even if the caller gave up meanwhile.
      await fcCall(h.apiSockPath, 'PATCH', '/vm', { state: 'Resumed' });
      wePaused = false;
      pausedMs = Math.round(performance.now() - pausedAt);
    }
    const sizes = await Promise.all([req.statePath, req.memoryPath].map((p) => stat(p).then((s) => s.size)));
    return { pausedMs, stateBytes: sizes.reduce((a, b) => a + b, 0) };
  } catch (e) {
    const err = asSnapshotError(e, h.pid, signal);
    let resumeFailure: Error | undefined;
    if (wePaused) {
      // A timed-out create may still be running in Firecracker, and this waits behind it.
      resumeFailure = await fcCall(h.apiSockPath, 'PATCH', '/vm', { state: 'Resumed' }, { timeoutMs: SNAPSHOT_CREATE_TIMEOUT_MS }).then(
        () => undefined,
        (re: unknown) => re as Error,
      );
    }
    await Promise.all(targets.map((t) => rm(t, { force: true })));
    if (!resumeFailure) throw err;
    throw new VmmError(`${err.message}; and the VM could not be resumed: ${resumeFailure.message}`, {
      cause: err,
      code: err.code,
      hint: `the VM is left paused: resume it (banger vm resume) or stop it with --force. ${err.hint ?? ''}`.trim(),
    });
  }
}
