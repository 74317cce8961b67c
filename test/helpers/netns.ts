import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetnsRunner, type CommandRunner } from '../../src/host/exec/index.js';
import { randomSuffix } from './host-caps.js';

/**
 * A throwaway network namespace named banger-<tag>-<rand>; delete() removes
 * it and every link in it. It comes with its own hosts file,
 * /etc/netns/<name>/hosts (a copy of /etc/hosts), which `ip netns exec`
 * bind-mounts over /etc/hosts: a bangerd run there publishes NAME.vm into the
 * test's copy, never into the host's file.
 */
export interface TestNetns {
  name: string;
  runner: CommandRunner;
  /** The file processes started with `ip netns exec` see as /etc/hosts. */
  hostsFile: string;
  /** Runs a command in the namespace synchronously (for test setup). */
  exec(cmd: string, args: string[]): string;
  delete(): void;
}

export const NETNS_ETC = '/etc/netns';

export function createTestNetns(tag = 'test'): TestNetns {
  const name = `banger-${tag}-${randomSuffix()}`;
  const etcDir = join(NETNS_ETC, name);
  const hostsFile = join(etcDir, 'hosts');
  const removeEtc = () => rmSync(etcDir, { recursive: true, force: true });
  try {
    mkdirSync(etcDir, { recursive: true, mode: 0o755 });
    if (existsSync('/etc/hosts')) copyFileSync('/etc/hosts', hostsFile);
    else writeFileSync(hostsFile, '127.0.0.1 localhost\n', { mode: 0o644 });
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    // Loopback up so local addresses answer inside the namespace.
    execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
  } catch (err) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    } catch {
      // never created
    }
    removeEtc();
    throw err;
  }
  return {
    name,
    runner: createNetnsRunner(name),
    hostsFile,
    exec: (cmd, args) => execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8', stdio: 'pipe', timeout: 20_000 }),
    delete() {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch {
        // Already gone.
      }
      removeEtc();
    },
  };
}

