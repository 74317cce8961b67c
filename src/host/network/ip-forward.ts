import { runChecked, type CommandRunner } from '../exec/index.js';

const KEY = 'net.ipv4.ip_forward';

/**
 * Sets net.ipv4.ip_forward and returns the previous value. Goes through
 * `sysctl` (which writes /proc/sys) via the runner rather than writing the file
 * from this process: /proc/sys/net is per network namespace, and the runner is
 * what places a command in the right one (tests run it in their own netns).
 */
export async function setIpForward(runner: CommandRunner, enable: boolean): Promise<{ previous: boolean }> {
  const previous = await getIpForward(runner);
  if (previous !== enable) await runChecked(runner, 'sysctl', ['-q', '-w', `${KEY}=${enable ? 1 : 0}`]);
  return { previous };
}

export async function getIpForward(runner: CommandRunner): Promise<boolean> {
  const res = await runChecked(runner, 'sysctl', ['-n', KEY]);
  return res.stdout.trim() === '1';
}
