import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import { copyDirToGuest, prepareWorkspace, type PreparedWorkspace } from '../../../guest/workspace/index.js';
import { friendlyName } from '../../../model/index.js';
import type { VMRecord, WorkspacePrepareMode } from '../../../model/index.js';
import type { RpcClient } from '../../../rpc/index.js';
import { EXEC_VALUED_FLAGS, addExecOptions, parseExecFlags, remoteCommand, signalNumber, wantsPty, wantsStdin, type ExecFlags } from '../../guest/exec-options.js';
import { checkGuestPrerequisites, runGuestCommand } from '../../guest/exec-run.js';
import { Interrupts } from '../../guest/interrupts.js';
import { removeVm } from '../../guest/remove-vm.js';
import { openGuestSession, vmLeftLine } from '../../guest/session.js';
import { createProgress, withProgress } from '../../progress.js';
import { captureUnderJson, capturedData, guestOutputs, localTerminals, refuseTtyWithJson, type CapturedOutput } from '../../capture.js';
import type { CliContext, CommandInput, CommandOutput } from '../types.js';
import { addPublishOption, addSizingOptions, checkName, parsePublish, parseSizing } from './flags.js';
import { specLine, startPathText } from './render.js';

export const describe = 'Run a command in a fresh VM with a copy of a git repo: banger vm run [REPO] -- CMD...';

const MODES: readonly WorkspacePrepareMode[] = ['shallow_overlay', 'full_copy', 'metadata_only'];

export function options(cmd: Command): void {
  cmd
    .argument('[repo]', 'git repository to copy to /root/REPO_NAME (default: none)')
    .argument('[command...]', 'command to run (after --); a shell when omitted on a terminal')
    .option('--rm', 'delete the VM afterwards (on success, failure, SIGINT, SIGTERM, SIGHUP or a closed terminal)')
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
  if (words.length > 3) throw new UsageError(`unexpected argument ${JSON.stringify(words[3])}`, { code: 'usage.too_many_arguments', hint: 'put the command after --: banger vm run ./repo -- make test' });
  return { ...(repo !== undefined ? { repo } : {}), command };
}

export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const { repo, command } = splitRunArgs(cli.argv);
  const mode = String(opts.workspaceMode) as WorkspacePrepareMode;
  if (!MODES.includes(mode)) throw new UsageError(`--workspace-mode ${mode} is not one of ${MODES.join(', ')}`, { code: 'run.workspace_mode_invalid', hint: '--workspace-mode shallow_overlay' });
  if (cli.json && command.length === 0) {
    throw new UsageError('an interactive shell has no JSON output', { code: 'usage.json_unsupported', hint: 'give the command after --: banger vm run ./repo --json -- make test' });
  }
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (command.length === 0 && !interactive) {
    throw new UsageError('no command to run and no terminal for a shell', { code: 'run.no_command', hint: 'give the command after --: banger vm run ./repo -- make test' });
  }
  const sizing = parseSizing(opts);
  const execFlags = parseExecFlags(opts, cli.env);
  refuseTtyWithJson(cli.json, execFlags.tty, `banger vm run ${repo ?? ''} -- ${command.join(' ')}`);
  // Under --json the command's output is collected into the document (docs/cli/json.md).
  const captured = captureUnderJson(cli.json);
  const publish = parsePublish(opts);
  const name = typeof opts.name === 'string' ? checkName(opts.name) : friendlyName();

  // Interrupts are ours from here: a signal while the repo is staged must still clean the staging copy.
  const interrupts = new Interrupts({ signals: process, outputs: [process.stdout, process.stderr], input: process.stdin });
  let outcome: RunOutcome = { exitCode: 1, removed: false };
  let workspace: PreparedWorkspace | undefined;
  try {
    // The repo is staged before anything is created: a bad path or a submodule fails in a second, not after a boot.
    workspace = repo !== undefined ? await prepareWorkspace(repo, { mode, vmId: name }) : undefined;
    if (interrupts.signal.aborted) return done(name, { exitCode: interrupts.exitCode ?? 130, removed: false }, captured);
    outcome = await createAndRun({ opts, cli, name, sizing, publish, workspace, mode, command, execFlags, interrupts, captured });
  } finally {
    interrupts.dispose();
    await workspace?.cleanup();
  }
  return done(name, outcome, captured);
}

interface RunOutcome {
  exitCode: number;
  /** The --rm VM was deleted. */
  removed: boolean;
}

function done(name: string, { exitCode, removed }: RunOutcome, captured: CapturedOutput | undefined): CommandOutput {
  return {
    data: { name, exitCode, removed, ...capturedData(captured) },
    human: '',
    exitCode,
  };
}


interface RunPlan {
  opts: CommandInput['opts'];
  cli: CliContext;
  name: string;
  sizing: ReturnType<typeof parseSizing>;
  publish: ReturnType<typeof parsePublish>;
  workspace: PreparedWorkspace | undefined;
  mode: WorkspacePrepareMode;
  command: string[];
  execFlags: ExecFlags;
  interrupts: Interrupts;
  captured: CapturedOutput | undefined;
}

/**
 * Creates, starts and uses the VM, then deletes it with --rm on every way
 * out: success, failure, SIGINT/SIGTERM/SIGHUP, or a lost terminal (see
 * Interrupts). The exit code is the guest command's, or 128+N for the first
 * signal received, as a shell reports a job it stopped.
 *
 * Cleanup holds in two places (docs/ARCHITECTURE.md, "vm run --rm"):
 * - here: the delete runs after the command (or the aborted boot) ends; a
 *   start in flight is cut short with a forced stop (removeVm);
 * - in bangerd: the VM is created with deleteOnDisconnect, so when this
 *   process dies without deleting (SIGKILL, a second interrupt during the
 *   delete, a crash) the daemon deletes it when our connection drops.
 */
