import { constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { access, readFile, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { createHelperClient } from '../../helper/index.js';
import { loadConfig, resolveVmDefaults, type Config } from '../config/index.js';
import { BangerError } from '../errors/index.js';
import type { Env, Layout } from '../host/layout.js';
import { findNetworkConflicts, instanceId, instanceTag } from '../host/network/index.js';
import { which } from '../host/exec/index.js';
import { includeStatus } from '../guest/ssh-config/index.js';
import { probeUnshare, unshareProblems } from '../images/debian/unshare.js';
import { formatMiB, formatSize, legacyImageSource } from '../model/index.js';
import { LATEST_SCHEMA_VERSION, openReadOnly } from '../store/index.js';
import { dirAllocatedBytes } from '../host/storage/index.js';
import { canReflink } from '../vmm/firecracker/reflink.js';
import { findFirecracker } from '../vmm/firecracker/binary.js';
import { firecrackerSetupProblems } from '../vmm/firecracker/setup-check.js';
import { chooseAccel, type AccelDecision, type AccelProbeEnv } from '../vmm/accel.js';
import type { AcceleratorReport, DoctorPorts, VmDefaultReport } from './types.js';
import { probeKvmGroup } from './kvm-group.js';

/** Tools the minimal profile (what the default image builds) runs; checked without touching the network. */
export const IMAGE_BUILD_TOOLS: ReadonlyArray<{ bin: string; pkg: string }> = [
  { bin: 'apt-get', pkg: 'apt' },
  { bin: 'dpkg-deb', pkg: 'dpkg' },
  { bin: 'depmod', pkg: 'kmod' },
  { bin: 'cpio', pkg: 'cpio' },
  { bin: 'busybox', pkg: 'busybox-static' },
  { bin: 'dropbear', pkg: 'dropbear-bin' },
  { bin: 'mkfs.ext4', pkg: 'e2fsprogs' },
];

const DEFAULT_TOKEN_FILE = '/etc/banger/helper.token';

export interface HelperPingResult {
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface HostDoctorOptions {
  layout: Layout;
  env: Env;
  /** @default process.arch */
  arch?: string;
  /** @default process.getuid() */
  uid?: number;
  /** Where the accelerator probe looks (tests point it at a fake /dev and /sys/module). */
  accelProbe?: AccelProbeEnv;
  /** Replaces the helper socket ping (tests). */
  pingHelper?: () => Promise<HelperPingResult>;
  /** Helper ping timeout. @default 2000 */
  helperTimeoutMs?: number;
  /** Device nodes Firecracker wants (tests point them into a temp dir). */
  devices?: { vhostVsock?: string; mapperControl?: string; procMisc?: string; tun?: string };
  /** /sys/class/net (tests point it at a fake tree). */
  sysNet?: string;
  /**
   * Where dmsetup is looked for after PATH: the root helper runs it with
   * root's PATH, which has the sbin dirs a user's PATH may lack.
   * @default ['/usr/sbin', '/sbin']
   */
  sbinDirs?: readonly string[];
  /** @default '/proc/sys/net/ipv4/ip_forward' */
  procIpForward?: string;
  /** Replaces the user-namespace probe behind the debian-profile row (tests). */
  probeUnshare?: typeof probeUnshare;
}

/**
 * The real DoctorPorts. Read-only by construction: the database is opened
 * with openReadOnly (never created, never migrated), the helper is only
 * pinged, and nothing here talks to bangerd, so doctor works (and is honest)
 * when the daemon is down or broken.
 */
export function createHostDoctorPorts(opts: HostDoctorOptions): DoctorPorts {
  const { layout, env } = opts;
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  const home = env.HOME ?? homedir();
  const whichBin = async (bin: string) => (await which(bin, env as NodeJS.ProcessEnv)) ?? null;

  let config: { ok: true; value: Config } | { ok: false; error: unknown } | undefined;
  const readConfig = (): { ok: true; value: Config } | { ok: false; error: unknown } => {
    if (!config) {
      try {
        config = { ok: true, value: loadConfig(layout.configFile) };
      } catch (error) {
        config = { ok: false, error };
      }
    }
    return config;
  };
  /** Throws the config error (its hint names the fix) for checks that cannot work without it. */
  const requireConfig = (): Config => {
    const c = readConfig();
    if (!c.ok) throw c.error;
    return c.value;
  };

  return {
    arch: () => opts.arch ?? process.arch,
    which: whichBin,
    isRoot: () => uid === 0,

    async accelerator() {
      const c = readConfig();
      // A broken config.toml is reported by the vm-defaults check; the probe still tells the truth here.
      const setting = c.ok ? c.value.accel : 'auto';
      return acceleratorReport(await chooseAccel(setting, opts.accelProbe));
    },

    async tunAccess() {
      const path = opts.devices?.tun ?? '/dev/net/tun';
      const user = env.USER ?? env.LOGNAME ?? `uid ${uid}`;
      try {
        const st = await stat(path);
        let canOpen = true;
        try {
          await access(path, constants.R_OK | constants.W_OK);
        } catch {
          canOpen = false;
        }
        return { present: true, canOpen, mode: `${modeString(st.mode)} ${st.uid === 0 ? 'root' : `uid ${st.uid}`}`, user };
      } catch {
        return { present: false, canOpen: false, mode: 'missing', user };
      }
    },

    async networkConflicts() {
      const c = requireConfig();
      const tag = instanceTag(instanceId(uid, layout.stateDir));
      const conflicts = findNetworkConflicts({ bridge: c.bridge_name, tapPrefix: c.tap_prefix, cidr: c.bridge_cidr, tag }, opts.sysNet ? { root: opts.sysNet } : {});
      return { bridge: c.bridge_name, conflicts, configFile: layout.configFile };
    },

    async helperStatus() {
      if (uid === 0) {
        return { ok: true, detail: 'running as root: bangerd performs privileged operations in-process, with the same validation' };
      }
      if (opts.pingHelper) return opts.pingHelper();
      return pingHelperSocket(layout.helperSocket, env.BANGER_HELPER_TOKEN_FILE ?? DEFAULT_TOKEN_FILE, opts.helperTimeoutMs ?? 2000);
    },

    async database() {
      if (!existsSync(layout.dbPath)) return { state: 'missing', detail: `no database at ${layout.dbPath} yet` };
      try {
        const store = openReadOnly(layout.dbPath);
        try {
          const v = store.schemaVersion();
          const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
          if (v > LATEST_SCHEMA_VERSION) {
            return { state: 'error', detail: `${layout.dbPath} has schema v${v}, newer than this banger (v${LATEST_SCHEMA_VERSION}); upgrade banger` };
          }
          const pending = v < LATEST_SCHEMA_VERSION ? `; migrated to v${LATEST_SCHEMA_VERSION} when the daemon next starts` : '';
          return { state: 'ok', detail: `${layout.dbPath}: schema v${v}${pending}, ${count('vms')} VMs, ${count('images')} images` };
        } finally {
          store.close();
        }
      } catch (err) {
        return { state: 'error', detail: `${layout.dbPath} cannot be read: ${(err as Error).message}` };
      }
    },

    async defaultImage() {
      const name = requireConfig().default_image;
      const image = existsSync(layout.dbPath) ? readImage(layout.dbPath, name) : undefined;
      if (image && (await isFile(image.rootfsPath))) {
        return { present: true, name, buildable: true, detail: `${image.profile} profile, ${image.rootfsPath}` };
      }
      const missing: { bin: string; pkg: string }[] = [];
      // An ordinary user's build makes the ext4 under fakeroot (src/host/storage/ownership.ts).
      const tools = uid === 0 ? IMAGE_BUILD_TOOLS : [...IMAGE_BUILD_TOOLS, { bin: 'fakeroot', pkg: 'fakeroot' }];
      for (const t of tools) if (!(await whichBin(t.bin))) missing.push(t);
      const broken = image ? `its rootfs ${image.rootfsPath} is missing; ` : '';
      if (missing.length > 0) {
        return {
          present: false,
          name,
          buildable: false,
          detail: `${broken}${missing.map((t) => t.bin).join(', ')} not installed`,
          fix: `apt-get install ${[...new Set(missing.map((t) => t.pkg))].join(' ')}`,
        };
      }
      const kernel = cachedKernels(join(layout.cacheDir, 'kernels'));
      const how = kernel ? `kernel ${kernel} cached` : 'the kernel package is fetched with apt-get on the first build';
      return { present: false, name, buildable: true, detail: `${broken}minimal profile tools present; ${how}` };
    },

    async images() {
      if (!existsSync(layout.dbPath)) return [];
      try {
        const store = openReadOnly(layout.dbPath);
        try {
          return store.images.list().map((i) => ({ name: i.name, source: i.source ?? legacyImageSource(i.profile) }));
        } finally {
          store.close();
        }
      } catch {
        // The database check reports an unreadable database; here it just means "none to list".
        return [];
      }
    },

    async snapshots() {
      const dir = layout.snapshotsDir;
      const names = existsSync(dir) ? readdirSync(dir) : [];
      let bytes = 0;
      for (const n of names) bytes += await dirAllocatedBytes(join(dir, n));
      // Compared where each would be made: the nearest existing ancestor.
      const dev = async (p: string) => (await stat(nearestExisting(p))).dev;
      const sameFilesystemAsVms = (await dev(dir)) === (await dev(layout.vmsDir));
      return { dir, count: names.length, bytes, sameFilesystemAsVms, reflinks: await canReflink(nearestExisting(dir)) };
    },

    async freeBytes() {
      const path = nearestExisting(layout.stateDir);
      const s = await statfs(path);
      return { path, free: s.bavail * s.bsize };
    },

    // Installed means ssh would find this layout's config: the Include names it and the file exists.
    sshIncludeInstalled: async () => (await includeStatus(home, layout.sshConfigPath)) === 'current' && existsSync(layout.sshConfigPath),

    async vmmConfig() {
      const setting = requireConfig().vmm;
      return { setting, qemuMachine: requireConfig().qemu_machine, source: vmmLineInConfig(layout.configFile) ? 'config' : 'default', configFile: layout.configFile };
    },

    vhostVsock: async () => isCharDevice(opts.devices?.vhostVsock ?? '/dev/vhost-vsock'),

    kvmGroup: () => probeKvmGroup({ ...(opts.accelProbe?.devKvm ? { device: opts.accelProbe.devKvm } : {}), ...(env.USER ? { user: env.USER } : {}) }),

    async firecrackerBinary() {
      const c = readConfig();
      const configured = c.ok ? c.value.firecracker_bin ?? null : null;
      return { configured, path: (await findFirecracker(configured ?? undefined, env as NodeJS.ProcessEnv)) ?? null };
    },

    async firecrackerSetup() {
      const c = readConfig();
      if (!c.ok) return { jailer: null, problems: [] };
      const { firecracker_bin: firecrackerBin, jailer_bin: jailerBin, jailer_chroot_base: jailerChrootBase } = c.value;
      const problems = firecrackerSetupProblems({
        ...(firecrackerBin ? { firecrackerBin } : {}),
        ...(jailerBin ? { jailerBin } : {}),
        jailerChrootBase,
        stateDir: layout.stateDir,
      });
      return { jailer: jailerBin ?? null, problems };
    },

    async deviceMapper() {
      const control = existsSync(opts.devices?.mapperControl ?? '/dev/mapper/control');
      // The same test the root helper makes before any dm operation (helper/ops/storage.ts).
      const misc = await readFile(opts.devices?.procMisc ?? '/proc/misc', 'utf8').catch(() => '');
      const driver = /\bdevice-mapper\b/.test(misc);
      let dmsetup = await whichBin('dmsetup');
      if (!dmsetup) dmsetup = (await which('dmsetup', { PATH: (opts.sbinDirs ?? ['/usr/sbin', '/sbin']).join(delimiter) })) ?? null;
      return { control, driver, dmsetup };
    },

    async ipForward() {
      // Read, never written: the helper turns it on with the first NAT VM.
      const v = await readFile(opts.procIpForward ?? '/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => null);
      return v === null ? null : v.trim() === '1';
    },

    async ownerImages() {
      const facts = await (opts.probeUnshare ?? probeUnshare)({ env: env as NodeJS.ProcessEnv });
      return { user: facts.user, fakeroot: await whichBin('fakeroot'), debian: unshareProblems(facts) };
    },

    async vmDefaults(): Promise<VmDefaultReport[]> {
      const d = resolveVmDefaults(requireConfig());
      return [
        { key: 'vcpu', value: String(d.vcpu.value), provenance: d.vcpu.from },
        { key: 'memory', value: formatMiB(d.memoryMiB.value), provenance: d.memoryMiB.from },
        { key: 'disk_size', value: formatSize(d.diskSizeBytes.value), provenance: d.diskSizeBytes.from },
        { key: 'overlay_size', value: formatSize(d.overlaySizeBytes.value), provenance: d.overlaySizeBytes.from },
      ];
    },
  };
}

/** Maps the VMM layer's accelerator decision to doctor's report. Pure. */
export function acceleratorReport(d: AccelDecision): AcceleratorReport {
  const kvm = ({ usable: 'usable', pvm: 'kvm_pvm', absent: 'none', 'no-access': 'unusable' } as const)[d.kvm];
  return { decision: d.accel, kvm, reason: d.reason, source: d.overridden ? 'config' : 'probe' };
}

async function pingHelperSocket(socket: string, tokenFile: string, timeoutMs: number): Promise<HelperPingResult> {
  if (!existsSync(socket)) {
    return { ok: false, detail: `no helper socket at ${socket}`, fix: 'sudo banger system install (or run bangerd as root)' };
  }
  const client = createHelperClient(socket, { ...(existsSync(tokenFile) ? { tokenFile } : {}), timeoutMs });
  try {
    const r = await client.call('helper.ping', {});
    return { ok: true, detail: `banger-helper ${r.version} answers at ${socket} (owner uid ${r.ownerUid})` };
  } catch (err) {
    return {
      ok: false,
      detail: err instanceof Error ? err.message : String(err),
      ...(err instanceof BangerError && err.hint ? { fix: err.hint } : {}),
    };
  } finally {
    client.close();
  }
}

function readImage(dbPath: string, name: string): { profile: string; rootfsPath: string } | undefined {
  try {
    const store = openReadOnly(dbPath);
    try {
      return store.images.getByName(name);
    } finally {
      store.close();
    }
  } catch {
    // The database check reports an unreadable database; here it just means "not present".
    return undefined;
  }
}

/** True when config.toml sets `vmm` itself (called only after loadConfig parsed the file). */
function vmmLineInConfig(path: string): boolean {
  try {
    return 'vmm' in parseToml(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
}

async function isCharDevice(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isCharacterDevice() === true;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

/** The newest cached kernel package name, or undefined (build staging dirs start with a dot). */
function cachedKernels(dir: string): string | undefined {
  try {
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort()
      .at(-1);
  } catch {
    return undefined;
  }
}

/** statfs needs an existing path; the state dir may not exist before the first start. */
function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** `crw-rw-rw-`-style rendering of a character device's mode (ls -l without the ACL mark). */
function modeString(mode: number): string {
  const bits = ['r', 'w', 'x'];
  let out = (mode & 0o170000) === 0o020000 ? 'c' : '-';
  for (let i = 8; i >= 0; i--) out += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  return out;
}
