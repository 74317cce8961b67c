import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upgradeImageVmlinuxes } from '../../../src/images/upgrade-vmlinux.js';
import type { Image } from '../../../src/model/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { createTempRoot, makeImage, type TempRoot } from '../../helpers/index.js';
import { makeBzImage, makeElf } from '../../helpers/kernel-fixtures.js';

/** bangerd's start-time upgrade of images built before they carried a vmlinux. */
describe('upgradeImageVmlinuxes', () => {
  let temp: TempRoot;
  let store: Store;
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
  beforeEach(() => {
    temp = createTempRoot();
    store = openStore(temp.layout.dbPath);
    logs.length = 0;
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  /** An image dir as an older banger left it: vmlinuz and image.json, no vmlinux. */
  function oldImage(id: string, name: string, kernel: Buffer, over: Partial<Image> = {}): Image {
    const dir = join(temp.layout.imagesDir, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vmlinuz'), kernel);
    const image = makeImage({ id, name, artifactDir: dir, kernelPath: join(dir, 'vmlinuz'), rootfsPath: join(dir, 'rootfs.ext4'), ...over });
    writeFileSync(join(dir, 'image.json'), JSON.stringify(image));
    store.images.insert(image);
    return image;
  }

  it('extracts a vmlinux beside the vmlinuz, records it, keeps updatedAt; a failure is a warning that leaves the row alone', async () => {
    const elf = makeElf({ body: 100_000 });
    const good = oldImage('a'.repeat(32), 'old', makeBzImage(gzipSync(elf)));
    const broken = oldImage('b'.repeat(32), 'broken', Buffer.from('not a kernel\n'));
    const done = oldImage('c'.repeat(32), 'done', makeBzImage(gzipSync(elf)), { vmlinuxPath: '/elsewhere/vmlinux' });
    // Not banger's dir (managed, but outside imagesDir) and unmanaged: never written to.
    const outside = makeImage({ id: 'd'.repeat(32), name: 'outside', artifactDir: join(temp.root, 'elsewhere'), kernelPath: good.kernelPath });
    store.images.insert(outside);
    const unmanaged = oldImage('e'.repeat(32), 'mine', makeBzImage(gzipSync(elf)), { managed: false });

    const result = await upgradeImageVmlinuxes({ images: store.images, imagesDir: temp.layout.imagesDir, log });

    expect(result.upgraded).toEqual(['old']);
    expect(result.failed).toEqual([{ name: 'broken', reason: expect.stringMatching(/not a usable bzImage/) }]);
    const after = store.images.getById(good.id)!;
    expect(after).toEqual({ ...good, vmlinuxPath: join(good.artifactDir, 'vmlinux') });
    expect(readFileSync(after.vmlinuxPath!).equals(elf)).toBe(true);
    expect(JSON.parse(readFileSync(join(good.artifactDir, 'image.json'), 'utf8'))).toMatchObject({ vmlinuxPath: after.vmlinuxPath });
    expect(readdirSync(good.artifactDir).sort()).toEqual(['image.json', 'vmlinux', 'vmlinuz']);

    expect(store.images.getById(broken.id)).toEqual(broken);
    expect(readdirSync(broken.artifactDir).sort()).toEqual(['image.json', 'vmlinuz']);
    expect(store.images.getById(done.id)).toEqual(done);
    expect(store.images.getById(outside.id)).toEqual(outside);
    expect(store.images.getById(unmanaged.id)).toEqual(unmanaged);
    expect(readdirSync(unmanaged.artifactDir).sort()).toEqual(['image.json', 'vmlinuz']);

    expect(logs.map((l) => `${l.level} ${String(l.obj.image)}: ${l.msg}`)).toEqual([
      'warn broken: could not extract a vmlinux for the image: Firecracker will refuse it',
      'info old: image upgraded: vmlinux extracted',
    ]);
    // A second start has nothing left but the broken one.
    expect((await upgradeImageVmlinuxes({ images: store.images, imagesDir: temp.layout.imagesDir, log })).upgraded).toEqual([]);
  });

  it('stops when bangerd stops (aborted)', async () => {
    oldImage('a'.repeat(32), 'old', makeBzImage(gzipSync(makeElf())));
    const ac = new AbortController();
    ac.abort();
    const result = await upgradeImageVmlinuxes({ images: store.images, imagesDir: temp.layout.imagesDir, log, signal: ac.signal });
    expect(result).toEqual({ upgraded: [], failed: [] });
  });
});
