import { describeLeaks, listBangerHostResources, newResources, type HostResources } from './helpers/host-leaks.js';

/**
 * vitest globalSetup: snapshot banger-named host resources before the suite,
 * and fail the run if the suite left new ones (taps, bridges, namespaces,
 * iptables rules, loop devices, /etc/netns dirs, or a banger block in the
 * host's own /etc/hosts: test daemons must only ever write their namespace's
 * copy). Pre-existing ones (other engineers' runs on a
 * shared host) are ignored by diffing against the snapshot.
 */
let before: HostResources | undefined;

export function setup(): void {
  if (process.getuid?.() !== 0) return;
  before = listBangerHostResources();
}

export function teardown(): void {
  if (!before) return;
  // Other suites sharing the host may be mid-run; only ours started after `before`, and a leak that
  // shows up here was either ours or appeared concurrently. Both deserve a loud look.
  const leaks = describeLeaks(newResources(before, listBangerHostResources()));
  if (leaks) {
    throw new Error(`test suite leaked host resources: ${leaks}`);
  }
}
