import { randomBytes, randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';

/**
 * A throwaway bridge + tap pair for one test, uniquely named so concurrent
 * test runs on the same host do not collide; `destroy()` is safe to call
 * twice and after a partial create. Production uses the root helper instead.
 */
export interface TestNet {
  bridge: string;
  tap: string;
  hostIP: string;
  guestIP: string;
  prefix: number;
  destroy(): void;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

export function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { encoding: 'utf8' }).status === 0;
}

export function createTestNet(): TestNet {
  const suffix = randomBytes(3).toString('hex');
  const bridge = `br-bt${suffix}`;
  const tap = `bgt${suffix}`;
  const net = `10.${randomInt(200, 250)}.${randomInt(1, 250)}`;
  const t: TestNet = {
    bridge,
    tap,
    hostIP: `${net}.1`,
    guestIP: `${net}.2`,
    prefix: 24,
    destroy() {
      for (const dev of [tap, bridge]) if (linkExists(dev)) spawnSync('ip', ['link', 'del', 'dev', dev]);
    },
  };
  try {
    ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${t.hostIP}/24`, 'dev', bridge]);
    ip(['link', 'set', 'dev', bridge, 'up']);
    ip(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    ip(['link', 'set', 'dev', tap, 'master', bridge]);
    ip(['link', 'set', 'dev', tap, 'up']);
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}
