export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. "accelerator". */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail. */
  fix?: string;
  /** Machine-readable facts behind the verdict (shown with --json). */
  facts?: Record<string, unknown>;
}

export interface AcceleratorReport {
  /** What the VMs will use. */
  decision: 'kvm' | 'tcg';
  /** What /dev/kvm is: a usable KVM, the kvm_pvm module (stock guest kernels hang), or absent. */
  kvm: 'usable' | 'kvm_pvm' | 'none' | 'unusable';
  reason: string;
  /** Where the decision came from. */
  source: 'config' | 'probe';
}

export interface VmDefaultReport {
  key: string;
  value: string;
  provenance: 'config' | 'auto' | 'builtin';
}

/**
 * Everything doctor needs from the host, behind one interface so the checks are
 * pure functions of it (tests pass a fake; `createHostDoctorPorts` is the real one).
 */
export interface DoctorPorts {
  arch(): string;
  /** Absolute path of an executable on PATH, or null. */
  which(bin: string): Promise<string | null>;
  accelerator(): Promise<AcceleratorReport>;
  /** Resolves when the root helper answers (or in-process ops are available as root). */
  helperStatus(): Promise<{ ok: boolean; detail: string; fix?: string }>;
  /** Opens the state database read-only (never migrates). */
  database(): Promise<{ state: 'ok' | 'missing' | 'error'; detail: string }>;
  /** Whether the configured default image exists; if not, whether this host can build it (no network probe). */
  defaultImage(): Promise<{ present: boolean; name: string; buildable: boolean; detail: string; fix?: string }>;
  /** Free bytes on the filesystem holding the state dir. */
  freeBytes(): Promise<{ path: string; free: number }>;
  /** True when ~/.ssh/config includes banger's ssh_config for this layout and that file exists. */
  sshIncludeInstalled(): Promise<boolean>;
  vmDefaults(): Promise<VmDefaultReport[]>;
  isRoot(): boolean;
}
