import type { CommandGroup } from './types.js';

export type { CommandGroup, CommandModule, CliContext } from './types.js';

/** Shown under `banger --help`: the first steps. */
export const PROGRAM_EXAMPLES: readonly string[] = [
  'banger doctor  # check the host first',
  'banger vm run . -- make test  # run a command in a fresh VM with this repo',
  'banger vm create --name dev  # a VM that stays',
  'banger vm ssh dev',
  'banger help vm snapshot  # help for any command',
  'source <(banger completion bash)  # TAB completion in this shell',
];

/**
 * Every CLI group and command. Adding a command is one file under
 * `commands/<group>/` plus one line here; `describe` is repeated here so
 * `--help` lists commands without importing them. A command with subcommands
 * of its own (`vm snapshot`) keeps them in `commands/<group>/<command>/`.
 * `examples` are shown in each command's --help; a unit test parses every one
 * against the command's real arguments and options, and fails on a command without.
 */
export const GROUPS: readonly CommandGroup[] = [
  {
    name: 'vm',
    describe: 'Create, run and inspect VMs',
    examples: ['banger vm create --name dev', 'banger vm list', 'banger vm ssh dev', 'banger vm delete --force dev'],
    commands: [
      {
        name: 'run',
        describe: 'Run a command in a fresh VM with a copy of a git repo',
        examples: [
          'banger vm run --rm . -- make test  # test this repo in a throwaway VM',
          'banger vm run --name scratch  # a shell in a new VM, no repo',
          'banger vm run --image debian --memory 2G --vcpu 4 ~/src/app -- ./build.sh',
          'banger vm run --workspace-mode full_copy . -- git status',
        ],
        load: () => import('./vm/run.js'),
      },
      {
        name: 'create',
        describe: 'Create a VM (and start it unless --no-start)',
        examples: [
          'banger vm create --name dev',
          'banger vm create --name big --vcpu 4 --memory 4G --disk-size 20G --nat',
          'banger vm create --name web -p 8080:80  # forward host port 8080 to the guest port 80',
          'banger vm create --name later --no-start',
        ],
        load: () => import('./vm/create.js'),
      },
      { name: 'list', describe: 'List VMs', examples: ['banger vm list', 'banger vm list --json'], load: () => import('./vm/list.js') },
      { name: 'show', describe: 'Show one VM in detail', examples: ['banger vm show dev', 'banger vm show dev --json'], load: () => import('./vm/show.js') },
      {
        name: 'ssh',
        describe: 'Open a shell in a VM, or run a command after --',
        examples: ['banger vm ssh dev', 'banger vm ssh dev -- uname -a', 'banger vm ssh dev -w /root/src -- git status  # one command, in that directory'],
        load: () => import('./vm/ssh.js'),
      },
      {
        name: 'exec',
        describe: 'Run a command in a running VM (env, workdir, user, stdin, PTY)',
        examples: [
          'banger vm exec dev -- uname -a',
          'banger vm exec dev -e GREETING="hello world" -w /root/src -- make test',
          'echo data | banger vm exec dev -i -- cat',
          'banger vm exec dev -it -- top',
        ],
        load: () => import('./vm/exec.js'),
      },
      {
        name: 'cp',
        describe: 'Copy files between the host and a VM (one side NAME:PATH)',
        examples: [
          'banger vm cp ./dir dev:/root/  # copy dir into /root/dir',
          'banger vm cp dev:/root/out.txt ./  # copy a file out',
          'banger vm cp dev:/root/dir ./here  # copy a directory out as ./here',
        ],
        load: () => import('./vm/cp.js'),
      },
      { name: 'start', describe: 'Start VMs', examples: ['banger vm start dev', 'banger vm start web db'], load: () => import('./vm/start.js') },
      {
        name: 'stop',
        describe: 'Stop VMs',
        examples: ['banger vm stop dev', 'banger vm stop web db', 'banger vm stop --force dev  # kill the VMM, no graceful shutdown'],
        load: () => import('./vm/stop.js'),
      },
      { name: 'restart', describe: 'Restart VMs', examples: ['banger vm restart dev', 'banger vm restart web db'], load: () => import('./vm/restart.js') },
      { name: 'pause', describe: 'Pause VMs (memory kept, no CPU used)', examples: ['banger vm pause dev', 'banger vm pause web db'], load: () => import('./vm/pause.js') },
      { name: 'resume', describe: 'Resume paused VMs', examples: ['banger vm resume dev', 'banger vm resume web db'], load: () => import('./vm/resume.js') },
      {
        name: 'snapshot',
        describe: 'Snapshot a VM (vm snapshot NAME), or list and delete snapshots',
        examples: ['banger vm snapshot dev  # same as banger vm snapshot create dev', 'banger vm snapshot list', 'banger vm snapshot delete before-upgrade'],
        commands: [
          {
            name: 'create',
            describe: 'Snapshot a VM: memory and disks while it runs, disks only when stopped (the default)',
            isDefault: true,
            examples: ['banger vm snapshot create dev', 'banger vm snapshot create dev --name before-upgrade', 'banger vm snapshot dev --name before-upgrade  # create is the default'],
            load: () => import('./vm/snapshot/create.js'),
          },
          {
            name: 'list',
            describe: "List snapshots (a VM's, or all of them)",
            examples: ['banger vm snapshot list', 'banger vm snapshot list dev', 'banger vm snapshot list --json'],
            load: () => import('./vm/snapshot/list.js'),
          },
          { name: 'delete', describe: 'Delete a snapshot and its files', examples: ['banger vm snapshot delete before-upgrade'], load: () => import('./vm/snapshot/delete.js') },
        ],
      },
      {
        name: 'restore',
        describe: 'Roll a VM back to one of its snapshots',
        examples: ['banger vm restore dev --snapshot before-upgrade', 'banger vm snapshot list dev  # find the snapshot names first'],
        load: () => import('./vm/restore.js'),
      },
      {
        name: 'fork',
        describe: 'Make a new VM from a VM or a snapshot',
        examples: ['banger vm fork dev --name dev2', 'banger vm fork before-upgrade --name trial --no-start  # from a snapshot', 'banger vm fork dev --name dev-nat --nat'],
        // `<source>` is a VM or a snapshot, not a host path as elsewhere.
        complete: { source: ['vm', 'snapshot'] },
        load: () => import('./vm/fork.js'),
      },
      {
        name: 'delete',
        describe: 'Delete VMs and their disks',
        examples: ['banger vm delete dev', 'banger vm delete --force web db  # running ones too, without a graceful shutdown'],
        load: () => import('./vm/delete.js'),
      },
      {
        name: 'set',
        describe: 'Change vcpu, memory, disk size or NAT of a VM',
        examples: ['banger vm set dev --vcpu 4 --memory 4G  # applies at the next start', 'banger vm set dev --disk-size 20G', 'banger vm set dev --no-nat'],
        load: () => import('./vm/set.js'),
      },
      { name: 'ports', describe: 'List listening ports in a VM', examples: ['banger vm ports dev', 'banger vm ports dev --json'], load: () => import('./vm/ports.js') },
      {
        name: 'forward',
        describe: 'Forward a host port to a VM (vm forward NAME [HOST_IP:]HOST_PORT:GUEST_PORT), or list and delete forwards',
        examples: ['banger vm forward dev 8080:80  # same as banger vm forward add dev 8080:80', 'banger vm forward list', 'banger vm forward delete dev 8080'],
        commands: [
          {
            name: 'add',
            describe: 'Forward a host port to a VM; listening while the VM runs',
            isDefault: true,
            examples: ['banger vm forward add dev 8080:80', 'banger vm forward add dev 0.0.0.0:8443:443  # reachable from other hosts', 'banger vm forward add dev 5353:53 --udp'],
            load: () => import('./vm/forward/add.js'),
          },
          {
            name: 'list',
            describe: "List port forwards (a VM's, or all of them)",
            examples: ['banger vm forward list', 'banger vm forward list dev --json'],
            load: () => import('./vm/forward/list.js'),
          },
          {
            name: 'delete',
            describe: 'Remove a port forward',
            examples: ['banger vm forward delete dev 8080', 'banger vm forward delete dev 5353 --udp', 'banger vm forward delete dev 8443 --host-ip 0.0.0.0'],
            load: () => import('./vm/forward/delete.js'),
          },
        ],
      },
      { name: 'stats', describe: 'CPU, memory and disk use of a VM', examples: ['banger vm stats dev', 'banger vm stats dev --json'], load: () => import('./vm/stats.js') },
      {
        name: 'logs',
        describe: "Print a VM's console log",
        examples: ['banger vm logs dev', 'banger vm logs dev -f  # follow until Ctrl-C', 'banger vm logs dev --tail 100'],
        load: () => import('./vm/logs.js'),
      },
    ],
  },
  {
    name: 'image',
    describe: 'Manage VM images',
    examples: ['banger image list', 'banger image build --profile debian', 'banger image import ./rootfs.tar --name mine'],
    commands: [
      { name: 'list', describe: 'List images', examples: ['banger image list', 'banger image list --json'], load: () => import('./image/list.js') },
      { name: 'show', describe: 'Show one image in detail', examples: ['banger image show minimal', 'banger image show debian --json'], load: () => import('./image/show.js') },
      {
        name: 'build',
        describe: 'Build an image (minimal or debian profile)',
        examples: ['banger image build  # the minimal profile, named minimal', 'banger image build --profile debian --name deb', 'banger image build --profile debian --force  # rebuild it', 'banger image build --profile dev  # debian + git, curl, build-essential, python3'],
        load: () => import('./image/build.js'),
      },
      {
        name: 'import',
        describe: 'Import an OCI, docker save or rootfs tarball',
        examples: [
          'docker save devbox:1 -o devbox.tar && banger image import devbox.tar --name devbox  # systemd, sshd, iproute2 inside',
          'banger image import ./oci-layout --name app --format oci',
          'banger image import rootfs.tar.gz --name custom --kernel-from debian',
        ],
        load: () => import('./image/import.js'),
      },
      {
        name: 'pull',
        describe: 'Pull an image from an OCI registry and import it',
        examples: [
          'banger image pull docker.io/OWNER/devbox:bookworm  # named devbox-bookworm; systemd, sshd, iproute2 inside',
          'banger image pull ghcr.io/OWNER/REPO:TAG --name app  # credentials from docker login / podman login',
          'banger image pull localhost:5000/tool@sha256:… --kernel-from debian',
        ],
        load: () => import('./image/pull.js'),
      },
      { name: 'delete', describe: 'Delete an image', examples: ['banger image delete alpine'], load: () => import('./image/delete.js') },
      {
        name: 'warm',
        describe: 'Snapshot an image booted and ready, so new VMs start warm',
        examples: ['banger image warm minimal', 'banger image warm debian --vcpu 2 --memory 1G  # the sizing the VMs will have'],
        load: () => import('./image/warm.js'),
      },
    ],
  },
  {
    name: 'tui',
    describe: 'Live terminal view of VMs',
    examples: ['banger tui'],
    commands: [{ name: 'open', describe: 'Open the live VM table (the default)', isDefault: true, examples: ['banger tui open  # same as banger tui'], load: () => import('./tui/open.js') }],
  },
  {
    name: 'ui',
    describe: 'Serve the web dashboard on 127.0.0.1 (Ctrl-C stops)',
    examples: ['banger ui --open', 'banger ui --port 8080'],
    commands: [],
    load: () => import('./ui/ui.js'),
  },
  {
    name: 'debug',
    describe: 'Look inside banger: state machines and live actors',
    examples: ['banger debug machines', 'banger debug viz'],
    commands: [
      { name: 'machines', describe: 'Print every state machine definition', examples: ['banger debug machines', 'banger debug machines --format json'], load: () => import('./debug/machines.js') },
      { name: 'viz', describe: 'Serve the live state-machine visualizer', examples: ['banger debug viz', 'banger debug viz --port 7070'], load: () => import('./debug/viz.js') },
    ],
  },
  {
    name: 'daemon',
    describe: 'Control bangerd, the per-user daemon',
    examples: ['banger daemon status', 'banger daemon stop'],
    commands: [
      { name: 'start', describe: 'Start bangerd if it is not running', examples: ['banger daemon start'], load: () => import('./daemon/start.js') },
      { name: 'stop', describe: 'Stop bangerd', examples: ['banger daemon stop'], load: () => import('./daemon/stop.js') },
      { name: 'status', describe: 'Show whether bangerd is running', examples: ['banger daemon status', 'banger daemon status --json'], load: () => import('./daemon/status.js') },
    ],
  },
  {
    name: 'system',
    describe: 'Install banger as systemd services (bangerd + root helper)',
    // Also shown on each subcommand's help whose words they start with (the group registers its own subtree).
    examples: [
      'sudo banger system install',
      'banger system install --root /tmp/stage  # write the files under /tmp/stage only',
      'banger system status',
      'sudo banger system restart',
      'sudo banger system uninstall',
    ],
    commands: [],
    register: () => import('./system/register-group.js').then((m) => m.registerGroup),
  },
  { name: 'doctor', describe: 'Check the host and report what to fix', examples: ['banger doctor', 'banger doctor --json'], commands: [], load: () => import('./doctor/doctor.js') },
  {
    name: 'ssh-config',
    describe: "Print banger's ssh_config for NAME.vm; --install adds an Include to ~/.ssh/config",
    examples: ['banger ssh-config', 'banger ssh-config --install  # then: ssh dev.vm', 'banger ssh-config --uninstall'],
    commands: [],
    load: () => import('./ssh-config/ssh-config.js'),
  },
  {
    name: 'ssh-proxy',
    describe: 'ProxyCommand for ssh NAME.vm (used by banger ssh-config)',
    examples: ['banger ssh-proxy dev.vm 22  # what ssh runs for ProxyCommand banger ssh-proxy %h %p'],
    commands: [],
    load: () => import('./ssh-proxy/ssh-proxy.js'),
  },
  {
    name: 'completion',
    describe: 'Print the shell completion script for bash, zsh or fish',
    examples: ['source <(banger completion bash)', 'banger completion zsh > ~/.zfunc/_banger  # a directory on $fpath', 'banger completion fish > ~/.config/fish/completions/banger.fish'],
    commands: [],
    load: () => import('./completion/completion.js'),
  },
  {
    name: 'version',
    describe: 'Print the versions of banger, its JSON output and RPC protocol, and of bangerd when it runs',
    examples: ['banger version', 'banger version --json'],
    commands: [],
    load: () => import('./version/version.js'),
  },
];
