import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomSuffix } from './host-caps.js';

/** A real, uniquely named Unix user for caller-identity tests; remove() deletes it, its group, its processes and its home if it has one. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** Set when created with `home`. */
  home?: string;
  remove(): void;
}

export interface TestUserOptions {
  /**
   * A home directory to create (0700, owned by the user) and record in
   * passwd, for tests that run real work as the user. remove() deletes it.
   * @default no home (nologin user)
   */
  home?: string;
}

export function createTestUser(tag: string, opts: TestUserOptions = {}): TestUser {
  // Names stay short: useradd limits them to 32 characters.
  const name = `bg${tag}${randomSuffix(6)}`;
  const homeArgs = opts.home ? ['--home-dir', opts.home] : [];
  execFileSync('useradd', ['--no-create-home', ...homeArgs, '--user-group', '--shell', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  if (opts.home) {
    mkdirSync(opts.home, { recursive: true, mode: 0o700 });
    chownSync(opts.home, uid, gid);
  }
  return {
    name,
    uid,
    gid,
    ...(opts.home ? { home: opts.home } : {}),
    remove() {
      // userdel refuses a user with live processes (a test that timed out, a daemon it left).
      for (const pid of pidsOf(uid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      try {
        execFileSync('userdel', [name], { stdio: 'pipe' });
      } catch {
        // Already gone.
      }
      if (opts.home) rmSync(opts.home, { recursive: true, force: true });
    },
  };
}

/** Pids whose real uid is `uid` (from /proc, so each is killed by its own id). */
export function pidsOf(uid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) out.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}
