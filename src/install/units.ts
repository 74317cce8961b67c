/**
 * systemd unit templates (pure). Both units are system units: the helper runs
 * as root, bangerd as the owner (User=). Hardening is as tight as each job
 * allows; every relaxation says why.
 */

export interface UnitParams {
  ownerUser: string;
  ownerUid: number;
  ownerGid: number;
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute path of the built tree (the folder holding helper/ and src/). */
  distDir: string;
  stateDir: string;
  runtimeDir: string;
  cacheDir: string;
  configDir: string;
  helperSocket: string;
  tokenFile: string;
  bridge: string;
  tapPrefix: string;
  cidr: string;
  /**
   * Config `jailer_chroot_base` when Firecracker runs through its jailer: the helper may
   * then build jails there and run the jailer (more capabilities, a writable base and
   * cgroup tree, mount namespaces). Unset, the helper refuses every jail operation.
   */
  jailerBase?: string;
}

export const HELPER_UNIT = 'banger-helper.service';
export const DAEMON_UNIT = 'bangerd.service';

export function renderHelperUnit(p: UnitParams): string {
  const exec = [
    p.nodePath, `${p.distDir}/helper/main.js`,
    '--owner-uid', String(p.ownerUid), '--owner-gid', String(p.ownerGid),
    '--root', p.stateDir, '--root', p.runtimeDir, '--root', p.cacheDir,
    '--socket', p.helperSocket, '--token-file', p.tokenFile,
    '--bridge', p.bridge, '--tap-prefix', p.tapPrefix, '--cidr', p.cidr,
    ...(p.jailerBase ? ['--jailer-base', p.jailerBase] : []),
  ].join(' ');
  const jail = p.jailerBase ? jailerLines(p.jailerBase) : undefined;
  return `# Installed by banger system install; removed by banger system uninstall.
[Unit]
Description=banger root helper (bridge, taps, NAT, loop and dm devices for ${p.ownerUser})
Before=${DAEMON_UNIT}

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
UMask=0077
${runtimeDirLines(p.helperSocket)}# Only what the operations need: links and netfilter (NET_ADMIN, NET_RAW),
# handing taps and VMM sockets to the owner (CHOWN, FOWNER, DAC_OVERRIDE for
# files in the owner's dirs), loop and device-mapper ioctls (SYS_ADMIN).
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SYS_ADMIN${jail?.caps ?? ''}
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
# Read-only home; the owner's banger dirs (which may live under it) stay writable.
ProtectHome=read-only
ReadWritePaths=${p.stateDir} ${p.runtimeDir} ${p.cacheDir}
# NAME.vm for hosts without systemd-resolved (hosts.sync). A writable file in
# a read-only /etc is a bind mount, so the helper rewrites it in place.
ReadWritePaths=-/etc/hosts
${jail?.paths ?? ''}PrivateTmp=yes
# Not PrivateDevices: the helper needs /dev/loop*, /dev/mapper and /dev/net/tun.
# Not ProtectKernelTunables: ip_forward is written under /proc/sys.
${jail ? jail.cgroups : 'ProtectControlGroups=yes\n'}ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
RestrictNamespaces=${jail ? 'mnt' : 'yes'}
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=no
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}

export function renderDaemonUnit(p: UnitParams): string {
  return `# Installed by banger system install; removed by banger system uninstall.
[Unit]
Description=banger daemon for ${p.ownerUser}
Wants=${HELPER_UNIT}
After=${HELPER_UNIT} network.target

[Service]
Type=simple
User=${p.ownerUser}
Group=${p.ownerGid}
Environment=XDG_RUNTIME_DIR=${parentOf(p.runtimeDir)}
Environment=BANGER_HELPER_SOCKET=${p.helperSocket}
Environment=BANGER_HELPER_TOKEN_FILE=${p.tokenFile}
# logind makes /run/user/UID only for a logged-in user; at boot nobody is. "+" runs this one step as root.
ExecStartPre=+/usr/bin/install -d -m 0700 -o ${p.ownerUid} -g ${p.ownerGid} ${parentOf(p.runtimeDir)}
ExecStart=${p.nodePath} ${p.distDir}/src/daemon/main.js
Restart=on-failure
# bangerd itself holds no capability: privileged work goes through the helper. The bounding set keeps
# SETUID/SETGID and NoNewPrivileges stays off for one reason: the debian image profile runs
# mmdebstrap --mode=unshare, whose newuidmap/newgidmap are setuid and map only the owner's
# /etc/subuid range into a user namespace.
CapabilityBoundingSet=CAP_SETUID CAP_SETGID
ProtectSystem=strict
ReadWritePaths=${p.stateDir} ${p.runtimeDir} ${p.cacheDir} ${p.configDir}
# Not ProtectHome: vm run copies a repository from anywhere in the owner's home.
PrivateTmp=yes
# Not PrivateDevices: VMMs need /dev/kvm and /dev/net/tun.
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
# Not RestrictSUIDSGID: dpkg inside that namespace sets the guest's own setuid bits (passwd, su).
LockPersonality=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}

/** systemd's RuntimeDirectory= is relative to /run: set it only when the socket's parent is /run/<name>. */
/**
 * What the jailer needs beyond the helper's own operations (firecracker docs/jailer.md,
 * "Jailer Operation"): chroot and a new mount namespace (SYS_CHROOT; SYS_ADMIN is there),
 * /dev/kvm and /dev/net/tun nodes (MKNOD), dropping to the owner (SETUID, SETGID),
 * raising the fd limit (SYS_RESOURCE), and for jail.remove killing a jailed VMM that
 * outlived its bangerd (KILL); a writable chroot base (made at start, root 0755) and
 * cgroup tree.
 */
function jailerLines(base: string): { caps: string; paths: string; cgroups: string } {
  return {
    caps: ' CAP_SYS_CHROOT CAP_MKNOD CAP_SETUID CAP_SETGID CAP_SYS_RESOURCE CAP_KILL',
    paths: `# Firecracker's jailer: jails under ${base}, the VM's cgroup.\nExecStartPre=+/usr/bin/install -d -m 0755 -o root -g root ${base}\nReadWritePaths=${base} /sys/fs/cgroup\n`,
    cgroups: '# Not ProtectControlGroups: the jailer writes the VM\'s cgroup (memory limit).\n',
  };
}

function runtimeDirLines(socket: string): string {
  const m = /^\/run\/([^/]+)\/[^/]+$/.exec(socket);
  return m ? `RuntimeDirectory=${m[1]}\nRuntimeDirectoryMode=0755\n` : '';
}

function parentOf(dir: string): string {
  return dir.replace(/\/[^/]+\/?$/, '') || '/';
}
