import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Runs git with an argument array (never a shell) and returns stdout. */
export type GitRunner = (cwd: string, args: string[]) => Promise<string>;

export const runGit: GitRunner = async (cwd, args) => {
  const { stdout } = await execFileP('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
};

/** Splits NUL-separated git output (`-z`) into entries, dropping the trailing empty one. */
export function splitNul(out: string): string[] {
  return out.split('\0').filter((s) => s.length > 0);
}
