import { createWriteStream } from 'node:fs';
import { lstat, lutimes, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Header as Headers } from 'tar-stream';
import { run } from '../../host/exec/index.js';
import type { OwnershipSink } from '../../host/storage/index.js';
import { ImportRefusedError, checkSegment, entrySegments, whiteoutOf } from './entry-path.js';

/**
 * Writes archive entries into a staging root without ever following a
 * symlink on the host: every parent path is resolved segment by segment with
 * lstat, symlinks met on the way are resolved inside the root (relative ones
 * that would leave the root, and absolute ones, are refused), the leaf is
 * unlinked before it is created (O_EXCL), and ownership/modes use the l*
 * calls. Symlink entries themselves are stored exactly as they are.
 * Owners, modes, device nodes and removals go through an OwnershipSink: the
 * host files as root, a record applied by fakeroot at mkfs time otherwise.
 */
/** A tar entry's data: tar-stream's streamx readable (async-iterable, resumable). */
export type EntryBody = AsyncIterable<unknown> & { resume(): unknown };

export class RootWriter {
  /** Paths (joined segments) written in the current layer, for opaque dirs. */
  private touched = new Set<string>();
  private opaque: string[][] = [];
  private dirMeta: { path: string; mode: number; mtime?: Date }[] = [];

  private readonly owners: OwnershipSink;

  constructor(
    readonly root: string,
    private readonly opts: { whiteouts: boolean; ownership: OwnershipSink },
  ) {
    this.owners = opts.ownership;
  }

  beginLayer(): void {
    this.touched = new Set();
    this.opaque = [];
  }

  /** Applies opaque directories (removing what lower layers put there) once the layer is complete. */
  async endLayer(): Promise<void> {
    for (const dir of this.opaque) {
      const abs = await this.resolveDir(dir.join('/'), dir, false);
      if (abs) await this.prune(abs, dir.join('/'));
    }
  }

  /** Sets directory modes and times last, so later writes inside them do not disturb either. */
  async finish(): Promise<void> {
    for (const d of this.dirMeta.reverse()) {
      await this.owners.chmod(d.path, d.mode);
      if (d.mtime) await utimes(d.path, d.mtime, d.mtime);
    }
  }

