import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { createHelperClient, createInProcessOps } from '../../../helper/index.js';
import type { PrivilegedOps } from '../../../helper/index.js';
import type { Config } from '../../config/index.js';
import type { Env, Layout } from '../../host/layout.js';

/** Where `banger system install` writes the helper token (TOKEN_PATH under /). */
export const DEFAULT_HELPER_TOKEN_FILE = '/etc/banger/helper.token';

/**
 * The root helper as bangerd sees it. As root (CI, this machine) the same
 * typed, validated operations run in-process, confined by the same policy a
 * `banger system install`ed helper gets; as a normal user they go to the
 * helper's socket.
 */
export function createPrivilegedOps(deps: { config: Config; layout: Layout; logger: Logger; env: Env; instance: string; uid?: number; gid?: number }): PrivilegedOps {
  const uid = deps.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) {
    return createInProcessOps({
      instance: deps.instance,
      policy: {
        ownerUid: 0,
        ownerName: 'root',
        ownerGid: deps.gid ?? process.getgid?.() ?? 0,
        bridge: deps.config.bridge_name,
        tapPrefix: deps.config.tap_prefix,
        cidr: deps.config.bridge_cidr,
        roots: [deps.layout.stateDir, deps.layout.runtimeDir, deps.layout.cacheDir],
        jailBase: deps.config.jailer_chroot_base,
      },
      logger: deps.logger.child({ component: 'helper' }),
    });
  }
  // A bangerd the CLI auto-started (not the unit, which sets the variable) finds the token where install put it.
  const tokenFile = deps.env.BANGER_HELPER_TOKEN_FILE ?? (existsSync(DEFAULT_HELPER_TOKEN_FILE) ? DEFAULT_HELPER_TOKEN_FILE : undefined);
  return createHelperClient(deps.layout.helperSocket, { instance: deps.instance, ...(tokenFile ? { tokenFile } : {}) });
}
