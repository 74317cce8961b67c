import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * Every path banger reads or writes, derived from the XDG base-directory
 * variables so tests (and users) can move all of it by setting them.
 *
 * config   $XDG_CONFIG_HOME/banger   config.toml, ssh/ (key, known_hosts, ssh_config)
 * state    $XDG_STATE_HOME/banger    banger.db, bangerd.log, images/<id>/, vms/<id>/
 * cache    $XDG_CACHE_HOME/banger    downloaded packages, build staging
 * runtime  $XDG_RUNTIME_DIR/banger   bangerd.sock, bangerd.lock, vms/<id12>/ (VMM sockets)
 */
export interface Layout {
  configDir: string;
  stateDir: string;
  cacheDir: string;
  runtimeDir: string;
  configFile: string;
  dbPath: string;
  daemonLog: string;
  daemonSocket: string;
  daemonLock: string;
  imagesDir: string;
  vmsDir: string;
  /** One directory per snapshot: frozen disks and saved state (src/snapshots). */
  snapshotsDir: string;
  sshDir: string;
  sshKeyPath: string;
  knownHostsPath: string;
  sshConfigPath: string;
  /** Root helper socket (root-owned, usable only by the owner). */
  helperSocket: string;
}

export type Env = Record<string, string | undefined>;

/** Unix socket paths are limited to 107 bytes plus NUL (sun_path is 108). */
export const MAX_SOCKET_PATH = 107;

export function resolveLayout(env: Env = process.env): Layout {
  const home = env.HOME ?? homedir();
  const configBase = nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config');
  const stateBase = nonEmpty(env.XDG_STATE_HOME) ?? join(home, '.local', 'state');
  const cacheBase = nonEmpty(env.XDG_CACHE_HOME) ?? join(home, '.cache');
  const runtimeBase = nonEmpty(env.XDG_RUNTIME_DIR) ?? join('/tmp', `banger-${uidOrName()}`);
  const configDir = join(configBase, 'banger');
  const stateDir = join(stateBase, 'banger');
  const cacheDir = join(cacheBase, 'banger');
  // Without XDG_RUNTIME_DIR the /tmp fallback already names the user.
  const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR) ? join(runtimeBase, 'banger') : runtimeBase;
  const sshDir = join(configDir, 'ssh');
  return {
    configDir,
    stateDir,
    cacheDir,
    runtimeDir,
    configFile: join(configDir, 'config.toml'),
    dbPath: join(stateDir, 'banger.db'),
    daemonLog: join(stateDir, 'bangerd.log'),
    daemonSocket: join(runtimeDir, 'bangerd.sock'),
    daemonLock: join(runtimeDir, 'bangerd.lock'),
    imagesDir: join(stateDir, 'images'),
    vmsDir: join(stateDir, 'vms'),
    snapshotsDir: join(stateDir, 'snapshots'),
    sshDir,
    sshKeyPath: join(sshDir, 'id_ed25519'),
    knownHostsPath: join(sshDir, 'known_hosts'),
    sshConfigPath: join(sshDir, 'ssh_config'),
    helperSocket: nonEmpty(env.BANGER_HELPER_SOCKET) ?? '/run/banger/helper.sock',
  };
}

/** Durable per-VM directory (overlay, work disk, console log, handles.json). */
export function vmDir(layout: Layout, vmId: string): string {
  return join(layout.vmsDir, vmId);
}

/** Per-VM runtime directory for sockets; short id keeps paths under the socket limit. */
export function vmRuntimeDir(layout: Layout, vmId: string): string {
  return join(layout.runtimeDir, 'vms', vmId.slice(0, 12));
}

export function handlesPath(layout: Layout, vmId: string): string {
  return join(vmDir(layout, vmId), 'handles.json');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v !== '' ? v : undefined;
}

function uidOrName(): string {
  const uid = process.getuid?.();
  return uid !== undefined ? String(uid) : userInfo().username;
}
