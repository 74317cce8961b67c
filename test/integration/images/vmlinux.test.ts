import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../../../src/daemon/index.js';
import { buildImage } from '../../../src/images/index.js';
import { newId } from '../../../src/model/index.js';
import { RpcClient } from '../../../src/rpc/index.js';
import { openStore } from '../../../src/store/index.js';
import { importImage } from '../../../src/images/import/index.js';
import { parseBzImage } from '../../../src/images/kernel/bzimage.js';
import { ensureDebianKernel, kernelVmlinux, type KernelTree } from '../../../src/images/kernel/debian-kernel.js';
import { extractVmlinux } from '../../../src/images/kernel/vmlinux.js';
import type { Image } from '../../../src/model/index.js';
import { expectBootableKernel, expectReadelfAgrees } from '../../helpers/bootable-kernel.js';
import { BANGER_PROFILE, makeTar } from '../../helpers/tar-fixtures.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingRoot(), missingBinaries('mkfs.ext4', 'debugfs', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'));
const qemuMissing = missingBinaries('qemu-system-x86_64');

/** Issue 19: the extracted vmlinux of the real Debian kernel, of the minimal profile and of imported images. */
describe.skipIf(skipReason(missing))('vmlinux of real images', () => {
  const t = tempLayout('banger-vmlinux-');
  let kernel: KernelTree;
  let minimal: Image;
  afterAll(() => t.cleanup());

  it('extracts the cached Debian cloud kernel: an x86_64 ELF readelf agrees with, byte for byte what lz4 gives', async () => {
    kernel = await ensureDebianKernel({ cacheDir: t.layout.cacheDir });
    const out = join(t.root, 'vmlinux');
    const done = await extractVmlinux(kernel.vmlinuzPath, out);
    console.log(`vmlinux of ${kernel.release}: ${done.compression}, ${readFileSync(kernel.vmlinuzPath).length} → ${done.report.size} bytes in ${done.ms} ms, entry 0x${done.report.entry.toString(16)}, PVH entry 0x${done.report.pvhEntry?.toString(16)}, ${done.report.loadSegments.length} PT_LOAD`);
    expect(done.report).toMatchObject({ machine: 'x86_64', entry: expect.any(BigInt) });
    expect(done.report.size).toBeGreaterThan(20 << 20);
    expectReadelfAgrees(out, done.report);
    if (done.compression === 'lz4' && !missingBinaries('lz4')) {
      const bz = parseBzImage(readFileSync(kernel.vmlinuzPath));
      const cli = spawnSync('lz4', ['-dc'], { input: bz.payload, maxBuffer: 256 << 20 });
      // lz4 reads the kernel's size trailer as a bad frame and exits 1 after writing the whole kernel.
      expect(cli.stdout.equals(readFileSync(out))).toBe(true);
    }

    // Cached per kernel package: the second ask is a lookup, not a decompression.
    const steps: string[] = [];
    const cached = await kernelVmlinux(kernel, { onProgress: (s, d) => steps.push(`${s} ${d ?? ''}`) });
    await kernelVmlinux(kernel, { onProgress: (s, d) => steps.push(`${s} ${d ?? ''}`) });
    expect(steps.at(-1)).toBe(`kernel.vmlinux cached ${kernel.release}`);
    expect(readFileSync(cached).equals(readFileSync(out))).toBe(true);
  }, 240_000);

  it('the minimal profile carries the vmlinux, with virtio-mmio, virtio-blk and vsock in its initramfs', async () => {
    const started = Date.now();
    const steps: string[] = [];
    minimal = await buildImage({ layout: t.layout, profile: 'minimal', onProgress: (s, d) => steps.push(`${s}: ${d ?? ''}`) });
    console.log(`minimal build: ${Date.now() - started} ms; ${steps.filter((s) => s.startsWith('kernel.vmlinux')).join('; ')}`);
    await expectBootableKernel(minimal);
    expect(readFileSync(minimal.vmlinuxPath!).equals(readFileSync(await kernelVmlinux(kernel)))).toBe(true);
  }, 240_000);

  it('an import carries its base image\'s vmlinux, or extracts one when the base has none', async () => {
    const tar = join(t.root, 'rootfs.tar');
    writeFileSync(tar, await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', body: 'ID=test\n' }, BANGER_PROFILE, { name: 'sbin/', type: 'directory' }, { name: 'sbin/init', body: '#!/bin/sh\n', mode: 0o755 }]));
    const copied = await importImage({ layout: t.layout, name: 'imp', source: tar, kernelFrom: minimal });
    await expectBootableKernel(copied);
    expect(readFileSync(copied.vmlinuxPath!).equals(readFileSync(minimal.vmlinuxPath!))).toBe(true);

    const steps: string[] = [];
    const { vmlinuxPath: _dropped, ...oldBase } = minimal;
    const extracted = await importImage({ layout: t.layout, name: 'imp-old-base', source: tar, kernelFrom: oldBase, onProgress: (s, d) => steps.push(`${s} ${d ?? ''}`) });
    expect(steps.find((s) => s.startsWith('kernel.vmlinux'))).toMatch(/^kernel\.vmlinux extracted \((lz4|gzip|xz|lzma|zstd|bzip2|lzo),/);
    await expectBootableKernel(extracted);
  }, 240_000);

  it('bangerd upgrades an image built before images carried a vmlinux, at start, and image.show has it', async () => {
    // The image as an older banger left it: the same files minus vmlinux, a row without vmlinux_path.
    const id = newId();
    const dir = join(t.layout.imagesDir, id);
    mkdirSync(dir);
    for (const f of ['vmlinuz', 'initrd.img']) copyFileSync(join(minimal.artifactDir, f), join(dir, f));
    const { vmlinuxPath: _none, ...fields } = minimal;
    const old = { ...fields, id, name: 'before-vmlinux', artifactDir: dir, kernelPath: join(dir, 'vmlinuz'), initrdPath: join(dir, 'initrd.img') };
    const store = openStore(t.layout.dbPath);
    store.images.insert(old);
    store.close();

    const daemon = await startDaemon({ layout: t.layout });
    const client = await RpcClient.connect(t.layout.daemonSocket);
    try {
      const started = Date.now();
      let shown = await client.call('image.show', { name: 'before-vmlinux' });
      while (!shown.vmlinuxPath && Date.now() - started < 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        shown = await client.call('image.show', { name: 'before-vmlinux' });
      }
      console.log(`start-time upgrade: vmlinux recorded ${Date.now() - started} ms after bangerd answered`);
      // A row from before sources were recorded reads as its profile (derived, issue 20).
      expect(shown).toEqual({ ...old, source: { kind: 'profile', profile: 'minimal' }, vmlinuxPath: join(dir, 'vmlinux') });
      await expectBootableKernel(shown);
    } finally {
      client.close();
      await daemon.stop('test done');
    }
  }, 120_000);

  /**
   * QEMU's microvm machine loads the extracted ELF through its PVH note; the
   * image's initramfs loads virtio-mmio, virtio-blk and vsock and mounts the
   * root disk over virtio-mmio. Stops there: the full boot is the smoke test's.
   */
  describe.skipIf(skipReason(qemuMissing))('QEMU microvm', () => {
    let qemu: ChildProcess | undefined;
    afterAll(() => {
      qemu?.kill('SIGKILL');
    });

    it('boots the extracted vmlinux: the kernel starts, vsock registers, the root disk mounts over virtio-mmio', async () => {
      const args = [
        '-accel', 'tcg',
        '-machine', 'microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=on',
        '-m', '512', '-smp', '1',
        '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nodefaults',
        '-kernel', minimal.vmlinuxPath!, '-initrd', minimal.initrdPath!,
        // tsc_early_khz: under TCG the microvm kernel otherwise stalls calibrating the TSC.
        '-append', 'console=ttyS0 tsc_early_khz=2000000 root=/dev/vda panic=-1',
        // snapshot=on: writes go to a temp file, the image stays as built.
        '-drive', `id=root,file=${minimal.rootfsPath},format=raw,if=none,snapshot=on`,
        '-device', 'virtio-blk-device,drive=root',
      ];
      const started = Date.now();
      const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      qemu = child;
      let output = '';
      const want = [/Linux version \d/, /Run \/init as init process/, /Registered PF_VSOCK protocol family/, /EXT4-fs \(vda\): mounted filesystem/];
      const seen = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 150_000);
        const check = (b: Buffer) => {
          output += b.toString('utf8');
          if (want.every((re) => re.test(output))) {
            clearTimeout(timer);
            resolve(true);
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve(want.every((re) => re.test(output)));
        });
      });
      child.kill('SIGKILL');
      console.log(`QEMU microvm: kernel to root mounted in ${Date.now() - started} ms`);
      expect(seen, `console so far:\n${output.slice(-3000)}`).toBe(true);
    }, 180_000);
  });
});
