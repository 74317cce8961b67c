import { BangerError } from '../errors/index.js';
import { formatImageSource, formatSize, GiB } from '../model/index.js';
import { chooseVmmKind } from '../vmm/choose.js';
import { FIRECRACKER_RELEASES, firecrackerHostChecks } from '../vmm/firecracker/doctor.js';
import { chooseQemuMachine, describeQemuMachine } from '../vmm/qemu/machine.js';
import { checkKvmReadiness } from './kvm-readiness.js';
import type { CheckResult, DoctorPorts } from './types.js';

/** Tools banger runs on the host, with what each is for. */
export const HOST_TOOLS: ReadonlyArray<{ bin: string; why: string; pkg: string; required: boolean }> = [
  { bin: 'ip', why: 'bridge and tap devices', pkg: 'iproute2', required: true },
  { bin: 'iptables', why: 'NAT for --nat VMs', pkg: 'iptables', required: false },
  { bin: 'qemu-img', why: 'copy-on-write overlays', pkg: 'qemu-utils', required: true },
  { bin: 'mkfs.ext4', why: 'work disks and image root filesystems', pkg: 'e2fsprogs', required: true },
  { bin: 'resize2fs', why: 'growing work disks', pkg: 'e2fsprogs', required: true },
  { bin: 'e2fsck', why: 'checking work disks before a resize', pkg: 'e2fsprogs', required: true },
  { bin: 'debugfs', why: "reading a stopped VM's ext4 disks when troubleshooting", pkg: 'e2fsprogs', required: false },
  { bin: 'busybox', why: 'the minimal image (init, shell, applets)', pkg: 'busybox-static', required: false },
  { bin: 'ssh', why: 'ssh NAME.vm through banger ssh-config', pkg: 'openssh-client', required: false },
  { bin: 'git', why: 'workspace copy for vm run', pkg: 'git', required: false },
  { bin: 'cpio', why: 'minimal image initramfs', pkg: 'cpio', required: false },
  { bin: 'mmdebstrap', why: 'the debian image profile', pkg: 'mmdebstrap', required: false },
];

const MIN_FREE_WARN = 10 * GiB;
const MIN_FREE_FAIL = 2 * GiB;

export async function checkArchitecture(p: DoctorPorts): Promise<CheckResult> {
  const arch = p.arch();
  if (arch === 'x64') return { id: 'architecture', title: 'architecture', status: 'pass', detail: 'x86_64' };
  return {
    id: 'architecture',
    title: 'architecture',
    status: 'fail',
    detail: `${arch} is not supported yet`,
    fix: 'run banger on an x86_64 Linux host',
  };
}

export async function checkAccelerator(p: DoctorPorts): Promise<CheckResult> {
  const a = await p.accelerator();
  const base = { id: 'accelerator', title: 'accelerator', facts: { ...a } };
  if (a.decision === 'kvm' && a.kvm === 'usable') return { ...base, status: 'pass', detail: `KVM: ${a.reason}` };
  if (a.decision === 'kvm') {
    // Only config can force KVM onto a host where the probe says no.
    return { ...base, status: 'fail', detail: `KVM forced: ${a.reason}`, fix: 'set accel = "auto" (or "tcg") in config.toml' };
  }
  const fix =
    a.kvm === 'kvm_pvm'
      ? 'nothing to do: kvm_pvm hangs stock guest kernels, so banger uses QEMU TCG; expect boots of seconds, not milliseconds'
      : a.kvm === 'unusable'
        ? 'add your user to the kvm group (sudo usermod -aG kvm $USER), then log in again'
        : 'for fast boots, run on a host with hardware virtualisation and access to /dev/kvm (add your user to the kvm group)';
  return { ...base, status: 'warn', detail: `TCG software emulation: ${a.reason}`, fix };
}

/**
 * Judges the VMM config.toml selects, resolved by the function bangerd uses
 * (src/vmm/choose.ts chooseVmmKind): one `vmm` row, plus one row per
 * host requirement when that VMM is Firecracker. A missing part that stops a
 * VM from starting is a fail; one that only degrades it is a warn.
 */
