import { execFileSync } from 'node:child_process';
import { randomSuffix } from './host-caps.js';

/** A real, uniquely named Unix user (no home) for caller-identity tests; remove() deletes it and its group. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  remove(): void;
}

export function createTestUser(tag: string): TestUser {
  // Names stay short: useradd limits them to 32 characters.
  const name = `bg${tag}${randomSuffix(6)}`;
  execFileSync('useradd', ['--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return {
    name,
    uid,
    gid,
    remove() {
      try {
        execFileSync('userdel', [name], { stdio: 'pipe' });
      } catch {
        // Already gone.
      }
    },
  };
}
