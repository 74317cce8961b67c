import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/**
 * A guest network that lives inside a throwaway network namespace: bridge
 * `br0` and tap `tap0` in the namespace (so their names cannot collide with
 * other test runs), QEMU started there with `ip netns exec`, and a veth pair
 * plus one host route so this process (in the root namespace) reaches the
 * guest's IP over SSH. Deleting the namespace removes the bridge, the tap,
 * the veth pair and the route together.
 *
 *   host  bvh<sfx> 100.X.Y.1/30 ──veth── bvn<sfx> 100.X.Y.2/30 (netns, forwarding)
 *                                           br0 100.X.Y+1.1/24 ── tap0 ── guest 100.X.Y+1.2
 */
export interface RoutedNetns {
  ns: string;
  bridge: 'br0';
  tap: 'tap0';
  hostVeth: string;
  /** The bridge address with prefix, for the planner's `bridge_cidr`. */
  bridgeCidr: string;
  gatewayIP: string;
  guestIP: string;
  /** Argument prefix that runs a command in the namespace. */
  launcher: string[];
  /** True while a link of that name exists in the namespace. */
  linkExistsInNs(name: string): boolean;
  /** Forgets learned MACs (ARP and bridge), so each boot in a bench starts cold. */
  flushNeighbours(): void;
  /** Deletes the tap (what the VM's network release does in production). */
  deleteTap(): void;
  /** Removes the namespace and everything in it; safe to call twice. */
  destroy(): void;
  exists(): boolean;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe', timeout: 20_000 });
}

export function createRoutedNetns(): RoutedNetns {
  const sfx = randomBytes(3).toString('hex');
  const ns = `banger-vmrt-${sfx}`;
  const hostVeth = `bvh${sfx}`;
  const nsVeth = `bvn${sfx}`;
  // CGNAT space, random /23 per run: unlikely to meet another test's addresses.
  const a = randomInt(64, 128);
  const b = randomInt(0, 127) * 2;
  const transit = `100.${a}.${b}`;
  const lan = `100.${a}.${b + 1}`;
  const inNs = (args: string[]) => ip(['netns', 'exec', ns, 'ip', ...args]);
  const net: RoutedNetns = {
    ns,
    bridge: 'br0',
    tap: 'tap0',
    hostVeth,
    bridgeCidr: `${lan}.1/24`,
    gatewayIP: `${lan}.1`,
    guestIP: `${lan}.2`,
    launcher: ['ip', 'netns', 'exec', ns],
    linkExistsInNs: (name) => spawnSync('ip', ['-n', ns, 'link', 'show', 'dev', name], { stdio: 'pipe' }).status === 0,
    flushNeighbours: () => void spawnSync('ip', ['-n', ns, 'neigh', 'flush', 'all'], { stdio: 'pipe' }),
    deleteTap: () => void spawnSync('ip', ['-n', ns, 'link', 'del', 'dev', 'tap0'], { stdio: 'pipe' }),
    destroy() {
      // Deleting the namespace destroys its end of the veth, which takes the host end and the route with it.
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
      if (spawnSync('ip', ['link', 'show', 'dev', hostVeth], { stdio: 'pipe' }).status === 0) spawnSync('ip', ['link', 'del', 'dev', hostVeth], { stdio: 'pipe' });
    },
    exists: () => spawnSync('ip', ['netns', 'exec', ns, 'true'], { stdio: 'pipe' }).status === 0,
  };
  try {
    ip(['netns', 'add', ns]);
    inNs(['link', 'set', 'lo', 'up']);
    ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth]);
    ip(['link', 'set', nsVeth, 'netns', ns]);
    ip(['addr', 'add', `${transit}.1/30`, 'dev', hostVeth]);
    ip(['link', 'set', hostVeth, 'up']);
    inNs(['addr', 'add', `${transit}.2/30`, 'dev', nsVeth]);
    inNs(['link', 'set', nsVeth, 'up']);
    inNs(['link', 'add', 'br0', 'type', 'bridge']);
    inNs(['addr', 'add', net.bridgeCidr, 'dev', 'br0']);
    inNs(['link', 'set', 'br0', 'up']);
    inNs(['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    inNs(['link', 'set', 'tap0', 'master', 'br0']);
    inNs(['link', 'set', 'tap0', 'up']);
    // Per-namespace sysctl: the namespace routes between the veth and the bridge.
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { stdio: 'pipe' });
    ip(['route', 'add', `${lan}.0/24`, 'via', `${transit}.2`, 'dev', hostVeth]);
  } catch (e) {
    net.destroy();
    throw e;
  }
  return net;
}
