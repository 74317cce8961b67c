import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import type { CommandRunner } from '../host/exec/index.js';
import { resolveLayout } from '../host/layout.js';
import { packageRoot } from '../host/package-root.js';
import { fileStatuses, installFiles, planInstall, readMetadata, uninstallFiles, type FileStatus, type UninstallResult } from './install.js';
import { TOKEN_PATH } from './install.js';
import { assertSystemd, runSystemctl, systemctlPlans, systemdRunning, unitStates } from './systemctl.js';
import type { UnitParams } from './units.js';

export interface SystemServiceDeps {
  runner: CommandRunner;
  env: Record<string, string | undefined>;
  exists?: (p: string) => boolean;
  /** The built tree (dist/); default: dist/ under the package root. */
  distDir?: string;
  nodePath?: string;
}

export interface InstallRequest {
  /** Install under this directory instead of / (no systemctl calls then). @default '/' */
  root?: string;
  /** Owner user; default SUDO_USER, else USER. */
  owner?: string;
  bridge?: string;
  tapPrefix?: string;
  cidr?: string;
  /** Where the helper listens. @default /run/banger/helper.sock */
  helperSocket?: string;
  /** Let the helper run Firecracker's jailer, with jails under this dir (config `jailer_chroot_base`). */
  jailerBase?: string;
}

export interface SystemStatus {
  installed: boolean;
  root: string;
  ownerUser?: string;
  files: FileStatus[];
  systemd: boolean;
  units?: Record<string, string>;
}

export interface SystemService {
  install(req: InstallRequest): Promise<{ root: string; files: string[]; started: boolean; note?: string }>;
  uninstall(req: { root?: string; force?: boolean }): Promise<UninstallResult & { stopped: boolean }>;
  status(req: { root?: string }): Promise<SystemStatus>;
  restart(): Promise<{ restarted: string[] }>;
}

interface Owner {
  user: string;
  uid: number;
  gid: number;
  home: string;
}

export function createSystemService(deps: SystemServiceDeps): SystemService {
  const exists = deps.exists ?? existsSync;
  const distDir = deps.distDir ?? join(packageRoot(), 'dist');
  const live = (root: string) => resolve(root) === '/';

  const lookupOwner = async (name: string): Promise<Owner> => {
    const res = await deps.runner.run('getent', ['passwd', name]);
    const fields = res.stdout.trim().split(':');
    if (res.exitCode !== 0 || fields.length < 7) {
      throw new InvalidInputError(`no such user ${JSON.stringify(name)}`, { code: 'system.owner_unknown', hint: 'pass --owner USER with an existing user' });
    }
    return { user: name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] as string };
  };

  return {
    async install(req) {
      const root = resolve(req.root ?? '/');
      const ownerName = req.owner ?? deps.env.SUDO_USER ?? deps.env.USER;
      if (!ownerName) throw new InvalidInputError('cannot tell which user banger is for', { code: 'system.owner_unknown', hint: 'pass --owner USER' });
      const owner = await lookupOwner(ownerName);
      // The owner's layout, as bangerd will see it under systemd (XDG defaults, /run/user runtime).
      const layout = resolveLayout({ HOME: owner.home, XDG_RUNTIME_DIR: `/run/user/${owner.uid}` });
      const params: UnitParams = {
        ownerUser: owner.user,
        ownerUid: owner.uid,
        ownerGid: owner.gid,
        nodePath: deps.nodePath ?? process.execPath,
        distDir,
        stateDir: layout.stateDir,
        runtimeDir: layout.runtimeDir,
        cacheDir: layout.cacheDir,
        configDir: layout.configDir,
        helperSocket: req.helperSocket ?? '/run/banger/helper.sock',
        // Under another root the units name the token written there, so a staged install runs as it is.
        tokenFile: join(root, TOKEN_PATH),
        bridge: req.bridge ?? 'br-banger',
        tapPrefix: req.tapPrefix ?? 'bgtap',
        cidr: req.cidr ?? '172.16.0.1/24',
        ...(req.jailerBase ? { jailerBase: req.jailerBase } : {}),
      };
      const meta = installFiles(planInstall(params), { root, ownerUser: owner.user, ownerUid: owner.uid, ownerGid: owner.gid });
      const files = meta.files.map((f) => join(root, f.path));
      if (!live(root)) return { root, files, started: false, note: `installed under ${root}; systemctl not run for a non-/ root` };
      if (!systemdRunning(exists)) return { root, files, started: false, note: 'systemd is not PID 1 here: units written, not started' };
      await runSystemctl(deps.runner, systemctlPlans.enable);
      return { root, files, started: true };
    },

    async uninstall(req) {
      const root = resolve(req.root ?? '/');
      let stopped = false;
      if (live(root) && systemdRunning(exists) && readMetadata(root)) {
        await runSystemctl(deps.runner, [systemctlPlans.disable[0]]);
        stopped = true;
      }
      const result = uninstallFiles(root, { force: req.force ?? false });
      if (stopped) await runSystemctl(deps.runner, [systemctlPlans.disable[1]]);
      return { ...result, stopped };
    },

    async status(req) {
      const root = resolve(req.root ?? '/');
      const meta = readMetadata(root);
      const systemd = systemdRunning(exists);
      return {
        installed: meta !== null,
        root,
        ...(meta ? { ownerUser: meta.ownerUser } : {}),
        files: meta ? fileStatuses(root, meta) : [],
        systemd,
        ...(systemd && live(root) ? { units: await unitStates(deps.runner) } : {}),
      };
    },

    async restart() {
      assertSystemd(exists);
      await runSystemctl(deps.runner, systemctlPlans.restart);
      return { restarted: [...systemctlPlans.restart[0].slice(1)] };
    },
  };
}
