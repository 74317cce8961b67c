import { existsSync, statSync } from 'node:fs';
import { probeKvm } from '../../src/vmm/accel.js';
import { missingBinaries } from './vmm-capabilities.js';

/**
 * The named capabilities the KVM tier (test/kvm, `npm run test:kvm`) is gated
 * on. Each returns undefined when this host has it, or the reason it does not,
 * worded for the skip line: "kvm: /dev/kvm is kvm_pvm ...".
 */

/** `kvm`: a /dev/kvm this user can open, from real hardware virtualisation. */
export async function missingKvm(): Promise<string | undefined> {
  const why: Record<Awaited<ReturnType<typeof probeKvm>>, string | undefined> = {
    usable: undefined,
    pvm: 'kvm: /dev/kvm is kvm_pvm, under which stock guest kernels hang',
    absent: 'kvm: /dev/kvm does not exist',
    'no-access': 'kvm: this user cannot open /dev/kvm (kvm group)',
  };
  return why[await probeKvm()];
}

/**
 * `firecracker`: the binary, from BANGER_TEST_FIRECRACKER (an absolute path,
 * passed to banger as firecracker_bin) or on PATH.
 */
export function firecrackerBin(): string | undefined {
  const given = process.env.BANGER_TEST_FIRECRACKER;
  if (given) return existsSync(given) ? given : undefined;
  return missingBinaries('firecracker') ? undefined : 'firecracker';
}

export function missingFirecracker(): string | undefined {
  if (firecrackerBin()) return undefined;
  const given = process.env.BANGER_TEST_FIRECRACKER;
  return given ? `firecracker: BANGER_TEST_FIRECRACKER=${given} does not exist` : 'firecracker: not on PATH (or set BANGER_TEST_FIRECRACKER=/path/to/firecracker)';
}

/** `jailer`: BANGER_TEST_JAILER, a root-owned jailer binary (the helper runs it as root). */
export function missingJailer(): string | undefined {
  const given = process.env.BANGER_TEST_JAILER;
  if (!given) return 'jailer: set BANGER_TEST_JAILER=/path/to/jailer (root-owned, from the same release as firecracker)';
  try {
    return statSync(given).uid === 0 ? undefined : `jailer: ${given} is not owned by root`;
  } catch {
    return `jailer: BANGER_TEST_JAILER=${given} does not exist`;
  }
}

/** `vhost-vsock`: the host module Firecracker's docs list for vsock. */
export function missingVhostVsock(): string | undefined {
  try {
    return statSync('/dev/vhost-vsock').isCharacterDevice() ? undefined : 'vhost-vsock: /dev/vhost-vsock is not a character device';
  } catch {
    return 'vhost-vsock: /dev/vhost-vsock is missing (modprobe vhost_vsock)';
  }
}
