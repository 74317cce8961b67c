import { execFileSync } from 'node:child_process';
import { createNetnsRunner, type CommandRunner } from '../../src/host/exec/index.js';
import { randomSuffix } from './host-caps.js';

/** A throwaway network namespace named banger-test-<rand>; delete() removes it and every link in it. */
export interface TestNetns {
  name: string;
  runner: CommandRunner;
  /** Runs a command in the namespace synchronously (for test setup). */
  exec(cmd: string, args: string[]): string;
  delete(): void;
}

export function createTestNetns(tag = 'test'): TestNetns {
  const name = `banger-${tag}-${randomSuffix()}`;
  execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  // Loopback up so local addresses answer inside the namespace.
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
  return {
    name,
    runner: createNetnsRunner(name),
    exec: (cmd, args) => execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8', stdio: 'pipe', timeout: 20_000 }),
    delete() {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch {
        // Already gone.
      }
    },
  };
}
