import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createOpExecutor, startHelperServer } from '../../../helper/index.js';
import { acceleratorReport, createHostDoctorPorts, runDoctor, type HostDoctorOptions } from '../../../src/doctor/index.js';
import { installInclude } from '../../../src/guest/ssh-config/index.js';
import { LATEST_SCHEMA_VERSION, openStore } from '../../../src/store/index.js';
import { decideAccel } from '../../../src/vmm/accel.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

/** The real ports against a temp XDG root: real files, real SQLite, a fake /dev/kvm (/dev/null is a char device). */
describe('createHostDoctorPorts', () => {
  let t: TempRoot;
  let sysModule: string;
  let binDir: string;

  beforeEach(() => {
    t = createTempRoot('bgr-doc-');
    t.env.HOME = join(t.root, 'home');
    mkdirSync(t.env.HOME);
    sysModule = join(t.root, 'sys-module');
    mkdirSync(sysModule);
    binDir = join(t.root, 'bin');
    mkdirSync(binDir);
  });
  afterEach(() => t.remove());

  const make = (over: Partial<HostDoctorOptions> = {}) =>
    createHostDoctorPorts({ layout: t.layout, env: t.env, accelProbe: { devKvm: '/dev/null', sysModuleDir: sysModule }, ...over });

  /** A PATH holding only `bins` (empty executables), so `which` sees exactly those. */
  const pathWith = (...bins: string[]) => {
    for (const b of bins) {
      writeFileSync(join(binDir, b), '#!/bin/sh\n');
      chmodSync(join(binDir, b), 0o755);
    }
    return { ...t.env, PATH: binDir };
  };

  it('accelerator: kvm_pvm loaded means TCG with the reason; a usable /dev/kvm means KVM; config can force TCG', async () => {
    mkdirSync(join(sysModule, 'kvm_pvm'));
    const pvm = await make().accelerator();
    expect(pvm).toMatchObject({ decision: 'tcg', kvm: 'kvm_pvm', source: 'probe' });
    expect(pvm.reason).toContain('kvm_pvm, under which stock guest kernels hang');
    rmSync(join(sysModule, 'kvm_pvm'), { recursive: true });
    expect(await make().accelerator()).toMatchObject({ decision: 'kvm', kvm: 'usable' });
    expect(await make({ accelProbe: { devKvm: join(t.root, 'no-kvm'), sysModuleDir: sysModule } }).accelerator()).toMatchObject({ decision: 'tcg', kvm: 'none' });
    mkdirSync(t.layout.configDir, { recursive: true });
    writeFileSync(t.layout.configFile, 'accel = "tcg"\n');
    expect(await make().accelerator()).toMatchObject({ decision: 'tcg', kvm: 'usable', source: 'config' });
  });

  it('acceleratorReport maps every probe state', () => {
    expect(acceleratorReport(decideAccel('auto', 'no-access'))).toMatchObject({ decision: 'tcg', kvm: 'unusable', source: 'probe' });
    expect(acceleratorReport(decideAccel('kvm', 'pvm'))).toMatchObject({ decision: 'kvm', kvm: 'kvm_pvm', source: 'config' });
  });

  it('database: missing is reported without creating the file or its directory', async () => {
    const d = await make().database();
    expect(d).toEqual({ state: 'missing', detail: `no database at ${t.layout.dbPath} yet` });
    expect(existsSync(t.layout.dbPath)).toBe(false);
    expect(existsSync(t.layout.stateDir)).toBe(false);
  });

  it('database: an existing one is read (schema, counts) and left byte-identical', async () => {
    openStore(t.layout.dbPath).close();
    const before = readFileSync(t.layout.dbPath);
    const mtime = statSync(t.layout.dbPath).mtimeMs;
    const d = await make().database();
    expect(d).toEqual({ state: 'ok', detail: `${t.layout.dbPath}: schema v${LATEST_SCHEMA_VERSION}, 0 VMs, 0 images` });
    expect(readFileSync(t.layout.dbPath).equals(before)).toBe(true);
    expect(statSync(t.layout.dbPath).mtimeMs).toBe(mtime);
  });

  it('database: garbage and a newer schema are errors; an older one would be migrated by the daemon, not by doctor', async () => {
    mkdirSync(t.layout.stateDir, { recursive: true });
    writeFileSync(t.layout.dbPath, 'this is not sqlite at all, just text long enough to be a header........');
    expect((await make().database()).state).toBe('error');
    rmSync(t.layout.dbPath);
    const s = openStore(t.layout.dbPath);
    s.db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'future', 'now');
    s.close();
    const newer = await make().database();
    expect(newer.state).toBe('error');
    expect(newer.detail).toContain('newer than this banger');
    // openStore refuses a newer schema, so roll back with plain SQLite.
    const raw = new Database(t.layout.dbPath);
    raw.prepare('DELETE FROM schema_version WHERE version >= ?').run(LATEST_SCHEMA_VERSION);
    raw.close();
    const older = await make().database();
    expect(older.state).toBe('ok');
    expect(older.detail).toContain(`migrated to v${LATEST_SCHEMA_VERSION} when the daemon next starts`);
    const after = new Database(t.layout.dbPath, { readonly: true });
    const v = (after.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v;
    after.close();
    expect(v).toBe(LATEST_SCHEMA_VERSION - 1); // doctor never migrates
  });

  it('default image: present when its row and rootfs exist; a row without a rootfs is not present', async () => {
    const dir = join(t.layout.imagesDir, 'img1');
    mkdirSync(dir, { recursive: true });
    const s = openStore(t.layout.dbPath);
    s.images.insert({
      id: 'img1',
      name: 'default',
      profile: 'minimal',
      managed: true,
      artifactDir: dir,
      rootfsPath: join(dir, 'rootfs.ext4'),
      kernelPath: join(dir, 'vmlinuz'),
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    s.close();
    const env = pathWith('apt-get', 'dpkg-deb', 'depmod', 'cpio', 'busybox', 'dropbear', 'mkfs.ext4');
    const gone = await make({ env }).defaultImage();
    expect(gone).toMatchObject({ present: false, buildable: true, name: 'default' });
    expect(gone.detail).toContain('rootfs.ext4 is missing');
    writeFileSync(join(dir, 'rootfs.ext4'), '');
    expect(await make({ env }).defaultImage()).toMatchObject({ present: true, detail: `minimal profile, ${join(dir, 'rootfs.ext4')}` });
  });

  it('images: each name and source, read-only; a database still at v5 reads derived sources; none without a database (issue 20)', async () => {
    expect(await make().images()).toEqual([]);
    const s = openStore(t.layout.dbPath);
    const at = '2026-01-01T00:00:00Z';
    const digest = `sha256:${'3'.repeat(64)}`;
    s.images.insert({ id: 'p1', name: 'deb', profile: 'imported', managed: true, artifactDir: '/x', rootfsPath: '/x/r', kernelPath: '/x/k', createdAt: at, updatedAt: at, source: { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest, platform: 'linux/amd64' } });
    s.images.insert({ id: 'm1', name: 'minimal', profile: 'minimal', managed: true, artifactDir: '/y', rootfsPath: '/y/r', kernelPath: '/y/k', createdAt: at, updatedAt: at });
    s.close();
    expect(await make().images()).toEqual([
      { name: 'deb', source: { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest, platform: 'linux/amd64' } },
      { name: 'minimal', source: { kind: 'profile', profile: 'minimal' } },
    ]);
    // Back to v5 as an older banger left it (doctor never migrates): no source_json column at all.
    const raw = new Database(t.layout.dbPath);
    raw.exec('DROP INDEX images_pulled_digest; ALTER TABLE images DROP COLUMN source_json; DELETE FROM schema_version WHERE version = 6;');
    raw.close();
    expect(await make().images()).toEqual([
      { name: 'deb', source: { kind: 'import' } },
      { name: 'minimal', source: { kind: 'profile', profile: 'minimal' } },
    ]);
  });

  it('default image: not built is buildable when the tools are there, and names the packages when not', async () => {
    const ok = await make({ env: pathWith('apt-get', 'dpkg-deb', 'depmod', 'cpio', 'busybox', 'dropbear', 'mkfs.ext4') }).defaultImage();
    expect(ok).toMatchObject({ present: false, buildable: true });
    expect(ok.detail).toContain('fetched with apt-get');
    mkdirSync(join(t.layout.cacheDir, 'kernels', 'linux-image-6.1.0-9-cloud-amd64'), { recursive: true });
    expect((await make({ env: { ...t.env, PATH: binDir } }).defaultImage()).detail).toContain('kernel linux-image-6.1.0-9-cloud-amd64 cached');
    rmSync(join(binDir, 'dropbear'));
    rmSync(join(binDir, 'busybox'));
    const no = await make({ env: { ...t.env, PATH: binDir } }).defaultImage();
    expect(no).toMatchObject({ present: false, buildable: false, detail: 'busybox, dropbear not installed', fix: 'apt-get install busybox-static dropbear-bin' });
  });

  it('images as an ordinary user: fakeroot from PATH; the debian problems from the namespace probe; fakeroot joins the default image tools', async () => {
    const probe = async () => ({ user: 'alice', mmdebstrap: false, newuidmap: true, newgidmap: true });
    const r = await make({ env: pathWith('fakeroot'), uid: 1000, probeUnshare: probe }).ownerImages();
    expect(r).toEqual({
      user: 'alice',
      fakeroot: join(binDir, 'fakeroot'),
      debian: [
        { what: 'mmdebstrap is not installed', fix: 'apt-get install mmdebstrap' },
        { what: 'alice has no range of 65536 ids in /etc/subuid and /etc/subgid', fix: 'usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice (as root)' },
      ],
    });
    rmSync(join(binDir, 'fakeroot'));
    const tools = ['apt-get', 'dpkg-deb', 'depmod', 'cpio', 'busybox', 'dropbear', 'mkfs.ext4'];
    expect(await make({ env: pathWith(...tools), uid: 0 }).defaultImage()).toMatchObject({ buildable: true });
    expect(await make({ env: pathWith(...tools), uid: 1000 }).defaultImage()).toMatchObject({ buildable: false, fix: 'apt-get install fakeroot' });
  });

  it('VM defaults carry provenance from config.toml; a bad config.toml fails that check with its hint', async () => {
    mkdirSync(t.layout.configDir, { recursive: true });
    writeFileSync(t.layout.configFile, '[vm_defaults]\nvcpu = 3\ndisk_size = "12G"\n');
    const d = await make().vmDefaults();
    expect(d.find((x) => x.key === 'vcpu')).toEqual({ key: 'vcpu', value: '3', provenance: 'config' });
    expect(d.find((x) => x.key === 'disk_size')).toEqual({ key: 'disk_size', value: '12G', provenance: 'config' });
    expect(d.find((x) => x.key === 'overlay_size')?.provenance).toBe('builtin');
    writeFileSync(t.layout.configFile, '[vm_defaults]\nvcpus = 3\n');
    const rows = await runDoctor(make());
    expect(rows.find((r) => r.id === 'vm-defaults')).toMatchObject({ status: 'fail', fix: expect.stringContaining('spelling') });
    // The accelerator still reports the probe when config.toml is broken.
    expect(rows.find((r) => r.id === 'accelerator')?.status).not.toBe('fail');
  });

  it('helper: root is in-process; otherwise the socket is pinged and a missing one is a fail with the install fix', async () => {
    expect((await make({ uid: 0 }).helperStatus()).ok).toBe(true);
    const env = { ...t.env, BANGER_HELPER_SOCKET: join(t.root, 'helper.sock') };
    const layout = { ...t.layout, helperSocket: join(t.root, 'helper.sock') };
    const none = await make({ uid: 1000, env, layout }).helperStatus();
    expect(none).toMatchObject({ ok: false, fix: expect.stringContaining('banger system install') });
    expect(none.detail).toContain('helper.sock');
    expect(await make({ uid: 1000, pingHelper: async () => ({ ok: true, detail: 'pong' }) }).helperStatus()).toEqual({ ok: true, detail: 'pong' });
  });

  it('helper: pings a real banger-helper server over its socket, with the token from BANGER_HELPER_TOKEN_FILE', { timeout: 10_000 }, async () => {
    const uid = process.getuid!();
    const gid = process.getgid!();
    const socketPath = join(t.root, 'helper', 'helper.sock');
    const policy = { ownerUid: uid, ownerGid: gid, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [t.layout.stateDir] };
    const server = await startHelperServer({
      socketPath,
      executor: createOpExecutor({ policy, logger: pino({ level: 'silent' }) }),
      ownerUid: uid,
      ownerGid: gid,
      token: 'sekrit',
      logger: pino({ level: 'silent' }),
    });
    try {
      const tokenFile = join(t.root, 'helper.token');
      writeFileSync(tokenFile, 'sekrit\n', { mode: 0o600 });
      const layout = { ...t.layout, helperSocket: socketPath };
      const ok = await make({ uid: 4242, layout, env: { ...t.env, BANGER_HELPER_TOKEN_FILE: tokenFile } }).helperStatus();
      expect(ok.ok).toBe(true);
      expect(ok.detail).toMatch(new RegExp(`^banger-helper \\S+ answers at ${socketPath} \\(owner uid ${uid}\\)$`));
      writeFileSync(tokenFile, 'wrong\n');
      const refused = await make({ uid: 4242, layout, env: { ...t.env, BANGER_HELPER_TOKEN_FILE: tokenFile } }).helperStatus();
      expect(refused).toMatchObject({ ok: false, detail: expect.stringContaining('token does not match'), fix: expect.stringContaining('owner user') });
    } finally {
      await server.close();
    }
  });

  it('vmmConfig: default auto without a vmm line, the configured value with one; a bad value throws the config error', async () => {
    expect(await make().vmmConfig()).toEqual({ setting: 'auto', qemuMachine: 'auto', source: 'default', configFile: t.layout.configFile });
    mkdirSync(t.layout.configDir, { recursive: true });
    writeFileSync(t.layout.configFile, '[vm_defaults]\nvcpu = 2\n');
    expect(await make().vmmConfig()).toMatchObject({ setting: 'auto', source: 'default' });
    writeFileSync(t.layout.configFile, 'vmm = "firecracker"\n');
    expect(await make().vmmConfig()).toEqual({ setting: 'firecracker', qemuMachine: 'auto', source: 'config', configFile: t.layout.configFile });
    writeFileSync(t.layout.configFile, 'vmm = "xen"\n');
    await expect(make().vmmConfig()).rejects.toMatchObject({ message: expect.stringContaining(`${t.layout.configFile}:1:7: vmm: must be one of`), hint: `fix the value of vmm in ${t.layout.configFile}` });
  });

  it('vhostVsock: only a character device counts', async () => {
    const missing = join(t.root, 'vhost-vsock');
    expect(await make({ devices: { vhostVsock: missing } }).vhostVsock()).toBe(false);
    writeFileSync(missing, '');
    expect(await make({ devices: { vhostVsock: missing } }).vhostVsock()).toBe(false); // a plain file is not the device
    expect(await make({ devices: { vhostVsock: '/dev/null' } }).vhostVsock()).toBe(true);
  });

  it('ipForward: reads the sysctl file (1 on, 0 off), null when it cannot be read', async () => {
    const f = join(t.root, 'ip_forward');
    expect(await make({ procIpForward: f }).ipForward()).toBe(null);
    writeFileSync(f, '0\n');
    expect(await make({ procIpForward: f }).ipForward()).toBe(false);
    writeFileSync(f, '1\n');
    expect(await make({ procIpForward: f }).ipForward()).toBe(true);
  });

  it('deviceMapper: control node, kernel driver from /proc/misc, and dmsetup from PATH or else the sbin dirs', async () => {
    const control = join(t.root, 'mapper-control');
    const procMisc = join(t.root, 'misc');
    const sbin = join(t.root, 'sbin');
    mkdirSync(sbin);
    const dm = (env = pathWith()) => make({ env, devices: { mapperControl: control, procMisc }, sbinDirs: [sbin] }).deviceMapper();
    expect(await dm()).toEqual({ control: false, driver: false, dmsetup: null });
    writeFileSync(control, '');
    writeFileSync(procMisc, '229 fuse\n 58 network_throughput\n');
    writeFileSync(join(sbin, 'dmsetup'), '#!/bin/sh\n', { mode: 0o755 });
    expect(await dm()).toEqual({ control: true, driver: false, dmsetup: join(sbin, 'dmsetup') });
    writeFileSync(procMisc, '229 fuse\n236 device-mapper\n');
    expect(await dm(pathWith('dmsetup'))).toEqual({ control: true, driver: true, dmsetup: join(binDir, 'dmsetup') });
  });

  it('the whole report with vmm = "firecracker" and no firecracker on PATH fails the vmm row, naming the config file', async () => {
    mkdirSync(t.layout.configDir, { recursive: true });
    writeFileSync(t.layout.configFile, 'vmm = "firecracker"\n');
    const rows = await runDoctor(make({ env: pathWith('qemu-system-x86_64'), uid: 0, devices: { vhostVsock: join(t.root, 'none'), mapperControl: join(t.root, 'none'), procMisc: join(t.root, 'none') }, sbinDirs: [] }));
    expect(rows.find((r) => r.id === 'vmm')).toMatchObject({ status: 'fail', fix: expect.stringContaining(`set vmm = "qemu" in ${t.layout.configFile}`) });
    expect(rows.filter((r) => r.id.startsWith('firecracker-')).map((r) => `${r.id}:${r.status}`)).toEqual([
      'firecracker-kvm:pass', // the fake /dev/kvm (/dev/null) is usable and kvm_pvm is not loaded
      'firecracker-vsock:warn',
      'firecracker-dm:warn',
    ]);
  });

  it('free disk: statfs of the nearest existing ancestor of the state dir', async () => {
    const f = await make().freeBytes();
    expect(f.path).toBe(t.root);
    expect(f.free).toBeGreaterThan(0);
  });

  it('ssh include: installed only when $HOME/.ssh/config includes this layout\'s ssh_config and that file exists', async () => {
    expect(await make().sshIncludeInstalled()).toBe(false);
    await installInclude(t.env.HOME!, t.layout.sshConfigPath);
    expect(await make().sshIncludeInstalled()).toBe(false); // ssh_config itself not written yet
    mkdirSync(t.layout.sshDir, { recursive: true });
    writeFileSync(t.layout.sshConfigPath, 'Host *.vm\n');
    expect(await make().sshIncludeInstalled()).toBe(true);
    await installInclude(t.env.HOME!, '/some/other/banger/ssh_config');
    expect(await make().sshIncludeInstalled()).toBe(false);
  });
});
