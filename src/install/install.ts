import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { DAEMON_UNIT, HELPER_UNIT, renderDaemonUnit, renderHelperUnit, type UnitParams } from './units.js';

/**
 * install / uninstall / status of banger's systemd units, all relative to a
 * root directory (`/` for real, a temp dir in tests). Install records every
 * file it wrote (with its hash) and every directory it created in a metadata
 * file; uninstall removes exactly those, so the root ends as it began.
 */

export const UNIT_DIR = 'etc/systemd/system';
export const TOKEN_PATH = 'etc/banger/helper.token';
export const METADATA_PATH = 'var/lib/banger/install.json';

export interface InstalledFile {
  /** Path relative to the root. */
  path: string;
  sha256: string;
  mode: number;
}

export interface InstallMetadata {
  version: 1;
  installedAt: string;
  ownerUser: string;
  ownerUid: number;
  files: InstalledFile[];
  /** Directories install created (relative), parents first. */
  createdDirs: string[];
}

export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
  /** chown to the owner (the token: the owner's bangerd must read it). */
  ownerOwned?: boolean;
}

export function planInstall(p: UnitParams, token: string = randomBytes(32).toString('hex')): PlannedFile[] {
  return [
    { path: join(UNIT_DIR, HELPER_UNIT), content: renderHelperUnit(p), mode: 0o644 },
    { path: join(UNIT_DIR, DAEMON_UNIT), content: renderDaemonUnit(p), mode: 0o644 },
    { path: TOKEN_PATH, content: `${token}\n`, mode: 0o600, ownerOwned: true },
  ];
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function readMetadata(root: string): InstallMetadata | null {
  const path = join(root, METADATA_PATH);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as InstallMetadata;
}

export interface InstallOptions {
  root: string;
  ownerUser: string;
  ownerUid: number;
  ownerGid: number;
  /** chown owner-owned files (only possible as root). @default process is root */
  chownFiles?: boolean;
}

/** Writes the planned files and the metadata. Refuses to overwrite anything it did not install. */
export function installFiles(plan: PlannedFile[], opts: InstallOptions): InstallMetadata {
  if (readMetadata(opts.root)) {
    throw new ConflictError(`banger is already installed under ${opts.root}`, { code: 'system.already_installed', hint: 'run banger system uninstall first, then install again' });
  }
  for (const f of plan) {
    if (existsSync(join(opts.root, f.path))) {
      throw new ConflictError(`${join(opts.root, f.path)} already exists and was not written by banger`, { code: 'system.file_exists', hint: 'move it away, then install again' });
    }
  }
  const createdDirs: string[] = [];
  const ensureDir = (rel: string) => {
    const missing: string[] = [];
    for (let d = rel; d !== '.' && d !== '' && !existsSync(join(opts.root, d)); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(join(opts.root, d), { mode: 0o755 });
      createdDirs.push(d);
    }
  };
  const chownFiles = opts.chownFiles ?? process.getuid?.() === 0;
  const files: InstalledFile[] = [];
  for (const f of plan) {
    ensureDir(dirname(f.path));
    const abs = join(opts.root, f.path);
    writeFileSync(abs, f.content, { mode: f.mode, flag: 'wx' });
    if (f.ownerOwned && chownFiles) chownSync(abs, opts.ownerUid, opts.ownerGid);
    files.push({ path: f.path, sha256: sha256(f.content), mode: f.mode });
  }
  ensureDir(dirname(METADATA_PATH));
  const meta: InstallMetadata = { version: 1, installedAt: new Date().toISOString(), ownerUser: opts.ownerUser, ownerUid: opts.ownerUid, files, createdDirs };
  writeFileSync(join(opts.root, METADATA_PATH), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return meta;
}

export interface FileStatus extends InstalledFile {
  state: 'ok' | 'modified' | 'missing';
}

export function fileStatuses(root: string, meta: InstallMetadata): FileStatus[] {
  return meta.files.map((f) => {
    const abs = join(root, f.path);
    if (!existsSync(abs)) return { ...f, state: 'missing' };
    return { ...f, state: sha256(readFileSync(abs)) === f.sha256 ? 'ok' : 'modified' };
  });
}

export interface UninstallResult {
  removed: string[];
  /** Files changed since install, left in place (unless force). */
  kept: string[];
  removedDirs: string[];
}

/**
 * Removes exactly what install recorded: files whose hash still matches (or
 * all with `force`), then the directories install created if they are empty,
 * then the metadata.
 */
export function uninstallFiles(root: string, opts: { force?: boolean } = {}): UninstallResult {
  const meta = readMetadata(root);
  if (!meta) throw new NotFoundError(`banger is not installed under ${root} (no ${METADATA_PATH})`, { code: 'system.not_installed', hint: 'nothing to uninstall' });
  const result: UninstallResult = { removed: [], kept: [], removedDirs: [] };
  for (const f of fileStatuses(root, meta)) {
    if (f.state === 'missing') continue;
    if (f.state === 'modified' && !opts.force) {
      result.kept.push(f.path);
      continue;
    }
    unlinkSync(join(root, f.path));
    result.removed.push(f.path);
  }
  unlinkSync(join(root, METADATA_PATH));
  for (const d of [...meta.createdDirs].reverse()) {
    const abs = join(root, d);
    if (existsSync(abs) && readdirSync(abs).length === 0) {
      rmdirSync(abs);
      result.removedDirs.push(d);
    }
  }
  return result;
}
