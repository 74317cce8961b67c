import type { CommandGroup } from './types.js';

export type { CommandGroup, CommandModule, CliContext } from './types.js';

/**
 * Every CLI group and command. Adding a command is one file under
 * `commands/<group>/` plus one line here; `describe` is repeated here so
 * `--help` lists commands without importing them. A command with subcommands
 * of its own (`vm snapshot`) keeps them in `commands/<group>/<command>/`.
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
      { name: 'exec', describe: 'Run a command in a running VM (env, workdir, user, stdin, PTY)', load: () => import('./vm/exec.js') },
      { name: 'cp', describe: 'Copy files between the host and a VM (one side NAME:PATH)', load: () => import('./vm/cp.js') },
      { name: 'start', describe: 'Start VMs', load: () => import('./vm/start.js') },
      { name: 'stop', describe: 'Stop VMs', load: () => import('./vm/stop.js') },
      { name: 'restart', describe: 'Restart VMs', load: () => import('./vm/restart.js') },
      { name: 'pause', describe: 'Pause VMs (memory kept, no CPU used)', load: () => import('./vm/pause.js') },
      { name: 'resume', describe: 'Resume paused VMs', load: () => import('./vm/resume.js') },
      {
        name: 'snapshot',
        describe: 'Snapshot a VM (vm snapshot NAME), or list and delete snapshots',
        commands: [
          { name: 'create', describe: 'Snapshot a VM: memory and disks while it runs, disks only when stopped (the default)', isDefault: true, load: () => import('./vm/snapshot/create.js') },
          { name: 'list', describe: "List snapshots (a VM's, or all of them)", load: () => import('./vm/snapshot/list.js') },
          { name: 'delete', describe: 'Delete a snapshot and its files', load: () => import('./vm/snapshot/delete.js') },
        ],
      },
      { name: 'restore', describe: 'Roll a VM back to one of its snapshots', load: () => import('./vm/restore.js') },
      { name: 'fork', describe: 'Make a new VM from a VM or a snapshot', load: () => import('./vm/fork.js') },
      { name: 'delete', describe: 'Delete VMs and their disks', load: () => import('./vm/delete.js') },
      { name: 'set', describe: 'Change vcpu, memory, disk size or NAT of a VM', load: () => import('./vm/set.js') },
      { name: 'ports', describe: 'List listening ports in a VM', load: () => import('./vm/ports.js') },
      {
        name: 'forward',
        describe: 'Forward a host port to a VM (vm forward NAME [HOST_IP:]HOST_PORT:GUEST_PORT), or list and delete forwards',
        commands: [
          { name: 'add', describe: 'Forward a host port to a VM; listening while the VM runs', isDefault: true, load: () => import('./vm/forward/add.js') },
          { name: 'list', describe: "List port forwards (a VM's, or all of them)", load: () => import('./vm/forward/list.js') },
          { name: 'delete', describe: 'Remove a port forward', load: () => import('./vm/forward/delete.js') },
        ],
      },
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
      { name: 'build', describe: 'Build an image (minimal or debian profile)', load: () => import('./image/build.js') },
      { name: 'import', describe: 'Import an OCI, docker save or rootfs tarball', load: () => import('./image/import.js') },
      { name: 'delete', describe: 'Delete an image', load: () => import('./image/delete.js') },
      { name: 'warm', describe: 'Snapshot an image booted and ready, so new VMs start warm', load: () => import('./image/warm.js') },
    ],
  },
  {
    name: 'tui',
    describe: 'Live terminal view of VMs',
    commands: [{ name: 'open', describe: 'Open the live VM table (the default)', isDefault: true, load: () => import('./tui/open.js') }],
  },
  { name: 'ui', describe: 'Serve the web dashboard on 127.0.0.1 (Ctrl-C stops)', commands: [], load: () => import('./ui/ui.js') },
  {
    name: 'debug',
    describe: 'Look inside banger: state machines and live actors',
    commands: [
      { name: 'machines', describe: 'Print every state machine definition', load: () => import('./debug/machines.js') },
      { name: 'viz', describe: 'Serve the live state-machine visualizer', load: () => import('./debug/viz.js') },
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
  {
    name: 'system',
    describe: 'Install banger as systemd services (bangerd + root helper)',
    commands: [],
    register: () => import('./system/register-group.js').then((m) => m.registerGroup),
  },
  { name: 'doctor', describe: 'Check the host and report what to fix', commands: [], load: () => import('./doctor/doctor.js') },
  {
    name: 'ssh-config',
    describe: "Print banger's ssh_config for NAME.vm; --install adds an Include to ~/.ssh/config",
    commands: [],
    load: () => import('./ssh-config/ssh-config.js'),
  },
  { name: 'ssh-proxy', describe: 'ProxyCommand for ssh NAME.vm (used by banger ssh-config)', commands: [], load: () => import('./ssh-proxy/ssh-proxy.js') },
];
