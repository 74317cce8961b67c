import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../host/package-root.js';

/**
 * Guest-side files (init scripts, the agent) are kept as real shell files in
 * the source tree so they can be linted and run on the host in tests. This
 * finds them under the package root, from src/ (tests), dist/ and the bundle alike.
 */
export function assetPath(relFromRepoRoot: string): string {
  const p = join(packageRoot(), relFromRepoRoot);
  if (!existsSync(p)) throw new Error(`banger asset ${relFromRepoRoot} not found; the package is incomplete`);
  return p;
}

/** The guest agent script (src/guest/assets/banger-agent.sh). */
export function agentScriptPath(): string {
  return assetPath('src/guest/assets/banger-agent.sh');
}

/** The guest's RNDRESEEDCRNG tool (static x86-64, no libc; source: banger-reseed.S next to it). */
export function reseedToolPath(): string {
  return assetPath('src/guest/assets/banger-reseed');
}

/**
 * The guest's vsock listener/connector (static x86-64, no libc; source:
 * banger-vsock.S next to it): serves the agent on AGENT_VSOCK_PORT under Firecracker.
 */
export function vsockToolPath(): string {
  return assetPath('src/guest/assets/banger-vsock');
}

/** A file of the minimal profile's guest side (src/images/minimal/assets/NAME). */
export function minimalAssetPath(name: string): string {
  return assetPath(join('src/images/minimal/assets', name));
}

/** A file of the debian profile's guest side (src/images/debian/assets/NAME). */
export function debianAssetPath(name: string): string {
  return assetPath(join('src/images/debian/assets', name));
}

/** A file of the guest kit added to imported images (src/images/guest-kit/assets/NAME). */
export function guestKitAssetPath(name: string): string {
  return assetPath(join('src/images/guest-kit/assets', name));
}
