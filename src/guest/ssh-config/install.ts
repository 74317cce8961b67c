import { mkdir, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

export function includeBlock(bangerSshConfigPath: string): string {
  // At the top: an Include after a Host line would only apply inside that Host block.
  return `${BEGIN_MARKER}\nInclude ${quoteForSshConfig(bangerSshConfigPath)}\n${END_MARKER}\n`;
}

/** Returns the file content with the block added (unchanged if present). Pure. */
export function withInclude(content: string, bangerSshConfigPath: string): string {
  if (hasBlock(content)) return content;
  return includeBlock(bangerSshConfigPath) + content;
}

/** Returns the content with banger's block removed (unchanged if absent). Pure. */
export function withoutInclude(content: string): string {
  const start = content.indexOf(`${BEGIN_MARKER}\n`);
  if (start < 0) return content;
  const endAt = content.indexOf(`${END_MARKER}\n`, start);
  if (endAt < 0) return content;
  return content.slice(0, start) + content.slice(endAt + END_MARKER.length + 1);
}

export function hasBlock(content: string): boolean {
  return content.includes(`${BEGIN_MARKER}\n`) && content.includes(`${END_MARKER}\n`);
}

export async function installInclude(home: string, bangerSshConfigPath: string): Promise<{ changed: boolean; path: string }> {
  const path = userSshConfigPath(home);
  const before = await readOptional(path);
  const after = withInclude(before ?? '', bangerSshConfigPath);
  if (before !== null && after === before) return { changed: false, path };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeAtomic(path, after, before === null ? 0o600 : (await stat(path)).mode & 0o777);
  return { changed: true, path };
}

export async function uninstallInclude(home: string): Promise<{ changed: boolean; path: string }> {
  const path = userSshConfigPath(home);
  const before = await readOptional(path);
  if (before === null || !hasBlock(before)) return { changed: false, path };
  const after = withoutInclude(before);
  if (after.length === 0) {
    // The file held only banger's block: install created it, so uninstall removes it.
    await rm(path, { force: true });
  } else {
    await writeAtomic(path, after, (await stat(path)).mode & 0o777);
  }
  return { changed: true, path };
}

export async function isIncludeInstalled(home: string): Promise<boolean> {
  const content = await readOptional(userSshConfigPath(home));
  return content !== null && hasBlock(content);
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
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}