export async function checkVmm(p: DoctorPorts): Promise<CheckResult[]> {
  const [cfg, a, qemu, fcBin] = await Promise.all([p.vmmConfig(), p.accelerator(), p.which('qemu-system-x86_64'), p.firecrackerBinary()]);
  const fc = fcBin.path;
  const file = cfg.configFile;
  const chosen = chooseVmmKind(cfg.setting, { kvmUsable: a.kvm === 'usable', firecrackerInstalled: fc !== null });
  const how = cfg.setting === 'auto' ? `vmm = "auto"${cfg.source === 'default' ? ' (default)' : ` in ${file}`}` : `vmm = "${cfg.setting}" in ${file}`;
  const base = { id: 'vmm', title: 'VMM', facts: { setting: cfg.setting, source: cfg.source, configFile: file, chosen, qemu, firecracker: fc } };

  if (chosen === 'standin') {
    return [{
      ...base,
      status: 'warn',
      detail: `${how}: VMs are stand-in processes for tests and development, with no guest (no kernel, no SSH)`,
      fix: `set vmm = "qemu" in ${file} for real VMs`,
    }];
  }

  if (chosen === 'qemu') {
    const runs = `QEMU with ${describeQemuMachine(chooseQemuMachine(cfg.qemuMachine, a.decision), a.decision)}`;
    if (!qemu) {
      return [{ ...base, status: 'fail', detail: `${how} selects ${runs}, but qemu-system-x86_64 is not on PATH`, fix: 'apt-get install qemu-system-x86' }];
    }
    const detail = `${how}: ${runs}, ${qemu}`;
    if (cfg.setting !== 'auto') return [{ ...base, status: 'pass', detail }];
    // auto: say why Firecracker was not picked; suggest it only where it would be picked.
    if (!fc && a.kvm === 'usable') {
      return [{
        ...base,
        status: 'warn',
        detail: `${detail}; firecracker not installed, so VMs use QEMU`,
        fix: `optional: install firecracker (${FIRECRACKER_RELEASES}) for faster boots on this KVM host`,
      }];
    }
    const why = fc ? `firecracker is installed but needs usable KVM (/dev/kvm: ${a.kvm})` : 'firecracker not installed';
    return [{ ...base, status: 'pass', detail: `${detail} (${why})` }];
  }

  // Firecracker: the binary, then what it needs from this host.
  const vmmRow: CheckResult = fc
    ? { ...base, status: 'pass', detail: `${how}: Firecracker, ${fc}` }
    : {
        ...base,
        status: 'fail',
        detail: fcBin.configured
          ? `${how}, but firecracker_bin ${fcBin.configured} is not an executable file: VMs cannot start`
          : `${how}, but firecracker is not on PATH: VMs cannot start`,
        fix: fcBin.configured
          ? `install firecracker (${FIRECRACKER_RELEASES}) at ${fcBin.configured}, fix firecracker_bin, or set vmm = "qemu" in ${file}`
          : `install firecracker (${FIRECRACKER_RELEASES}) and put it on PATH (or set firecracker_bin), or set vmm = "qemu" in ${file}`,
      };
  const [vsock, dm, setup] = await Promise.all([p.vhostVsock(), p.deviceMapper(), p.firecrackerSetup()]);
  // The jailer and its chroot base, when configured (the binary itself is the vmm row's).
  const setupRows: CheckResult[] = setup.problems
    .filter((x) => x.id !== 'firecracker-binary')
    .map((x) => ({ id: x.id, title: x.id === 'jailer-binary' ? 'firecracker jailer' : 'jailer chroot', status: x.severity, detail: x.detail, fix: x.fix }));
  return [vmmRow, ...firecrackerHostChecks(a, file, vsock, dm), ...setupRows];
}

