import type { CommandGroup } from './types.js';

export type { CommandGroup, CommandEntry, CommandModule, CommandInput, CommandOutput, CliContext } from './types.js';

/**
 * Every CLI group and command. Adding a command is one file under
 * `commands/<group>/` plus one line here; `describe` is repeated here so
 * `--help` lists commands without importing them.
 */
export const GROUPS: readonly CommandGroup[] = [
  {
    name: 'vm',
    describe: 'Create, run and inspect VMs',
    commands: [
      { name: 'run', describe: 'Run a command in a fresh VM with a copy of a git repo', load: () => import('./vm/run.js') },
      { name: 'create', describe: 'Create a VM (and start it unless --no-start)', load: () => import('./vm/create.js') },
      { name: 'list', describe: 'List VMs', load: () => import('./vm/list.js') },
      { name: 'show', describe: 'Show one VM in detail', load: () => import('./vm/show.js') },
      { name: 'ssh', describe: 'Open a shell in a VM, or run a command after --', load: () => import('./vm/ssh.js') },
      { name: 'start', describe: 'Start VMs', load: () => import('./vm/start.js') },
      { name: 'stop', describe: 'Stop VMs', load: () => import('./vm/stop.js') },
      { name: 'restart', describe: 'Restart VMs', load: () => import('./vm/restart.js') },
      { name: 'delete', describe: 'Delete VMs and their disks', load: () => import('./vm/delete.js') },
      { name: 'set', describe: 'Change vcpu, memory, disk size or NAT of a VM', load: () => import('./vm/set.js') },
      { name: 'ports', describe: 'List listening ports in a VM', load: () => import('./vm/ports.js') },
      { name: 'stats', describe: 'CPU, memory and disk use of a VM', load: () => import('./vm/stats.js') },
      { name: 'logs', describe: "Print a VM's console log", load: () => import('./vm/logs.js') },
    ],
  },
  {
    name: 'image',
    describe: 'Manage VM images',
    commands: [
      { name: 'list', describe: 'List images', load: () => import('./image/list.js') },
      { name: 'show', describe: 'Show one image in detail', load: () => import('./image/show.js') },
    ],
  },
  {
    name: 'daemon',
    describe: 'Control bangerd, the per-user daemon',
    commands: [
      { name: 'start', describe: 'Start bangerd if it is not running', load: () => import('./daemon/start.js') },
      { name: 'stop', describe: 'Stop bangerd', load: () => import('./daemon/stop.js') },
      { name: 'status', describe: 'Show whether bangerd is running', load: () => import('./daemon/status.js') },
    ],
  },
];
