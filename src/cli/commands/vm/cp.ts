import type { Command } from 'commander';
import { ConflictError } from '../../../errors/index.js';
import { checkHostSource, copyIn, copyOut, createTransferProgress, formatBytes, formatRate, parseCopySpec } from '../../../guest/copy/index.js';
import { openGuestSession } from '../../guest/session.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Copy files or directories between the host and a VM: banger vm cp SRC DST (one side NAME:PATH)';

export function options(cmd: Command): void {
  cmd
    .argument('<src>', 'a host path, or NAME:PATH in a VM')
    .argument('<dst>', 'a host path, or NAME:PATH in a VM (a host path with a colon is written ./a:b)');
}

/**
 * Recursive, keeping modes and mtimes, streamed as tar over one SSH exec.
 * Progress (bytes, rate) on stderr when it is a terminal; a totals line, or
 * with --json `{direction, source, destination, files, dirs, symlinks, bytes, seconds}`.
 */
export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const spec = parseCopySpec(args[0]!, args[1]!);
  // A missing host source is reported before anything else is contacted.
  if (spec.direction === 'in') await checkHostSource(spec.hostPath);
  const client = await cli.daemon();
  try {
    let opened;
    try {
      opened = await openGuestSession(client, spec.vm, { quiet: cli.json });
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'vm.not_running') {
        const state = /it is (\S+)$/.exec(err.message)?.[1] ?? 'not running';
        throw new ConflictError(`cannot copy ${spec.direction === 'in' ? 'to' : 'from'} VM ${spec.vm}: it is ${state}`, { code: err.code, hint: err.hint });
      }
      throw err;
    }
    const { session } = opened;
    const progress = createTransferProgress({ enabled: !cli.json, label: spec.direction === 'in' ? `→ ${spec.vm}` : `← ${spec.vm}` });
    try {
      const o = { vm: spec.vm, hostPath: spec.hostPath, guestPath: spec.guestPath, onBytes: (n: number) => progress.add(n), onTotal: (n: number) => progress.setTotal(n) };
      const summary = spec.direction === 'in' ? await copyIn(session.client, o) : await copyOut(session.client, o);
      const { seconds } = progress.finish();
      const secs = Math.round(seconds * 100) / 100;
      const what = [`${summary.files} file${summary.files === 1 ? '' : 's'}`, summary.dirs ? `${summary.dirs} dir${summary.dirs === 1 ? '' : 's'}` : '', summary.symlinks ? `${summary.symlinks} symlink${summary.symlinks === 1 ? '' : 's'}` : '']
        .filter(Boolean)
        .join(', ');
      return {
        data: { ...summary, seconds: secs },
        human: `copied ${what}, ${formatBytes(summary.bytes)} in ${secs.toFixed(1)} s (${formatRate(summary.bytes, seconds)}): ${summary.source} → ${summary.destination}`,
      };
    } finally {
      progress.finish();
      session.close();
    }
  } finally {
    client.close();
  }
}
