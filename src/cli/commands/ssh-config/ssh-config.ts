import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import { installInclude, isIncludeInstalled, renderSshConfig, uninstallInclude } from '../../../guest/ssh-config/index.js';
import type { Env, Layout } from '../../../host/layout.js';
import { which } from '../../../host/exec/index.js';
import { distPath } from '../../../host/package-root.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = "Print banger's ssh_config for NAME.vm; --install adds an Include to ~/.ssh/config";

export function options(cmd: Command): void {
  cmd
    .option('--install', 'add a marker-fenced Include of it at the top of ~/.ssh/config (idempotent)')
    .option('--uninstall', 'remove exactly that Include block again');
}

/**
 * Always (re)writes banger's own ssh_config in the config dir first, so an
 * installed Include never points at a stale proxy path after an upgrade.
 */
export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  if (opts.install === true && opts.uninstall === true) {
    throw new UsageError('--install and --uninstall cannot be combined', { code: 'usage.conflicting_options', hint: 'pass one of them' });
  }
  const home = cli.env.HOME ?? homedir();
  const path = cli.layout.sshConfigPath;

  if (opts.uninstall === true) {
    const r = await uninstallInclude(home);
    await rm(path, { force: true });
    return {
      data: { installed: false, changed: r.changed, userConfig: r.path, sshConfig: path },
      human: r.changed ? `removed banger's Include from ${r.path}` : `${r.path} has no banger Include; nothing to remove`,
    };
  }

  const content = renderSshConfig({
    keyPath: cli.layout.sshKeyPath,
    knownHostsPath: cli.layout.knownHostsPath,
    proxyCommand: await proxyArgv(cli.env),
  });
  await writeIfChanged(cli.layout, content);

  if (opts.install === true) {
    const r = await installInclude(home, path);
    return {
      data: { installed: true, changed: r.changed, userConfig: r.path, sshConfig: path },
      human: r.changed
        ? `wrote ${path}\nadded an Include of it to ${r.path}; now: ssh NAME.vm`
        : `wrote ${path}\n${r.path} already includes it`,
    };
  }
  return { data: { sshConfig: path, content, installed: await isIncludeInstalled(home) }, human: content };
}

/**
 * `banger ssh-proxy` as ssh should run it: plain `banger` when that name on
 * PATH is this very CLI, else node + this script by absolute path (works from
 * a checkout that is not on PATH).
 */
async function proxyArgv(env: Env): Promise<string[]> {
  const script = distPath('src/cli/main.js');
  const main = await realpath(script).catch(() => script);
  const onPath = await which('banger', env as NodeJS.ProcessEnv);
  if (onPath && (await realpath(onPath).catch(() => '')) === main) return ['banger', 'ssh-proxy'];
  return [process.execPath, main, 'ssh-proxy'];
}

async function writeIfChanged(layout: Layout, content: string): Promise<void> {
  const current = await readFile(layout.sshConfigPath, 'utf8').catch(() => null);
  if (current === content) return;
  await mkdir(layout.sshDir, { recursive: true, mode: 0o700 });
  const tmp = `${layout.sshConfigPath}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, layout.sshConfigPath);
}
