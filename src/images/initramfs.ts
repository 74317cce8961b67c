import { copyFile, mkdir, readFile, writeFile, chmod, readdir, lstat, rm, mkdtemp } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { HostError } from '../errors/index.js';
import { run } from '../host/exec/index.js';
import { parseModuleIndex, planModuleLoad, moduleName } from './kernel/module-deps.js';
import { minimalAssetPath } from './assets.js';

/**
 * Builds the minimal profile's initramfs: static busybox, the kernel modules
 * the guest needs before it can see its root disk (decompressed, flat, with a
 * dependency-ordered load list), and an init that mounts /dev/vda and
 * switch_roots into it. gzip'd newc cpio, which every Debian kernel reads.
 */

/** Modules the minimal guest needs, by name; built-in ones are skipped. */
export const MINIMAL_GUEST_MODULES = [
  'virtio_pci',
  'virtio_mmio',
  'virtio_blk',
  'virtio_net',
  'virtio_console',
  'virtio_rng',
  'ext4',
  // ACPI power button + evdev so QMP system_powerdown reaches busybox acpid.
  'button',
  'evdev',
  'vmw_vsock_virtio_transport',
] as const;

export interface BuildInitramfsOptions {
  modulesDir: string;
  outPath: string;
  busyboxPath?: string;
  modules?: readonly string[];
  /** Scratch directory (removed afterwards). */
  workDir: string;
  signal?: AbortSignal;
}

export async function buildInitramfs(opts: BuildInitramfsOptions): Promise<{ modules: string[] }> {
  const dep = await readFile(join(opts.modulesDir, 'modules.dep'), 'utf8');
  const builtin = await readFile(join(opts.modulesDir, 'modules.builtin'), 'utf8').catch(() => '');
  let plan;
  try {
    plan = planModuleLoad(parseModuleIndex(dep, builtin), opts.modules ?? MINIMAL_GUEST_MODULES);
  } catch (e) {
    throw new HostError(`initramfs: ${(e as Error).message}`, { hint: 'use a kernel that has virtio drivers (linux-image-cloud-amd64)' });
  }
  const root = await mkdtemp(join(opts.workDir, 'initramfs-'));
  try {
    for (const d of ['bin', 'dev', 'proc', 'sys', 'newroot', 'lib/modules']) await mkdir(join(root, d), { recursive: true });
    await copyFile(opts.busyboxPath ?? '/bin/busybox', join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    const loadOrder: string[] = [];
    for (const rel of plan.order) {
      const flat = `${moduleName(rel)}.ko`;
      await installModule(join(opts.modulesDir, rel), join(root, 'lib', 'modules', flat), opts.signal);
      loadOrder.push(flat);
    }
    await writeFile(join(root, 'lib', 'modules', 'load-order'), loadOrder.join('\n') + '\n');
    await copyFile(minimalAssetPath('initramfs-init.sh'), join(root, 'init'));
    await chmod(join(root, 'init'), 0o755);
    await writeCpioGz(root, opts.outPath, opts.signal);
    return { modules: loadOrder };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Copies a kernel module to DST as a plain .ko: busybox insmod cannot read
 * compressed modules, so decompress on the host (xz, zstd or gzip by suffix).
 */
export async function installModule(src: string, dst: string, signal?: AbortSignal): Promise<void> {
  const tool = src.endsWith('.xz') ? 'xz' : src.endsWith('.zst') ? 'zstd' : src.endsWith('.gz') ? 'gzip' : undefined;
  if (!tool) {
    await copyFile(src, dst);
    return;
  }
  const res = await run(tool, ['-dc', src], { signal, binary: true, hint: `install ${tool} to read compressed kernel modules` });
  await writeFile(dst, res.stdoutBuffer);
}

/** Packs a directory as a gzip'd newc cpio archive (paths relative to it, owned as on disk). */
export async function writeCpioGz(root: string, outPath: string, signal?: AbortSignal): Promise<void> {
  const names = ['.', ...(await walk(root, root))];
  const res = await run('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], {
    cwd: root,
    input: names.join('\n') + '\n',
    binary: true,
    signal,
    hint: 'install cpio (apt-get install cpio)',
  });
  await pipeline(Readable.from([res.stdoutBuffer]), createGzip({ level: 6 }), createWriteStream(outPath));
}

async function walk(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    out.push(relative(root, p));
    const st = await lstat(p);
    if (st.isDirectory()) out.push(...(await walk(root, p)));
  }
  return out;
}