async function createAndRun(plan: RunPlan): Promise<RunOutcome> {
  const { opts, cli, name, workspace, interrupts } = plan;
  const rm = opts.rm === true;
  const abort = interrupts.signal;
  const client = await cli.daemon();
  let created = false;
  let exitCode = 1;
  try {
    await raceAbort(
      abort,
      withProgress(client, name, { quiet: cli.json }, () =>
        client.call('vm.create', {
          name,
          ...(typeof opts.image === 'string' ? { image: opts.image } : {}),
          ...plan.sizing,
          noStart: true,
          // vm.start has no such flag: the choice is made at create, for the start below.
          ...(opts.cold === true ? { cold: true } : {}),
          // Deleted afterwards: the daemon may make it the image's warm snapshot (a kept VM is never layered behind the user's back).
          // And deleted by bangerd itself if this process dies before it can.
          ...(rm ? { ephemeral: true, deleteOnDisconnect: true } : {}),
          ...plan.publish,
        }),
      ),
    );
    created = true;
    const started = await raceAbort(abort, withProgress(client, name, { quiet: cli.json }, () => client.call('vm.start', { name })));
    // After the start, so it can say which path the start took.
    if (!cli.json) process.stderr.write(`${runSpecLine(started, workspace ? `${workspace.result.repoName} (${plan.mode})` : undefined)}\n`);
    exitCode = await runInGuest(client, cli, name, workspace, plan.command, plan.execFlags, interrupts, plan.captured);
  } catch (err) {
    // An interrupt makes every wait above fail; that failure is the interrupt, not an error to report.
    if (!abort.aborted) {
      if (created && rm) await cleanUp(client, cli, name, workspace, interrupts).catch(() => undefined);
      client.close();
      throw err;
    }
  }
  try {
    if (created && rm) await cleanUp(client, cli, name, workspace, interrupts);
    else if (created && !cli.json && !interrupts.terminalGone) process.stderr.write(`${name} keeps running: banger vm ssh ${name} · banger vm delete ${name}\n`);
  } finally {
    client.close();
  }
  return { exitCode: interrupts.exitCode ?? exitCode, removed: created && rm };
}

/**
 * Deletes the --rm VM. An interrupt during the delete (a second Ctrl-C) stops
 * the wait: the process exits at once and bangerd, which sees this
 * connection drop, finishes the delete (deleteOnDisconnect).
 */
async function cleanUp(client: RpcClient, cli: CliContext, name: string, workspace: PreparedWorkspace | undefined, interrupts: Interrupts): Promise<void> {
  // First, while nothing can cut it short: a process.exit below would otherwise leave the host-side staging copy.
  await workspace?.cleanup();
  interrupts.enterCleanup((sig) => {
    if (!interrupts.terminalGone) process.stderr.write(`\nbanger: ${sig} again: not waiting; bangerd finishes deleting ${name}\n`);
    client.close();
    process.exit(interrupts.exitCode ?? 128 + signalNumber(sig));
  });
  if (interrupts.received && !cli.json && !interrupts.terminalGone) process.stderr.write(`banger: ${interrupts.received}: deleting ${name}\n`);
  let fresh: RpcClient | undefined;
  try {
    await removeVm(client, name, { reconnect: async () => (fresh = await cli.daemon()) });
  } finally {
    // A client left open would keep the process alive after the delete.
    fresh?.close();
  }
}

/** "spec: 2 vcpu · 2G memory · 8G disk · dev (172.16.0.2) · repo (shallow_overlay) · cold boot" */
function runSpecLine(vm: VMRecord, workspace: string | undefined): string {
  const how = startPathText(vm);
  return `spec: ${specLine(vm)} · ${vm.name} (${vm.runtime.guestIP})${workspace ? ` · ${workspace}` : ''}${how ? ` · ${how}` : ''}`;
}

/** How long `vm run` waits for SSH after the start (which itself waited for the guest's SSH): generous, but not forever. */
const RUN_SSH_WAIT_MS = 60_000;

async function runInGuest(
  client: RpcClient,
  cli: CliContext,
  name: string,
  workspace: PreparedWorkspace | undefined,
  command: string[],
  flags: ExecFlags,
  interrupts: Interrupts,
  captured?: CapturedOutput,
): Promise<number> {
  const signal = interrupts.signal;
  const progress = createProgress(process.stderr, !cli.json);
  const { session, vmLeft } = await openGuestSession(client, name, { signal, quiet: cli.json, timeoutMs: RUN_SSH_WAIT_MS });
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
        await copyDirToGuest(session.client, workspace.stagingDir, workspace.result.guestPath, { signal, vmName: name });
      }
      const { vmId: _vmId, preparedAt: _at, ...recorded } = workspace.result;
      await client.call('vm.workspace', { name, workspace: recorded });
      cwd = workspace.result.guestPath;
    }
    progress.done();
    await checkGuestPrerequisites(session.client, name, flags);
    // Interrupted between two awaits above: do not start the command at all.
    if (signal.aborted) throw new Error('interrupted');
    // Signals from here on are the command's too: the relay forwards them (runGuestCommand), and --rm still deletes the VM after.
    const terminals = localTerminals(captured);
    const line = remoteCommand(command.length > 0 ? command : undefined, flags, cwd);
    const io = { stdin: process.stdin, ...guestOutputs(captured), signals: interrupts.relay };
    return lost(await runGuestCommand(session.client, line, io, { pty: captured ? false : wantsPty(flags.tty, terminals), stdin: wantsStdin(flags.interactive, 'terminal', terminals) }));
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