/** NAT VMs need forwarding; the helper turns it on with the first one, so off is only worth a note. */
export async function checkIpForward(p: DoctorPorts): Promise<CheckResult> {
  const on = await p.ipForward();
  const base = { id: 'ip-forward', title: 'ip_forward', facts: { ipForward: on } };
  if (on === true) return { ...base, status: 'pass', detail: 'net.ipv4.ip_forward is 1: NAT VMs reach the outside' };
  return {
    ...base,
    status: 'warn',
    detail: on === false ? 'net.ipv4.ip_forward is 0: no traffic is forwarded yet' : 'net.ipv4.ip_forward cannot be read (/proc/sys/net/ipv4/ip_forward)',
    fix: 'nothing to do: NAT VMs turn it on through the helper (and it stays on, as with docker and libvirt)',
  };
}

export async function checkHostTools(p: DoctorPorts): Promise<CheckResult> {
  const missing: typeof HOST_TOOLS[number][] = [];
  for (const t of HOST_TOOLS) if (!(await p.which(t.bin))) missing.push(t);
  const base = { id: 'host-tools', title: 'host tools' };
  if (missing.length === 0) return { ...base, status: 'pass', detail: HOST_TOOLS.map((t) => t.bin).join(', ') };
  const pkgs = [...new Set(missing.map((t) => t.pkg))].join(' ');
  const detail = missing.map((t) => `${t.bin} (${t.why})`).join(', ') + ' missing';
  const status = missing.some((t) => t.required) ? 'fail' : 'warn';
  return { ...base, status, detail, fix: `apt-get install ${pkgs}` };
}

export async function checkHelper(p: DoctorPorts): Promise<CheckResult> {
  const h = await p.helperStatus();
  const base = { id: 'helper', title: 'root helper' };
  if (h.ok) return { ...base, status: 'pass', detail: h.detail };
  return { ...base, status: 'fail', detail: h.detail, fix: h.fix ?? 'sudo banger system install (or run bangerd as root)' };
}

export async function checkTun(p: DoctorPorts): Promise<CheckResult> {
  const t = await p.tunAccess();
  const base = { id: 'tun', title: 'tap access', facts: { ...t } };
  if (!t.present) return { ...base, status: 'fail', detail: '/dev/net/tun is missing', fix: 'modprobe tun' };
  if (p.isRoot()) return { ...base, status: 'pass', detail: `root opens /dev/net/tun (${t.mode})` };
  if (t.canOpen) return { ...base, status: 'pass', detail: `${t.user} can open /dev/net/tun (${t.mode}), so its VMMs attach to their taps without root` };
  return {
    ...base,
    status: 'fail',
    detail: `/dev/net/tun is ${t.mode}: ${t.user}'s VMMs cannot open their taps`,
    fix: `start banger-helper (sudo banger system install --owner ${t.user}): while it runs it grants ${t.user} access to /dev/net/tun`,
  };
}

export async function checkNetwork(p: DoctorPorts): Promise<CheckResult> {
  const n = await p.networkConflicts();
  const base = { id: 'network', title: 'VM network', facts: { ...n } };
  if (n.conflicts.length === 0) return { ...base, status: 'pass', detail: `${n.bridge} and its taps and addresses are free or this instance's` };
  const keys = [...new Set(n.conflicts.map((c) => c.key))].join(', ');
  return { ...base, status: 'fail', detail: n.conflicts.map((c) => c.message).join('; '), fix: `give this instance a network of its own: set ${keys} in ${n.configFile}` };
}

export async function checkDatabase(p: DoctorPorts): Promise<CheckResult> {
  const d = await p.database();
  const base = { id: 'database', title: 'state database' };
  if (d.state === 'ok') return { ...base, status: 'pass', detail: d.detail };
  if (d.state === 'missing') return { ...base, status: 'pass', detail: `${d.detail} (created when the daemon first starts)` };
  return { ...base, status: 'fail', detail: d.detail, fix: 'move the database aside and run banger daemon start to create a new one' };
}

export async function checkDefaultImage(p: DoctorPorts): Promise<CheckResult> {
  const img = await p.defaultImage();
  const base = { id: 'default-image', title: 'default image' };
  if (img.present) return { ...base, status: 'pass', detail: `${img.name}: ${img.detail}` };
  if (img.buildable) {
    return { ...base, status: 'pass', detail: `${img.name} not built yet; built automatically on first use (${img.detail})` };
  }
  return { ...base, status: 'fail', detail: `${img.name} missing and cannot be built: ${img.detail}`, fix: img.fix ?? 'install the missing tools listed above' };
}

