import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { VmmError } from '../../errors/index.js';
import { which } from '../../host/exec/index.js';

/** Config `firecracker_bin` when set, else `firecracker` on PATH: the absolute path, or undefined when neither is an executable. */
export async function findFirecracker(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (configured === undefined) return which('firecracker', env);
  if (!isAbsolute(configured)) return undefined;
  return access(configured, constants.X_OK).then(
    () => configured,
    () => undefined,
  );
}

/** Is there a Firecracker binary to run (bangerd's `vmm = "auto"` choice)? */
export async function firecrackerInstalled(configured: string | undefined): Promise<boolean> {
  return (await findFirecracker(configured)) !== undefined;
}

/** The binary to run (the configured path, or PATH's), or a VmmError naming the setting and the fix. */
export async function requireFirecracker(configured: string | undefined): Promise<string> {
  const found = await findFirecracker(configured);
  if (!found) {
    throw new VmmError(configured ? `firecracker_bin ${configured} is not an executable file` : 'firecracker is not installed (not on PATH)', {
      code: 'vmm.binary_missing',
      hint: configured
        ? `install Firecracker there (${'github.com/firecracker-microvm/firecracker/releases'}) or fix firecracker_bin in config.toml, or use vmm = "qemu"`
        : 'install Firecracker on PATH or set firecracker_bin in config.toml to its binary, or use vmm = "qemu"',
    });
  }
  return found;
}
