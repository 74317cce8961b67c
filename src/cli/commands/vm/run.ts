import type { Command } from 'commander';
import { BusyError, UsageError } from '../../../errors/index.js';
import { copyDirToGuest, prepareWorkspace, type PreparedWorkspace } from '../../../guest/workspace/index.js';
import { friendlyName } from '../../../model/index.js';
import type { VMRecord, WorkspacePrepareMode } from '../../../model/index.js';
import type { RpcClient } from '../../../rpc/index.js';
import { EXEC_VALUED_FLAGS, addExecOptions, parseExecFlags, remoteCommand, wantsPty, wantsStdin, type ExecFlags } from '../../guest/exec-options.js';
import { checkGuestPrerequisites, runGuestCommand } from '../../guest/exec-run.js';
import { openGuestSession, vmLeftLine } from '../../guest/session.js';
import { createProgress, withProgress } from '../../progress.js';
import type { CliContext, CommandInput, CommandOutput } from '../types.js';
import { addPublishOption, addSizingOptions, checkName, parsePublish, parseSizing } from './flags.js';
import { specLine, startPathText } from './render.js';

export const describe = 'Run a command in a fresh VM with a copy of a git repo: banger vm run [REPO] -- CMD...';

const MODES: readonly WorkspacePrepareMode[] = ['shallow_overlay', 'full_copy', 'metadata_only'];

export function options(cmd: Command): void {
  cmd
    .argument('[repo]', 'git repository to copy to /root/REPO_NAME (default: none)')
    .argument('[command...]', 'command to run (after --); a shell when omitted on a terminal')
    .option('--rm', 'delete the VM afterwards (on success, failure and Ctrl-C)')
    .option('--name <name>', 'VM name (default: a friendly one)')
    .option('--image <image>', 'image name or id')
    .option('--workspace-mode <mode>', `how the repo is copied: ${MODES.join('|')}`, 'shallow_overlay')
    .option('--cold', 'boot the kernel even when a warm snapshot of the image fits');
  addSizingOptions(cmd);
  addExecOptions(cmd, { stdin: 'terminal' });
  addPublishOption(cmd);
}

/** `[repo] -- cmd...` from the raw argv: commander cannot tell `run -- ls` (no repo) from `run ls`. */
export function splitRunArgs(argv: readonly string[]): { repo?: string; command: string[] } {
  const dash = argv.indexOf('--');
  const head = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const valued = new Set(['--name', '--image', '--vcpu', '--memory', '--disk-size', '--workspace-mode', '-p', '--publish', ...EXEC_VALUED_FLAGS]);
  const words: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i]!;
    if (valued.has(a)) i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  // words: ["vm", "run", repo?]
  const repo = words[2];
  if (words.length > 3) throw new UsageError(`unexpected argument ${JSON.stringify(words[3])}`, { hint: 'put the command after --: banger vm run ./repo -- make test' });
  return { ...(repo !== undefined ? { repo } : {}), command };
}

