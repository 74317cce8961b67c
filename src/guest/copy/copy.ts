import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Client } from 'ssh2';
import { BangerError, InvalidInputError, NotFoundError } from '../../errors/index.js';
import { createSafeExtractor } from './extract.js';
import { packHostPath } from './pack.js';
import { baseOf, planTarget, type PathKind } from './plan.js';
import { channelResult, extractCommand, guestTarError, openChannel, packCommand, probeDest, probeSource } from './remote.js';

/** What a finished copy did (the `--json` summary, plus the totals line). */
export interface CopySummary {
  direction: 'in' | 'out';
  source: string;
  destination: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

export interface CopyOptions {
  vm: string;
  hostPath: string;
  guestPath: string;
  onBytes?: (n: number) => void;
  /** Called once the size is known (host → guest only). */
  onTotal?: (bytes: number) => void;
}

/** lstat's kind of a host path; `followDir` counts a link to a directory as the directory (a DST given by the user). */
async function hostKind(path: string, followDir = false): Promise<PathKind> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) {
      if (followDir && (await stat(path).catch(() => undefined))?.isDirectory()) return 'dir';
      return 'symlink';
    }
    if (st.isDirectory()) return 'dir';
    return st.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return 'none';
    throw err;
  }
}

/** Throws NotFoundError when a host source is missing; returns its kind. */
export async function checkHostSource(path: string): Promise<Exclude<PathKind, 'none'>> {
  const k = await hostKind(path);
  if (k === 'none') throw new NotFoundError(`${path}: no such file or directory on the host`, { code: 'cp.src_missing', hint: 'check the path (relative paths start from the current directory)' });
  return k;
}

const ABANDON_MS = 5000;
function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

/**
 * Host → guest: plans the target like cp (into an existing directory, or
 * under a new name), then streams a tar built on the host into `tar -x` in
 * the guest over one exec channel. Nothing is written in the guest before the
 * plan holds; a failed extraction removes a target that did not exist before.
 */
export async function copyIn(client: Client, o: CopyOptions): Promise<CopySummary> {
  const srcKind = await checkHostSource(o.hostPath);
  const srcBase = basename(resolve(o.hostPath));
  const label = `${o.vm}:${o.guestPath}`;
  const kinds = await probeDest(client, o.guestPath, srcBase);
  const target = planTarget({ src: srcKind, srcBase, dst: o.guestPath, dstLabel: label, dstKind: kinds.dst, parentKind: kinds.parent, childKind: kinds.child });
  if (srcKind === 'file') o.onTotal?.((await stat(o.hostPath)).size);

  const packed = packHostPath(o.hostPath, target.name, { onBytes: o.onBytes });
  const ch = await openChannel(client, extractCommand(target.dir, target.name, target.existed));
  const result = channelResult(ch);
  const packOutcome = packed.done.then(
    (t) => ({ ok: true as const, t }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  // A host read failure ends the channel without EOF: the guest tar sees a short archive, fails and cleans up.
  void packOutcome.then((o2) => {
    if (!o2.ok) ch.close();
  });
  ch.on('error', () => undefined);
  // ssh2 emits a channel's 'close' only once its stdout was read to the end: drain it (tar -x prints nothing there).
  ch.resume();
  // A guest tar that exits early closes the channel under the pack: that is reported from the exit status below.
  packed.stream.on('error', () => undefined);
  packed.stream.pipe(ch);
  const res = await result;
  const outcome = await settleWithin(packOutcome, res.code === 0 ? ABANDON_MS : 0);
  // A host read failure is the cause even though the guest's tar then failed too; a pack that died because the channel closed is not.
  if (outcome && !outcome.ok && outcome.e instanceof BangerError && outcome.e.code.startsWith('cp.src')) throw outcome.e;
  if (res.code !== 0 || !outcome) {
    packed.stream.destroy();
    throw guestTarError(o.vm, `writing ${label}`, res);
  }
  if (!outcome.ok) throw outcome.e;
  const t = outcome.t;
  const destination = `${o.vm}:${target.dir.replace(/\/+$/, '')}/${target.name}`;
  return { direction: 'in', source: o.hostPath, destination, files: t.files, dirs: t.dirs, symlinks: t.symlinks, bytes: t.bytes };
}

/**
 * Guest → host: `tar -c` in the guest streamed into the safe extractor under
 * the planned host directory. The guest is not trusted: see createSafeExtractor.
 * On any failure what this copy created on the host is removed.
 */
export async function copyOut(client: Client, o: CopyOptions): Promise<CopySummary> {
  const label = `${o.vm}:${o.guestPath}`;
  const srcBase = baseOf(o.guestPath.replace(/^~\/?/, ''));
  if (!srcBase) {
    throw new InvalidInputError(`name a file or directory to copy out of ${o.vm}, not ${JSON.stringify(o.guestPath)}`, { code: 'cp.bad_path', hint: `e.g. banger vm cp ${o.vm}:/root/dir ./` });
  }
  const srcKind = await probeSource(client, o.guestPath);
  if (srcKind === 'none') throw new NotFoundError(`${label}: no such file or directory in VM ${o.vm}`, { code: 'cp.src_missing', hint: `look with banger vm ssh ${o.vm} -- ls -la ${dirname(o.guestPath)}` });
  const dst = o.hostPath;
  const dstKind = await hostKind(dst, true);
  const target = planTarget({
    src: srcKind,
    srcBase,
    dst,
    dstLabel: dst,
    dstKind,
    parentKind: dstKind === 'none' ? await hostKind(dirname(resolve(dst)), true) : 'dir',
    childKind: dstKind === 'dir' ? await hostKind(join(dst, srcBase)) : 'none',
  });
  // The destination directory is the user's choice (it may be reached through a link); below it nothing is followed.
  const destDir = await realpath(target.dir);
  const ex = createSafeExtractor({ destDir, fromName: srcBase, toName: target.name, source: label, onBytes: o.onBytes });
  const ch = await openChannel(client, packCommand(o.guestPath));
  const result = channelResult(ch);
  const exOutcome = ex.done.then(
    (t) => ({ ok: true as const, t }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  // The host refused an entry or its disk is full: stop the guest's tar now rather than drain it.
  void exOutcome.then((x) => {
    if (x.ok) return;
    // Drain what is still in flight: ssh2 emits the channel's 'close' (and so its exit status) only once stdout was read to the end.
    ch.unpipe();
    ch.resume();
    ch.close();
  });
  ch.on('error', () => undefined);
  // Errors of the extractor surface through ex.done.
  ex.stream.on('error', () => undefined);
  ch.pipe(ex.stream);
  const res = await result;
  const outcome = await settleWithin(exOutcome, res.code === 0 ? ABANDON_MS : 1000);
  // The host's own refusal (unsafe entry, full disk, a clash) is the cause; an archive cut short is the guest tar's failure.
  const hostFault = outcome && !outcome.ok && outcome.e instanceof BangerError && outcome.e.code.startsWith('cp.');
  if (hostFault || (outcome && !outcome.ok && res.code === 0)) {
    await ex.rollback();
    throw (outcome as { e: unknown }).e;
  }
  if (res.code !== 0 || !outcome || !outcome.ok) {
    ex.stream.destroy();
    await ex.rollback();
    throw guestTarError(o.vm, `reading ${label}`, res);
  }
  const t = outcome.t;
  return { direction: 'out', source: label, destination: join(target.dir, target.name), files: t.files + t.hardlinks, dirs: t.dirs, symlinks: t.symlinks, bytes: t.bytes };
}
