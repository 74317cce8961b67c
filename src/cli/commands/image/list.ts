import { formatSize, shortImageSource } from '../../../model/index.js';
import { age, renderTable } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'List images';

export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const images = await client.call('image.list', {});
    if (images.length === 0) return { data: images, human: 'no images yet' };
    const rows = images.map((i) => [
      i.name,
      i.profile,
      // Short: `pull debian:bookworm`; image show has the digest and platform.
      i.source === undefined ? '-' : shortImageSource(i.source),
      i.managed ? 'yes' : 'no',
      i.sizeBytes === undefined ? '-' : formatSize(i.sizeBytes),
      age(i.createdAt),
    ]);
    return { data: images, human: renderTable(['name', 'profile', 'source', 'managed', 'size', 'created'], rows) };
  } finally {
    client.close();
  }
}
