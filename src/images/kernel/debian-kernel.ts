import { mkdir, readdir, readFile, rename, rm, writeFile, mkdtemp, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { run, runStatus } from '../../host/exec/index.js';
import { noProgress, type ProgressFn } from '../progress.js';
import { extractVmlinux, readVmlinux, VMLINUX_FILE } from './vmlinux.js';

/**
 * Fetches a Debian kernel package into banger's cache without installing it
 * on the host: `apt-get download` + `dpkg-deb -x`, then `depmod -b` so the
 * extracted tree has modules.dep. Cached per versioned package; offline, the
 * newest cached kernel is used.
 */

export interface KernelTree {
  /** Versioned package, e.g. linux-image-6.1.0-56-cloud-amd64. */
  packageName: string;
  /** Kernel release, e.g. 6.1.0-56-cloud-amd64. */
  release: string;
  /** bzImage. */
  vmlinuzPath: string;
  /** Extracted root; modules live under <root>/lib/modules/<release>. */
  rootDir: string;
  modulesDir: string;
  /** The cached .deb. */
  debPath: string;
}

export interface EnsureKernelOptions {
  cacheDir: string;
  /** Metapackage to resolve. @default 'linux-image-cloud-amd64' */
  metaPackage?: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

const APT_HINT = 'check that apt can reach the Debian archive (apt-get update), or pre-seed the kernel cache';

export async function ensureDebianKernel(opts: EnsureKernelOptions): Promise<KernelTree> {
  const progress = opts.onProgress ?? noProgress;
  const meta = opts.metaPackage ?? 'linux-image-cloud-amd64';
  const kernelsDir = join(opts.cacheDir, 'kernels');
  await mkdir(kernelsDir, { recursive: true });

  const pkg = await resolveVersionedPackage(meta, opts.signal);
  if (!pkg) {
    const cached = await newestCached(kernelsDir);
    if (cached) {
      progress('kernel.cached', `${cached.packageName} (apt unavailable)`);
      return cached;
    }
    throw new HostError(`cannot resolve the Debian kernel package ${meta}`, { hint: APT_HINT, code: 'image.kernel_unavailable' });
  }
  const existing = await readCached(join(kernelsDir, pkg));
  if (existing) {
    progress('kernel.cached', pkg);
    return existing;
  }

  progress('kernel.fetch', pkg);
  const tmp = await mkdtemp(join(kernelsDir, `.tmp-${pkg}-`));
  try {
    await run('apt-get', ['download', '-q', pkg], { cwd: tmp, signal: opts.signal, hint: APT_HINT });
    const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new HostError(`apt-get download ${pkg} produced no .deb`, { hint: APT_HINT });
    progress('kernel.extract', deb);
    const root = join(tmp, 'root');
    await run('dpkg-deb', ['-x', join(tmp, deb), root], { signal: opts.signal });
    const release = await findRelease(root);
    await run('depmod', ['-b', root, release], { signal: opts.signal, hint: 'install kmod (apt-get install kmod)' });
    await rename(join(tmp, deb), join(tmp, 'kernel.deb'));
    await writeFile(join(tmp, 'kernel.json'), JSON.stringify({ packageName: pkg, release }) + '\n');
    const final = join(kernelsDir, pkg);
    try {
      await rename(tmp, final);
    } catch (e) {
      // Another build fetched the same kernel concurrently: use theirs.
      const theirs = await readCached(final);
      if (!theirs) throw e;
      await rm(tmp, { recursive: true, force: true });
      return theirs;
    }
    const tree = await readCached(final);
    if (!tree) throw new HostError(`kernel cache ${final} is incomplete`, { hint: `remove ${final} and retry` });
    return tree;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function resolveVersionedPackage(meta: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await runStatus('apt-cache', ['depends', meta], { signal }).catch(() => undefined);
  if (!res || res.exitCode !== 0) return undefined;
  const m = /Depends:\s+(linux-image-[0-9][^\s]*)/.exec(res.stdout);
  return m?.[1];
}

async function findRelease(root: string): Promise<string> {
  const entries = await readdir(join(root, 'lib', 'modules')).catch(() => [] as string[]);
  const rel = entries[0];
  if (!rel) throw new HostError('the kernel package has no lib/modules tree', { hint: 'use a linux-image-* package' });
  return rel;
}

async function readCached(dir: string): Promise<KernelTree | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'kernel.json'), 'utf8')) as { packageName: string; release: string };
    const tree: KernelTree = {
      packageName: meta.packageName,
      release: meta.release,
      rootDir: join(dir, 'root'),
      vmlinuzPath: join(dir, 'root', 'boot', `vmlinuz-${meta.release}`),
      modulesDir: join(dir, 'root', 'lib', 'modules', meta.release),
      debPath: join(dir, 'kernel.deb'),
    };
    await access(tree.vmlinuzPath);
    await access(join(tree.modulesDir, 'modules.dep'));
    return tree;
  } catch {
    return undefined;
  }
}

async function newestCached(kernelsDir: string): Promise<KernelTree | undefined> {
  const names = (await readdir(kernelsDir)).filter((n) => !n.startsWith('.')).sort().reverse();
  for (const n of names) {
    const t = await readCached(join(kernelsDir, n));
    if (t) return t;
  }
  return undefined;
}

/**
 * The kernel's ELF vmlinux, extracted once per cached kernel package (beside
 * its kernel.json) so later builds copy it instead of decompressing ~50 MiB
 * again. A cached file that no longer validates is extracted again.
 */
export async function kernelVmlinux(tree: KernelTree, opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<string> {
  const progress = opts.onProgress ?? noProgress;
  const path = join(dirname(tree.rootDir), VMLINUX_FILE);
  const cached = await readVmlinux(path).then(() => true, () => false);
  if (cached) {
    progress('kernel.vmlinux', `cached ${tree.release}`);
    return path;
  }
  const done = await extractVmlinux(tree.vmlinuzPath, path, opts.signal);
  progress('kernel.vmlinux', `extracted ${tree.release} (${done.compression}, ${Math.round(done.report.size / 1048576)} MiB, ${done.ms} ms)`);
  return path;
}