/**
 * As an ordinary user, images keep root ownership inside through fakeroot
 * (every build and import, the default image included: a fail), and the
 * debian profile also needs mmdebstrap in a user namespace (optional: a
 * warn). No rows as root, which needs neither.
 */
export async function checkOwnerImages(p: DoctorPorts): Promise<CheckResult[]> {
  if (p.isRoot()) return [];
  const r = await p.ownerImages();
  const owner: CheckResult = r.fakeroot
    ? { id: 'image-ownership', title: 'image ownership', status: 'pass', detail: `fakeroot (${r.fakeroot}) keeps files root-owned inside images built or imported as ${r.user}` }
    : {
        id: 'image-ownership',
        title: 'image ownership',
        status: 'fail',
        detail: `fakeroot is not installed: images cannot be built or imported as ${r.user} (files would not be root's inside)`,
        fix: 'apt-get install fakeroot',
      };
  const debian: CheckResult =
    r.debian.length === 0
      ? { id: 'debian-profile', title: 'debian profile', status: 'pass', detail: `mmdebstrap in a user namespace can build --profile debian as ${r.user}` }
      : {
          id: 'debian-profile',
          title: 'debian profile',
          status: 'warn',
          detail: `--profile debian cannot build as ${r.user}: ${r.debian.map((d) => d.what).join('; ')}`,
          fix: r.debian.map((d) => d.fix).join('; '),
          facts: { problems: r.debian },
        };
  return [owner, debian];
}

/**
 * Each image and where it came from, one line each. Always a pass: provenance
 * is information, and a pulled image whose blobs left the cache is whole (the
 * cache only saves downloads for later pulls and resumes).
 */
export async function checkImages(p: DoctorPorts): Promise<CheckResult> {
  const images = await p.images();
  const base = { id: 'images', title: 'images', status: 'pass' as const };
  if (images.length === 0) return { ...base, detail: 'none yet' };
  return {
    ...base,
    detail: images.map((i) => `${i.name}: ${formatImageSource(i.source)}`).join('\n'),
    facts: { images },
  };
}

export async function checkFreeDisk(p: DoctorPorts): Promise<CheckResult> {
  const { path, free } = await p.freeBytes();
  const base = { id: 'disk', title: 'free disk' };
  const detail = `${formatSize(free)} free at ${path}`;
  if (free < MIN_FREE_FAIL) return { ...base, status: 'fail', detail, fix: `free at least ${formatSize(MIN_FREE_FAIL)} there, or point XDG_STATE_HOME elsewhere` };
  if (free < MIN_FREE_WARN) return { ...base, status: 'warn', detail, fix: `images and work disks want ${formatSize(MIN_FREE_WARN)} or more` };
  return { ...base, status: 'pass', detail };
}

/** Where snapshots go and what they take; Firecracker's disk snapshots need reflinks there. */
export async function checkSnapshots(p: DoctorPorts): Promise<CheckResult> {
  const s = await p.snapshots();
  const base = { id: 'snapshots', title: 'snapshots' };
  const detail = `${s.count} in ${s.dir}, ${formatSize(s.bytes)} on disk`;
  const facts = { dir: s.dir, count: s.count, bytes: s.bytes, reflinks: s.reflinks };
  if (!s.sameFilesystemAsVms) {
    return { ...base, status: 'fail', detail: `${detail}; not on the same filesystem as the VM disks`, fix: 'keep snapshots/ and vms/ of the state directory on one filesystem (a snapshot moves disks, it never copies them)', facts };
  }
  const vmm = await p.vmmConfig().catch(() => undefined);
  if (vmm?.setting === 'firecracker' && !s.reflinks) {
    return { ...base, status: 'warn', detail: `${detail}; this filesystem has no reflinks, which Firecracker's disk snapshots need`, fix: 'put the state directory on XFS or btrfs, or use vmm = "qemu"', facts };
  }
  return { ...base, status: 'pass', detail: `${detail}${s.reflinks ? ' (reflinks available)' : ''}`, facts };
}