  async apply(h: Headers, body: EntryBody, signal?: AbortSignal): Promise<void> {
    // tar-stream folds pax and GNU long-name headers into the entry they describe.
    const type: string = h.type ?? 'file';
    const segs = entrySegments(h.name);
    const rel = segs.join('/');
    if (this.opts.whiteouts) {
      const wo = whiteoutOf(segs);
      if (wo) {
        body.resume();
        const dirRel = wo.dir.join('/');
        if (wo.kind === 'opaque') this.opaque.push(wo.dir);
        else {
          const parent = await this.resolveDir(h.name, wo.dir, false);
          if (parent) await this.remove(join(parent, wo.name));
        }
        this.touch(dirRel);
        return;
      }
    }
    if (segs.length === 0) {
      // The root itself ("./"): only its metadata.
      body.resume();
      if (type === 'directory') this.dirMeta.push({ path: this.root, mode: (h.mode ?? 0o755) & 0o7777, mtime: h.mtime });
      return;
    }
    const parent = await this.resolveDir(h.name, segs.slice(0, -1), true);
    if (!parent) throw new ImportRefusedError(h.name, 'has a parent that is not a directory');
    const leaf = join(parent, segs[segs.length - 1]!);
    this.touch(rel);
    const existing = await lstat(leaf).catch(() => undefined);
    if (existing && !(type === 'directory' && existing.isDirectory())) await this.remove(leaf);
    const mode = (h.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o7777;

    switch (type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(leaf, { mode: 0o700 });
        body.resume();
        await this.own(h, leaf);
        this.dirMeta.push({ path: leaf, mode, mtime: h.mtime });
        return;
      case 'file':
      case 'contiguous-file':
        // 'wx' = O_CREAT|O_EXCL: never opens through a symlink planted at the leaf.
        await pipeline(body, createWriteStream(leaf, { flags: 'wx', mode: 0o600 }), { signal });
        break;
      case 'symlink': {
        body.resume();
        const target = h.linkname ?? '';
        if (!target) throw new ImportRefusedError(h.name, 'is a symlink with an empty target');
        // Stored verbatim (absolute ones too: they resolve inside the guest), but must be encodable.
        for (const seg of target.split('/')) if (seg && seg !== '.' && seg !== '..') checkSegment(h.name, seg);
        await symlink(target, leaf);
        await this.own(h, leaf);
        if (h.mtime) await lutimes(leaf, h.mtime, h.mtime);
        return;
      }
      case 'link': {
        body.resume();
        const tsegs = entrySegments(h.linkname ?? '', 'hardlink target', h.name);
        const tparent = tsegs.length ? await this.resolveDir(h.name, tsegs.slice(0, -1), false) : undefined;
        const target = tparent ? join(tparent, tsegs[tsegs.length - 1]!) : undefined;
        const tst = target ? await lstat(target).catch(() => undefined) : undefined;
        if (!target || !tst || tst.isDirectory()) {
          throw new ImportRefusedError(h.name, `is a hardlink to ${JSON.stringify(h.linkname)}, which is not a file earlier in the archive`);
        }
        await this.owners.link(target, leaf);
        return;
      }
      case 'character-device':
      case 'block-device':
        body.resume();
        await this.owners.mknod(leaf, type === 'block-device' ? 'block' : 'char', h.devmajor ?? 0, h.devminor ?? 0, signal);
        break;
      case 'fifo':
        body.resume();
        await run('mkfifo', [leaf], { signal });
        break;
      default:
        body.resume();
        throw new ImportRefusedError(h.name, `has an unsupported type ${String(type)}`);
    }
    await this.own(h, leaf);
    // chmod after chown: chown clears setuid/setgid bits.
    await this.owners.chmod(leaf, mode);
    if (h.mtime) await utimes(leaf, h.mtime, h.mtime);
  }

  /**
   * Resolves a directory path inside the root, segment by segment. Missing
   * directories are created when `create`; symlinks are followed inside the
   * root only. Returns undefined when a segment is missing (and !create) or
   * not a directory.
   */
  private async resolveDir(entry: string, segs: readonly string[], create: boolean): Promise<string | undefined> {
    let cur: string[] = [];
    const queue = [...segs];
    let hops = 0;
    while (queue.length) {
      const seg = queue.shift()!;
      const abs = join(this.root, ...cur, seg);
      const st = await lstat(abs).catch(() => undefined);
      if (!st) {
        if (!create) return undefined;
        await mkdir(abs, { mode: 0o755 });
        cur.push(seg);
        continue;
      }
      if (st.isDirectory()) {
        cur.push(seg);
        continue;
      }
      if (!st.isSymbolicLink()) return undefined;
      if (++hops > 40) throw new ImportRefusedError(entry, 'passes through too many symlinks');
      const target = await readlink(abs);
      if (target.startsWith('/')) {
        throw new ImportRefusedError(entry, `passes through the absolute symlink ${[...cur, seg].join('/')} -> ${target}; refusing to follow it`);
      }
      // Resolve the relative target from the symlink's directory, never above the root.
      const next = [...cur];
      for (const t of target.split('/')) {
        if (t === '' || t === '.') continue;
        if (t === '..') {
          if (next.length === 0) {
            throw new ImportRefusedError(entry, `passes through the symlink ${[...cur, seg].join('/')} -> ${target}, which resolves outside the root`);
          }
          next.pop();
        } else next.push(t);
      }
      // Re-walk the resolved path (it may contain further symlinks).
      queue.unshift(...next);
      cur = [];
    }
    return join(this.root, ...cur);
  }

  private touch(rel: string): void {
    if (rel) this.touched.add(rel);
  }

  private async prune(abs: string, rel: string): Promise<void> {
    for (const name of await readdir(abs)) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childAbs = join(abs, name);
      const kept = this.touched.has(childRel);
      const hasTouchedBelow = [...this.touched].some((t) => t.startsWith(`${childRel}/`));
      const st = await lstat(childAbs);
      if (st.isDirectory() && (kept || hasTouchedBelow)) await this.prune(childAbs, childRel);
      else if (!kept) await this.remove(childAbs);
    }
  }

  private own(h: Headers, path: string): Promise<void> {
    return this.owners.chown(path, h.uid ?? 0, h.gid ?? 0);
  }

  /** Removes an entry (and what is under it), and forgets the directory modes it had pending. */
  private async remove(abs: string): Promise<void> {
    await this.owners.remove(abs);
    this.dirMeta = this.dirMeta.filter((d) => d.path !== abs && !d.path.startsWith(abs + sep));
  }
}
