import { spawn } from 'node:child_process';
import type { TestUser } from './users.js';

/** An ordinary Debian user's PATH: no sbin dirs, so banger has to find mkfs.ext4 and friends itself. */
export const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface NodeAsUserResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module script with node as `user` (setpriv, the user's groups,
 * a clean environment holding only `env`, PATH and HOME). The child leads its
 * own process group, which is killed when `timeoutMs` passes.
 */
export function runNodeAsUser(
  user: TestUser,
  script: string,
  opts: { env?: Record<string, string>; timeoutMs: number; cwd?: string },
): Promise<NodeAsUserResult> {
  const env = { PATH: USER_PATH, HOME: user.home ?? '/nonexistent', ...opts.env };
  const args = [
    '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--',
    'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    process.execPath, '--input-type=module', '-e', script,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', args, { cwd: opts.cwd ?? user.home ?? '/', detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
