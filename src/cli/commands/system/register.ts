import type { Command } from 'commander';
import { createExecFileRunner, type CommandRunner } from '../../../host/exec/index.js';
import { createSystemService, type SystemService } from '../../../install/index.js';
import { commandPath } from '../../command-path.js';
import { print as printResult } from '../../output.js';

export interface SystemCommandDeps {
  /** @default createSystemService over the real runner and process.env */
  service?: SystemService;
  runner?: CommandRunner;
  env?: Record<string, string | undefined>;
  /** Output sink. @default process.stdout */
  write?: (text: string) => void;
  /** JSON output regardless of the subcommand's own --json (the CLI's global flag). */
  json?: boolean;
}

interface JsonFlag {
  json?: boolean;
}

/**
 * `banger system install|status|restart|uninstall`. Self-contained: the CLI
 * registry calls this once. Errors are thrown as BangerErrors for the CLI's
 * top-level handler to print.
 */
export function registerSystemCommands(program: Command, deps: SystemCommandDeps = {}): Command {
  const service = () => deps.service ?? createSystemService({ runner: deps.runner ?? createExecFileRunner(), env: deps.env ?? process.env });
  const write = deps.write ?? ((t: string) => void process.stdout.write(t));
  // Through the CLI's one printer, so `system ...` answers the same envelope as every other command.
  const print = (cmd: Command, json: boolean | undefined, value: unknown, lines: string[]) =>
    void printResult({ data: value, human: lines.join('\n') }, { json: json === true || deps.json === true, command: commandPath(cmd), write });

  const system = program.command('system').description('install banger as systemd services (bangerd + root helper)');

  system
    .command('install')
    .description('write the systemd units and helper token, then enable and start them')
    .option('--root <dir>', 'install under DIR instead of / (no systemctl calls)')
    .option('--owner <user>', 'user bangerd runs as (default: $SUDO_USER, else $USER)')
    .option('--bridge <name>', 'bridge name', 'br-banger')
    .option('--tap-prefix <prefix>', 'tap name prefix', 'bgtap')
    .option('--cidr <cidr>', 'bridge address and guest network', '172.16.0.1/24')
    .option('--helper-socket <path>', 'where banger-helper listens', '/run/banger/helper.sock')
    .option('--jailer-base <dir>', "let the helper run Firecracker's jailer, with jails under DIR (config jailer_chroot_base, e.g. /srv/jailer)")
    .option('--json', 'print JSON')
    .action(async (o: JsonFlag & { root?: string; owner?: string; bridge: string; tapPrefix: string; cidr: string; helperSocket: string; jailerBase?: string }, cmd: Command) => {
      const r = await service().install({
        ...(o.root ? { root: o.root } : {}),
        ...(o.owner ? { owner: o.owner } : {}),
        bridge: o.bridge,
        tapPrefix: o.tapPrefix,
        cidr: o.cidr,
        helperSocket: o.helperSocket,
        ...(o.jailerBase ? { jailerBase: o.jailerBase } : {}),
      });
      print(cmd, o.json, r, [...r.files.map((f) => `wrote ${f}`), r.started ? 'started banger-helper.service and bangerd.service' : (r.note ?? '')]);
    });

  system
    .command('status')
    .description('show what is installed and whether the units run')
    .option('--root <dir>', 'inspect an install under DIR')
    .option('--json', 'print JSON')
    .action(async (o: JsonFlag & { root?: string }, cmd: Command) => {
      const s = await service().status(o.root ? { root: o.root } : {});
      const lines = s.installed
        ? [`installed under ${s.root} for ${s.ownerUser ?? '?'}`, ...s.files.map((f) => `  ${f.state.padEnd(8)} ${f.path}`)]
        : [`not installed under ${s.root} (run: sudo banger system install)`];
      lines.push(s.units ? Object.entries(s.units).map(([u, st]) => `${u}: ${st}`).join('\n') : s.systemd ? '' : 'systemd is not PID 1 here: unit states unavailable');
      print(cmd, o.json, s, lines.filter(Boolean));
    });

  system
    .command('restart')
    .description('restart banger-helper and bangerd (systemctl)')
    .option('--json', 'print JSON')
    .action(async (o: JsonFlag, cmd: Command) => {
      const r = await service().restart();
      print(cmd, o.json, r, [`restarted ${r.restarted.join(', ')}`]);
    });

  system
    .command('uninstall')
    .description('stop and remove exactly what install added')
    .option('--root <dir>', 'uninstall from DIR')
    .option('--force', 'also remove installed files changed since install')
    .option('--json', 'print JSON')
    .action(async (o: JsonFlag & { root?: string; force?: boolean }, cmd: Command) => {
      const r = await service().uninstall({ ...(o.root ? { root: o.root } : {}), force: o.force ?? false });
      print(cmd, o.json, r, [
        ...r.removed.map((f) => `removed ${f}`),
        ...r.kept.map((f) => `kept ${f} (changed since install; --force removes it)`),
      ]);
    });

  return system;
}
