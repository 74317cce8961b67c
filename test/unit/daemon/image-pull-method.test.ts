import { describe, expect, it } from 'vitest';
import type { DaemonContext } from '../../../src/daemon/index.js';
import { imageMethods } from '../../../src/daemon/methods/index.js';
import type { CallInfo } from '../../../src/daemon/methods/types.js';
import type { ImagesService } from '../../../src/images/index.js';
import type { Image } from '../../../src/model/index.js';
import { ImagePullParams } from '../../../src/rpc/methods.js';
import type { RpcConnection } from '../../../src/wire/index.js';

/** image.pull hands its params to the images service and streams progress under the name the image will get. */
describe('the image.pull method', () => {
  async function run(params: unknown) {
    const notes: unknown[] = [];
    const seen: unknown[] = [];
    const images = {
      pull: async (req: unknown, opts: { onProgress?: (s: string, d?: string) => void }) => {
        seen.push(req);
        opts.onProgress?.('pull.layer', 'layer 1/1');
        return { image: { name: 'x' } as Image, unchanged: false };
      },
    } as Partial<ImagesService> as ImagesService;
    const ctx = { services: { images } } as unknown as DaemonContext;
    const call = { conn: { id: 1, notify: (method: string, p: unknown) => notes.push({ method, p }) } as unknown as RpcConnection } as CallInfo;
    const m = imageMethods['image.pull'];
    await m.handler(m.params.parse(params), ctx, call);
    return { notes, seen };
  }

  it('names progress by --name, else REPO-TAG, else the reference as given', async () => {
    expect((await run({ reference: 'debian:bookworm', name: 'deb' })).notes).toEqual([{ method: 'image.progress', p: { image: 'deb', step: 'pull.layer', detail: 'layer 1/1' } }]);
    expect((await run({ reference: 'ghcr.io/o/tool:v1' })).notes).toMatchObject([{ p: { image: 'tool-v1' } }]);
    expect((await run({ reference: 'Bad Ref' })).notes).toMatchObject([{ p: { image: 'Bad Ref' } }]);
    expect((await run({ reference: 'a:1', platform: 'linux/arm64', kernelFrom: 'minimal' })).seen).toEqual([{ reference: 'a:1', platform: 'linux/arm64', kernelFrom: 'minimal' }]);
  });

  it('refuses unknown or missing params', () => {
    expect(ImagePullParams.safeParse({ name: 'x' }).success).toBe(false);
    expect(ImagePullParams.safeParse({ reference: 'a', source: '/x' }).success).toBe(false);
    expect(ImagePullParams.safeParse({ reference: '' }).success).toBe(false);
  });
});
