import { z } from 'zod';
import { parseDiskSize, parseMemoryMiB, SizeParseError, VMM_NAMES } from '../model/index.js';
import { parseDuration } from './duration.js';

/**
 * The `config.toml` schema. Keys are snake_case as users write them; every
 * table is strict so a misspelt key is an error, not a silently ignored line.
 * Defaults here are the built-in values; VM sizing defaults are resolved
 * separately (see vm-defaults.ts) because they depend on the host.
 */

const duration = z.string().refine((s) => parseDuration(s) !== null, {
  message: 'is not a duration; use e.g. "30s", "15m", "2h" or "0" for off',
});
/**
 * A size in banger's one grammar (src/model/size.ts): a string such as "8G" or a bare
 * number of MiB. Kept as written here; resolveVmDefaults turns it into bytes or MiB.
 * The issue says what was expected, and for a size out of range, why, with the fix as a hint.
 */
const size = (key: string, parse: (raw: string | number, what: string, example: (v: string) => string) => number) =>
  z.union([z.number(), z.string()]).superRefine((raw, ctx) => {
    const example = (v: string) => `${key} = "${v}"`;
    try {
      parse(raw, key, example);
    } catch (err) {
      if (!(err instanceof SizeParseError)) throw err;
      if (err.code === 'size.invalid') ctx.addIssue({ code: 'custom', message: err.message, params: { expected: 'a size like "2G" or "512M"', hint: err.hint } });
      else ctx.addIssue({ code: 'custom', message: err.detail, params: { verbatim: true, hint: err.hint } });
    }
  });
const absPath = z.string().regex(/^\/[^\0]*$/, 'is not an absolute path like "/usr/local/bin/firecracker"');
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, 'is not an IPv4 CIDR like "172.16.0.1/24"');
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'is not an IPv4 address like "192.0.2.53"');
const hostPort = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$/, 'is not HOST:PORT like "127.0.0.1:5353"');

export const FileSyncSchema = z
  .object({
    host: z.string().min(1),
    guest: z.string().min(1),
    mode: z.string().regex(/^0?[0-7]{3}$/, 'is not an octal mode like "0600"').optional(),
  })
  .strict();

export const VmDefaultsSchema = z
  .object({
    vcpu: z.number().int().positive().max(64).optional(),
    /** A size ("2G"), or a bare number of MiB. */
    memory: size('memory', parseMemoryMiB).optional(),
    disk_size: size('disk_size', parseDiskSize).optional(),
    overlay_size: size('overlay_size', parseDiskSize).optional(),
  })
  .strict();

/**
 * Knobs of the stand-in VMM (`vmm = "standin"`), which is for tests, benches
 * and development only: each "VM" is a plain sleeping process with no guest.
 * Delays make steps slow (to crash the daemon mid-start); `fail_at` makes one
 * step fail for every VM.
 */
export const StandinSchema = z
  .object({
    prepare_delay: duration.default('0'),
    launch_delay: duration.default('0'),
    guest_ready_delay: duration.default('0'),
    stop_delay: duration.default('0'),
    fail_at: z.enum(['prepare', 'launch', 'guest_ready', 'stop']).optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    /** `standin` is for tests and development only (see StandinSchema). */
    vmm: z.enum(['auto', ...VMM_NAMES]).default('auto'),
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    /**
     * QEMU's machine: "microvm" (virtio-mmio, the device model Firecracker also uses) or "pc"
     * (virtio-pci); "auto" is microvm under KVM and pc under TCG.
     */
    qemu_machine: z.enum(['auto', 'microvm', 'pc']).default('auto'),
    /** The Firecracker binary; unset: `firecracker` on PATH. */
    firecracker_bin: absPath.optional(),
    /** Firecracker's jailer; set, every Firecracker VM is launched through it (chroot, the owner's uid/gid, cgroup limits). */
    jailer_bin: absPath.optional(),
    /** Where the jailer builds each VM's chroot (root-owned; on the state dir's filesystem files are hard linked in, elsewhere bind mounted). */
    jailer_chroot_base: absPath.default('/srv/jailer'),
    bridge_name: z
      .string()
      // The root helper only manages bridges named br-*, so refuse anything else here, at load.
      .regex(/^br-[a-z0-9-]{1,12}$/, 'is not a banger bridge name ("br-" then 1-12 lowercase letters, digits or -, e.g. "br-banger")')
      .default('br-banger'),
    bridge_cidr: cidr.default('172.16.0.1/24'),
    /** Tap names are this prefix plus a number (the whole name at most 15 chars). */
    tap_prefix: z
      .string()
      // The root helper only touches taps named bg*, so the prefix must start with it.
      .regex(/^bg[a-z0-9]{1,8}$/, 'is not a tap prefix ("bg" then 1-8 lowercase letters or digits, e.g. "bgtap")')
      .default('bgtap'),
    tap_pool_size: z.number().int().min(0).max(64).default(2),
    /** Where NAME.vm is answered on the host; guests reach the same server on the bridge address, same port. */
    dns_listen: hostPort.default('127.0.0.1:5353'),
    /** Where names outside `.vm` are forwarded; empty: the host's own resolvers (/etc/resolv.conf). */
    default_dns: z.array(ipv4).max(8).default([]),
    /**
     * How NAME.vm reaches the host's resolver: "resolved" routes the `vm`
     * domain through systemd-resolved, "hosts" keeps a managed block in the
     * hosts file, "auto" picks resolved where it runs, else hosts; "off" leaves
     * the host alone.
     */
    host_dns: z.enum(['auto', 'resolved', 'hosts', 'off']).default('auto'),
    default_image: z.string().min(1).default('default'),
    auto_stop_stale_after: duration.default('0'),
    stats_poll_interval: duration.default('10s'),
    file_sync: z.array(FileSyncSchema).default([]),
    vm_defaults: VmDefaultsSchema.default({}),
    standin: StandinSchema.default({
      prepare_delay: '0',
      launch_delay: '0',
      guest_ready_delay: '0',
      stop_delay: '0',
    }),
  })
  .strict();

/** Parsed config with defaults applied (snake_case, as in the file). */
export type Config = z.output<typeof ConfigSchema>;
