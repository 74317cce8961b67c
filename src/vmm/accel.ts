import { access, constants, stat } from 'node:fs/promises';
import { pathExists } from '../host/path-exists.js';

/**
 * Decides which accelerator QEMU should use. /dev/kvm existing is not enough:
 * under kvm_pvm (KVM implemented with paravirtualised page tables inside a
 * VM) stock guest kernels hang, so it counts as unusable and we pick TCG.
 * The decision and its reason are shown by `banger doctor`.
 */

export type AccelSetting = 'auto' | 'kvm' | 'tcg';
export type Accel = 'kvm' | 'tcg';
export type KvmState = 'usable' | 'pvm' | 'absent' | 'no-access';

export interface AccelDecision {
  accel: Accel;
  kvm: KvmState;
  /** One line for doctor, e.g. "/dev/kvm is kvm_pvm (stock kernels hang under it); using TCG". */
  reason: string;
  /** True when config forced the choice. */
  overridden: boolean;
}

export interface AccelProbeEnv {
  devKvm?: string;
  /** Where loaded modules show up. @default '/sys/module' */
  sysModuleDir?: string;
}

export async function probeKvm(env: AccelProbeEnv = {}): Promise<KvmState> {
  const dev = env.devKvm ?? '/dev/kvm';
  const mods = env.sysModuleDir ?? '/sys/module';
  const st = await stat(dev).catch(() => undefined);
  if (!st?.isCharacterDevice()) return 'absent';
  // kvm_pvm registers its own module; when loaded it is the provider behind /dev/kvm.
  if (await pathExists(`${mods}/kvm_pvm`)) return 'pvm';
  try {
    await access(dev, constants.R_OK | constants.W_OK);
  } catch {
    return 'no-access';
  }
  return 'usable';
}

/** Pure: combines the config setting with the probe result. */
export function decideAccel(setting: AccelSetting, kvm: KvmState, devKvm = '/dev/kvm'): AccelDecision {
  const why: Record<KvmState, string> = {
    usable: `${devKvm} is usable`,
    pvm: `${devKvm} is provided by kvm_pvm, under which stock guest kernels hang`,
    absent: `${devKvm} does not exist`,
    'no-access': `${devKvm} exists but this user cannot open it (add the user to the kvm group)`,
  };
  if (setting === 'tcg') return { accel: 'tcg', kvm, reason: `accel = tcg in config (${why[kvm]})`, overridden: true };
  if (setting === 'kvm') {
    return {
      accel: 'kvm',
      kvm,
      reason: kvm === 'usable' ? `accel = kvm in config; ${why[kvm]}` : `accel = kvm in config although ${why[kvm]}; boots may fail`,
      overridden: true,
    };
  }
  if (kvm === 'usable') return { accel: 'kvm', kvm, reason: `${why[kvm]}; using KVM (microvm machine)`, overridden: false };
  return { accel: 'tcg', kvm, reason: `${why[kvm]}; using TCG (pc machine, slower)`, overridden: false };
}

export async function chooseAccel(setting: AccelSetting = 'auto', env: AccelProbeEnv = {}): Promise<AccelDecision> {
  return decideAccel(setting, await probeKvm(env), env.devKvm);
}


