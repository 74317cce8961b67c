import { lstat, mkdir, readFile, readlink, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { quoteForSshConfig } from './render.js';

/**
 * Adds or removes a marker-fenced Include of banger's ssh_config at the top of
 * the user's ~/.ssh/config. Install is idempotent; uninstall removes exactly the
 * block install added, so install + uninstall leaves the file byte-identical.
 */
export const BEGIN_MARKER = '# >>> banger ssh-config >>>';
export const END_MARKER = '# <<< banger ssh-config <<<';

export function userSshConfigPath(home: string): string {
  return join(home, '.ssh', 'config');
}

/** Notes inside the block recording what install created, so uninstall removes exactly that. */
const CREATED_FILE_NOTE = '# banger created this file; banger ssh-config --uninstall removes it';
const CREATED_DIR_NOTE = '# banger created ~/.ssh; banger ssh-config --uninstall removes it when empty';

export interface IncludeCreated {
  /** Install created ~/.ssh/config (it did not exist). */
  file?: boolean;
  /** Install created ~/.ssh itself. */
  dir?: boolean;
}

export function includeBlock(bangerSshConfigPath: string, created: IncludeCreated = {}): string {
  // At the top: an Include after a Host line would only apply inside that Host block.
  const notes = [created.file ? CREATED_FILE_NOTE : null, created.dir ? CREATED_DIR_NOTE : null].filter((l): l is string => l !== null);
  return [BEGIN_MARKER, ...notes, `Include ${quoteForSshConfig(bangerSshConfigPath)}`, END_MARKER, ''].join('\n');
}

/**
 * Returns the content with the block added; an existing block is kept where
 * it is, with its Include repointed when banger's config dir moved. Pure.
 */
export function withInclude(content: string, bangerSshConfigPath: string, created: IncludeCreated = {}): string {
  const span = blockSpan(content);
  if (!span) return includeBlock(bangerSshConfigPath, created) + content;
  const block = includeBlock(bangerSshConfigPath, createdByInstall(content));
  return content.slice(0, span.start) + block + content.slice(span.end);
}

/** Returns the content with banger's block removed (unchanged if absent). Pure. */
export function withoutInclude(content: string): string {
  const span = blockSpan(content);
  return span ? content.slice(0, span.start) + content.slice(span.end) : content;
}

/** What the installed block says install created (for an exact uninstall). Pure. */
export function createdByInstall(content: string): IncludeCreated {
  const span = blockSpan(content);
  if (!span) return {};
  const lines = content.slice(span.start, span.end).split('\n');
  return { file: lines.includes(CREATED_FILE_NOTE), dir: lines.includes(CREATED_DIR_NOTE) };
}

export function hasBlock(content: string): boolean {
  return blockSpan(content) !== undefined;
}

/** The block's byte range; both markers must start a line. */
function blockSpan(content: string): { start: number; end: number } | undefined {
  const head = `${BEGIN_MARKER}\n`;
  const tail = `${END_MARKER}\n`;
  let start = 0;
  if (!content.startsWith(head)) {
    const i = content.indexOf(`\n${head}`);
    if (i < 0) return undefined;
    start = i + 1;
  }
  const e = content.indexOf(`\n${tail}`, start);
  if (e < 0) return undefined;
  return { start, end: e + 1 + tail.length };
}

/**
 * Adds the Include. Idempotent: an installed block is left as it is. When
 * ~/.ssh/config is a symlink (dotfile managers), the file it points to is
 * edited and the link kept.
 */
export async function installInclude(home: string, bangerSshConfigPath: string): Promise<{ changed: boolean; path: string }> {
  const path = await resolveTarget(userSshConfigPath(home));
  const before = await readOptional(path);
  if (before !== null && hasBlock(before)) {
    const after = withInclude(before, bangerSshConfigPath);
    if (after === before) return { changed: false, path };
    await writeAtomic(path, after, (await stat(path)).mode & 0o777);
    return { changed: true, path };
  }
  const created: IncludeCreated = { file: before === null };
  if (before === null && !(await exists(dirname(path)))) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    created.dir = true;
  }
  const after = withInclude(before ?? '', bangerSshConfigPath, created);
  await writeAtomic(path, after, before === null ? 0o600 : (await stat(path)).mode & 0o777);
  return { changed: true, path };
}

/** Removes exactly the block install added, and the file and ~/.ssh when install created them. */
export async function uninstallInclude(home: string): Promise<{ changed: boolean; path: string }> {
  const path = await resolveTarget(userSshConfigPath(home));
  const before = await readOptional(path);
  if (before === null || !hasBlock(before)) return { changed: false, path };
  const created = createdByInstall(before);
  const after = withoutInclude(before);
  if (after.length === 0 && created.file) {
    await rm(path, { force: true });
    if (created.dir) await rmdir(dirname(path)).catch(() => undefined); // not empty: the user has put things there since
  } else {
    await writeAtomic(path, after, (await stat(path)).mode & 0o777);
  }
  return { changed: true, path };
}

/**
 * `current` when the block includes `bangerSshConfigPath`, `stale` when it
 * includes another path (banger's config dir moved), `absent` otherwise.
 */
export async function includeStatus(home: string, bangerSshConfigPath: string): Promise<'absent' | 'current' | 'stale'> {
  const content = await readOptional(await resolveTarget(userSshConfigPath(home)));
  if (content === null || !hasBlock(content)) return 'absent';
  return withInclude(content, bangerSshConfigPath) === content ? 'current' : 'stale';
}

export async function isIncludeInstalled(home: string): Promise<boolean> {
  const content = await readOptional(await resolveTarget(userSshConfigPath(home)));
  return content !== null && hasBlock(content);
}

/** Follows a symlinked ~/.ssh/config to the file it names, so the rename below never replaces the link. */
async function resolveTarget(path: string, depth = 0): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isSymbolicLink() || depth > 40) return path;
  const target = await readlink(path);
  return resolveTarget(isAbsolute(target) ? target : join(dirname(path), target), depth + 1);
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.banger-tmp-${process.pid}`;
  try {
    await writeFile(tmp, content, { mode });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