export async function checkSshInclude(p: DoctorPorts): Promise<CheckResult> {
  const base = { id: 'ssh-include', title: 'ssh NAME.vm' };
  if (await p.sshIncludeInstalled()) return { ...base, status: 'pass', detail: '~/.ssh/config includes banger ssh_config' };
  return { ...base, status: 'warn', detail: 'ssh NAME.vm is not set up (banger vm ssh works regardless)', fix: 'banger ssh-config --install' };
}

export async function checkVmDefaults(p: DoctorPorts): Promise<CheckResult> {
  const defaults = await p.vmDefaults();
  return {
    id: 'vm-defaults',
    title: 'VM defaults',
    status: 'pass',
    detail: defaults.map((d) => `${d.key}=${d.value} (${d.provenance})`).join(', '),
  };
}

export interface DoctorCheck {
  id: string;
  title: string;
  /** One row, or several (the VMM check adds a row per Firecracker requirement). */
  run: (p: DoctorPorts) => Promise<CheckResult | CheckResult[]>;
}

/** In report order; id and title here name a check even when it crashes. */
export const ALL_CHECKS: readonly DoctorCheck[] = [
  { id: 'architecture', title: 'architecture', run: checkArchitecture },
  { id: 'accelerator', title: 'accelerator', run: checkAccelerator },
  { id: 'vmm', title: 'VMM', run: checkVmm },
  { id: 'kvm-readiness', title: 'KVM readiness', run: checkKvmReadiness },
  { id: 'host-tools', title: 'host tools', run: checkHostTools },
  { id: 'ip-forward', title: 'ip_forward', run: checkIpForward },
  { id: 'helper', title: 'root helper', run: checkHelper },
  { id: 'tun', title: 'tap access', run: checkTun },
  { id: 'network', title: 'VM network', run: checkNetwork },
  { id: 'database', title: 'state database', run: checkDatabase },
  { id: 'default-image', title: 'default image', run: checkDefaultImage },
  { id: 'owner-images', title: 'images as an ordinary user', run: checkOwnerImages },
  { id: 'images', title: 'images', run: checkImages },
  { id: 'disk', title: 'free disk', run: checkFreeDisk },
  { id: 'snapshots', title: 'snapshots', run: checkSnapshots },
  { id: 'ssh-include', title: 'ssh NAME.vm', run: checkSshInclude },
  { id: 'vm-defaults', title: 'VM defaults', run: checkVmDefaults },
];

/** Runs every check; a check that throws becomes a fail row instead of aborting the report. */
export async function runDoctor(p: DoctorPorts, checks: readonly DoctorCheck[] = ALL_CHECKS): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const check of checks) {
    try {
      out.push(...[await check.run(p)].flat());
    } catch (err) {
      // A BangerError (bad config.toml, unreadable file) carries its own fix; anything else is our bug.
      const hint = err instanceof BangerError ? err.hint : undefined;
      // First line only: a config error's further lines (the file's line and a caret) do not fit a report row; FILE:LINE:COLUMN stays.
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      out.push({
        id: check.id,
        title: check.title,
        status: 'fail',
        detail: hint ? message : `check crashed: ${message}`,
        fix: hint ?? 'report this as a banger bug',
      });
    }
  }
  return out;
}

/** True when no check failed (warnings allowed): `banger doctor` exits 1 otherwise. */
export function doctorPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== 'fail');
}

/** Human rendering: one line a check, then indented fixes. */
export function formatDoctor(results: CheckResult[]): string {
  const lines: string[] = [];
  const width = Math.max(...results.map((r) => r.title.length));
  for (const r of results) {
    // A detail of several lines (the images row) continues under its first line.
    lines.push(`${r.status.toUpperCase().padEnd(4)}  ${r.title.padEnd(width)}  ${r.detail.split('\n').join(`\n      ${' '.repeat(width)}  `)}`);
    if (r.fix && r.status !== 'pass') lines.push(`      ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  const fails = results.filter((r) => r.status === 'fail').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  lines.push('', fails > 0 ? `${fails} failed, ${warns} warnings` : `all checks passed${warns ? ` (${warns} warnings)` : ''}`);
  return lines.join('\n');
}
