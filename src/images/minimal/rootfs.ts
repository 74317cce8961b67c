import { chmod, copyFile, mkdir, symlink, writeFile, lstat, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { run, whichTool } from '../../host/exec/index.js';
import { agentScriptPath, reseedToolPath, minimalAssetPath, vsockToolPath } from '../assets.js';
import { sharedLibs } from './ldd.js';

/**
 * Assembles the minimal profile's root filesystem tree in a staging dir:
 * static busybox with its applet links, busybox init + our rc scripts,
 * dropbear with its shared libraries, the guest agent (virtio-serial and
 * vsock), banger's public key.
 */

export interface MinimalRootfsOptions {
  dir: string;
  authorizedKey: string;
  hostname?: string;
  busyboxPath?: string;
  dropbearPath?: string;
  signal?: AbortSignal;
}

const DIRS = [
  'bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/lib/banger', 'lib', 'lib64', 'etc/banger', 'etc/acpi/PWRF',
  'etc/dropbear', 'proc', 'sys', 'dev', 'run', 'tmp', 'root', 'var/log', 'mnt', 'home',
];

export async function assembleMinimalRootfs(opts: MinimalRootfsOptions): Promise<void> {
  const root = opts.dir;
  for (const d of DIRS) await mkdir(join(root, d), { recursive: true, mode: 0o755 });
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'root'), 0o700);

  const busybox = opts.busyboxPath ?? '/bin/busybox';
  await install(busybox, join(root, 'bin', 'busybox'), 0o755);
  const list = await run(busybox, ['--list-full'], { signal: opts.signal, hint: 'install busybox-static' });
  for (const applet of list.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const dst = join(root, applet);
    if (await exists(dst)) continue;
    await mkdir(dirname(dst), { recursive: true });
    await symlink('/bin/busybox', dst);
  }

  const dropbear = opts.dropbearPath ?? (await whichTool('dropbear')) ?? '/usr/sbin/dropbear';
  if (!(await exists(dropbear))) {
    throw new HostError('dropbear is not installed', { hint: 'apt-get install dropbear-bin', code: 'image.tool_missing' });
  }
  await install(dropbear, join(root, 'usr', 'sbin', 'dropbear'), 0o755);
  for (const lib of await sharedLibs(dropbear, opts.signal)) {
    // Copy the real file under the name the loader asks for (no symlink chains to replicate).
    await install(await realpath(lib), join(root, lib), 0o755);
  }

  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  // "*": no password login, but the account is not locked, so key auth works.
  await writeFile(join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  await writeFile(join(root, 'etc', 'shells'), '/bin/sh\n/bin/ash\n');
  await writeFile(join(root, 'etc', 'hostname'), `${opts.hostname ?? 'banger'}\n`);
  await writeFile(join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  await writeFile(join(root, 'etc', 'profile'), 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport HOME=/root\n');
  await writeFile(join(root, 'etc', 'banger', 'authorized_keys'), `${opts.authorizedKey.trim()}\n`, { mode: 0o600 });
  await writeFile(join(root, 'etc', 'banger', 'profile'), 'minimal\n');

  await install(minimalAssetPath('inittab'), join(root, 'etc', 'inittab'), 0o644);
  await install(minimalAssetPath('rc.sysinit'), join(root, 'etc', 'banger', 'rc.sysinit'), 0o755);
  await install(minimalAssetPath('rc.shutdown'), join(root, 'etc', 'banger', 'rc.shutdown'), 0o755);
  await install(minimalAssetPath('run-sshd'), join(root, 'etc', 'banger', 'run-sshd'), 0o755);
  // busybox acpid's built-in table maps the power button to PWRF/00000080 under its conf dir.
  await install(minimalAssetPath('acpi-power'), join(root, 'etc', 'acpi', 'PWRF', '00000080'), 0o755);
  await install(agentScriptPath(), join(root, 'usr', 'lib', 'banger', 'agent'), 0o755);
  await install(reseedToolPath(), join(root, 'usr', 'sbin', 'banger-reseed'), 0o755);
  // The agent's vsock listener (inittab): busybox has no AF_VSOCK.
  await install(vsockToolPath(), join(root, 'usr', 'sbin', 'banger-vsock'), 0o755);
}

/** The work-disk seed tree: /root's initial contents (the key, a profile). */
export async function assembleWorkSeed(dir: string, authorizedKey: string): Promise<void> {
  await mkdir(join(dir, '.ssh'), { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await chmod(join(dir, '.ssh'), 0o700);
  await writeFile(join(dir, '.ssh', 'authorized_keys'), `${authorizedKey.trim()}\n`, { mode: 0o600 });
  await writeFile(join(dir, '.profile'), 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
}

async function install(src: string, dst: string, mode: number): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await copyFile(src, dst);
  await chmod(dst, mode);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
