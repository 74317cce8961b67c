import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image } from '../model/index.js';

/**
 * image.json beside an image's artifacts mirrors its row (staging.commit
 * writes it); fields the row gains later are merged in so it keeps saying
 * the same. Best effort: nothing reads it back, so a missing or unreadable
 * file changes nothing banger does.
 */
export async function mergeIntoImageJson(dir: string, fields: Partial<Image>): Promise<void> {
  const file = join(dir, 'image.json');
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...record, ...fields }, null, 2) + '\n');
  } catch {
    // See above: the row is the truth.
  }
}