export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const { repo, command } = splitRunArgs(cli.argv);
  const mode = String(opts.workspaceMode) as WorkspacePrepareMode;
  if (!MODES.includes(mode)) throw new UsageError(`--workspace-mode ${mode} is not one of ${MODES.join(', ')}`, { hint: '--workspace-mode shallow_overlay' });
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (command.length === 0 && !interactive) {
    throw new UsageError('no command to run and no terminal for a shell', { hint: 'give the command after --: banger vm run ./repo -- make test' });
  }
  const sizing = parseSizing(opts);
  const execFlags = parseExecFlags(opts, cli.env);
  const publish = parsePublish(opts);
  const name = typeof opts.name === 'string' ? checkName(opts.name) : friendlyName();

  // The repo is staged before anything is created: a bad path or a submodule fails in a second, not after a boot.
  const workspace = repo !== undefined ? await prepareWorkspace(repo, { mode, vmId: name }) : undefined;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  const client = await cli.daemon();
  let created = false;
  let exitCode = 1;
  try {
    await withProgress(client, name, { quiet: cli.json }, () =>
      client.call('vm.create', {
        name,
        ...(typeof opts.image === 'string' ? { image: opts.image } : {}),
        ...sizing,
        noStart: true,
        // vm.start has no such flag: the choice is made at create, for the start below.
        ...(opts.cold === true ? { cold: true } : {}),
        // Deleted afterwards: the daemon may make it the image's warm snapshot (a kept VM is never layered behind the user's back).
        ...(opts.rm === true ? { ephemeral: true } : {}),
        ...publish,
      }),
    );
    created = true;
    const started = await raceAbort(abort.signal, withProgress(client, name, { quiet: cli.json }, () => client.call('vm.start', { name })));
    // After the start, so it can say which path the start took.
    if (!cli.json) process.stderr.write(`${runSpecLine(started, workspace ? `${workspace.result.repoName} (${mode})` : undefined)}\n`);
    exitCode = await runInGuest(client, cli, name, workspace, command, execFlags, abort.signal);
  } catch (err) {
    if (abort.signal.aborted) exitCode = 130;
    else throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await workspace?.cleanup();
    try {
      if (created && opts.rm) await deleteWithRetry(client, name);
      else if (created && !cli.json) process.stderr.write(`${name} keeps running: banger vm ssh ${name} · banger vm delete ${name}\n`);
    } finally {
      client.close();
    }
  }
  return { data: { name, exitCode }, human: '', exitCode };
}

/** "spec: 2 vcpu · 2G memory · 8G disk · dev (172.16.0.2) · repo (shallow_overlay) · cold boot" */
function runSpecLine(vm: VMRecord, workspace: string | undefined): string {
  const how = startPathText(vm);
  return `spec: ${specLine(vm)} · ${vm.name} (${vm.runtime.guestIP})${workspace ? ` · ${workspace}` : ''}${how ? ` · ${how}` : ''}`;
}

async function runInGuest(
  client: RpcClient,
  cli: CliContext,
  name: string,
  workspace: PreparedWorkspace | undefined,
  command: string[],
  flags: ExecFlags,
  signal: AbortSignal,
): Promise<number> {
  const progress = createProgress(process.stderr, !cli.json);
  const { session, vmLeft } = await openGuestSession(client, name, { signal, onWait: (ms) => progress.step(`${name}: waiting for SSH ${Math.round(ms / 1000)}s`) });
  const lost = (code: number) => {
    const left = vmLeft();
    if (left === null) return code;
    process.stderr.write(`${vmLeftLine(name, left)}\n`);
    return 255;
  };
  try {
    let cwd = '/root';
    if (workspace) {
      if (workspace.stagingDir) {
        progress.step(`copying ${workspace.fileCount} files to ${workspace.result.guestPath}`);
        await copyDirToGuest(session.client, workspace.stagingDir, workspace.result.guestPath, { signal });
      }
      const { vmId: _vmId, preparedAt: _at, ...recorded } = workspace.result;
      await client.call('vm.workspace', { name, workspace: recorded });
      cwd = workspace.result.guestPath;
    }
    progress.done();
    await checkGuestPrerequisites(session.client, name, flags);
    // Ctrl-C from here on is the command's: it is sent to it (runGuestCommand), and --rm still deletes the VM after.
    const terminals = { stdinIsTTY: process.stdin.isTTY === true, stdoutIsTTY: process.stdout.isTTY === true };
    const line = remoteCommand(command.length > 0 ? command : undefined, flags, cwd);
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signals: process };
    return lost(await runGuestCommand(session.client, line, io, { pty: wantsPty(flags.tty, terminals), stdin: wantsStdin(flags.interactive, 'terminal', terminals) }));
  } finally {
    progress.done();
    session.close();
  }
}

/** Rejects as soon as `signal` aborts, leaving the daemon call to finish on its own (delete then waits for it). */
function raceAbort<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `--rm` must not lose to a start still in flight: retry while the VM is busy, for a bounded time. */
async function deleteWithRetry(client: RpcClient, name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await client.call('vm.delete', { name, force: true });
      return;
    } catch (err) {
      if (!(err instanceof BusyError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
