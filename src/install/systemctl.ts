import { existsSync } from 'node:fs';
import { HostError } from '../errors/index.js';
import { runChecked, type CommandRunner } from '../host/exec/index.js';
import { DAEMON_UNIT, HELPER_UNIT } from './units.js';

/** sd_booted(): systemd is PID 1 when /run/systemd/system exists. */
export function systemdRunning(exists: (p: string) => boolean = existsSync): boolean {
  return exists('/run/systemd/system');
}

export function assertSystemd(exists?: (p: string) => boolean): void {
  if (!systemdRunning(exists)) {
    throw new HostError('systemd is not running as PID 1 on this host, so banger units cannot be started', {
      code: 'system.no_systemd',
      hint: 'start bangerd directly (banger daemon start); it runs privileged steps in-process when root',
    });
  }
}

export const UNITS = [HELPER_UNIT, DAEMON_UNIT] as const;

/** Argument lists for the systemctl calls, in order (pure, for tests and --dry-run). */
export const systemctlPlans = {
  enable: [['daemon-reload'], ['enable', '--now', ...UNITS]],
  disable: [['disable', '--now', ...UNITS], ['daemon-reload']],
  restart: [['restart', ...UNITS]],
  status: UNITS.map((u) => ['is-active', u]),
} as const;

export async function runSystemctl(runner: CommandRunner, plan: readonly (readonly string[])[]): Promise<void> {
  for (const args of plan) await runChecked(runner, 'systemctl', args, { code: 'system.systemctl_failed' });
}

/** `is-active` per unit; never throws for an inactive unit. */
export async function unitStates(runner: CommandRunner): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const unit of UNITS) {
    const res = await runner.run('systemctl', ['is-active', unit]);
    out[unit] = res.stdout.trim() || 'unknown';
  }
  return out;
}
