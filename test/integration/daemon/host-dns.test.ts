/**
 * NAME.vm on the host without systemd-resolved (this machine): a real bangerd
 * (dist/, stand-in VMs) inside a throwaway netns keeps its block in the
 * namespace's own hosts file (ip netns exec binds /etc/netns/NS/hosts over
 * /etc/hosts), follows VMs coming and going, takes it out at a clean stop
 * (byte-identical file), and rewrites the stale block a kill -9 left. The
 * guests' listener and port-53 redirect come and go with the daemon too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyHostsBlock, readHostsBlock } from '../../../src/host/hosts/index.js';
import { instanceId as hostsInstanceId } from '../../../src/host/network/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { waitFor } from '../../helpers/rig.js';

const missing = requiresNetns();
const GATEWAY = '10.213.0.1'; // NetnsDaemon's bridge_cidr

describe.skipIf(missing !== null)(gated('NAME.vm in the hosts file of a netns bangerd', missing), () => {
  let d: NetnsDaemon | undefined;
  const hostHostsBefore = readFileSync('/etc/hosts', 'utf8');
  beforeAll(() => buildDist(), 180_000);
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
    // Whatever happened in the namespace, the host's own file is untouched.
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostHostsBefore);
  }, 60_000);

  const hosts = (x: NetnsDaemon) => readFileSync(x.netns.hostsFile, 'utf8');
  const block = (x: NetnsDaemon) => readHostsBlock(hosts(x), hostsInstanceId(0, x.layout.stateDir));
  const sameEntries = (x: NetnsDaemon, want: Array<{ name: string; ip: string }>) => JSON.stringify(block(x)) === JSON.stringify(want);
  const redirects = (x: NetnsDaemon) => x.netns.exec('iptables-save', ['-t', 'nat']).split('\n').filter((l) => l.includes('banger:dns:'));

  it('publishes running VMs, follows stop and delete, answers guests on the bridge address, and a clean stop restores the file byte for byte', { timeout: 120_000 }, async () => {
    d = new NetnsDaemon({ netnsTag: 'hdns' });
    const original = hosts(d);
    await d.start();
    const c = await d.client();
    const a = await c.call('vm.create', { name: 'alpha' });
    const b = await c.call('vm.create', { name: 'beta-2' });
    const both = [
      { ip: a.runtime.guestIP, name: 'alpha.vm' },
      { ip: b.runtime.guestIP, name: 'beta-2.vm' },
    ];
    expect(await waitFor(() => sameEntries(d!, both), 10_000), hosts(d)).toBe(true);
    // What any program in the namespace resolves (glibc, through the bind-mounted file).
    expect(d.netns.exec('getent', ['hosts', 'beta-2.vm'])).toMatch(new RegExp(`^${b.runtime.guestIP.replace(/\./g, '\\.')}\\s+beta-2\\.vm`));
    // Guests' side: the server listens on the gateway at dns_listen's port; port 53 there is redirected to it.
    const dig = d.netns.exec('dig', ['+short', '+time=2', '+tries=2', `@${GATEWAY}`, '-p', String(d.dnsPort), 'alpha.vm', 'A']);
    expect(dig.trim()).toBe(a.runtime.guestIP);
    expect(redirects(d)).toHaveLength(1);
    expect(redirects(d)[0]).toMatch(new RegExp(`-d ${GATEWAY}/32 -i ${d.bridge} -p udp -m udp --dport 53 .*-j REDIRECT --to-ports ${d.dnsPort}`));

    await c.call('vm.stop', { name: 'alpha' });
    expect(await waitFor(() => sameEntries(d!, [both[1]!]), 10_000), hosts(d)).toBe(true);
    await c.call('vm.delete', { name: 'beta-2', force: true });
    // No VM running: no block at all, the file as it was.
    expect(await waitFor(() => hosts(d!) === original, 10_000), hosts(d)).toBe(true);
    await c.call('vm.start', { name: 'alpha' });
    expect(await waitFor(() => block(d!) !== null, 10_000)).toBe(true);

    // daemon stop (SIGTERM) with a VM still running: the block and the redirect go, the VM stays.
    await d.stop();
    expect(hosts(d)).toBe(original);
    expect(redirects(d)).toEqual([]);
    expect(d.standinPids()).toHaveLength(1);
  });

  it('kill -9 leaves a stale block; the next start rewrites it to the VMs that are really running', { timeout: 120_000 }, async () => {
    d = new NetnsDaemon({ netnsTag: 'hdns' });
    const original = hosts(d);
    await d.start();
    const c = await d.client();
    const a = await c.call('vm.create', { name: 'keeper' });
    expect(await waitFor(() => sameEntries(d!, [{ ip: a.runtime.guestIP, name: 'keeper.vm' }]), 10_000)).toBe(true);
    await d.kill9();
    // Stale, and made worse by hand: a name no VM has.
    const instance = hostsInstanceId(0, d.layout.stateDir);
    writeFileSync(d.netns.hostsFile, applyHostsBlock(hosts(d), instance, [{ name: 'ghost.vm', ip: '10.213.0.250' }, { name: 'keeper.vm', ip: a.runtime.guestIP }]));
    await d.start();
    // The daemon had VM rows, so it starts the actors at once: reconcile keeps `keeper`, the block drops the ghost.
    expect(await waitFor(() => sameEntries(d!, [{ ip: a.runtime.guestIP, name: 'keeper.vm' }]), 15_000), hosts(d)).toBe(true);
    await (await d.client()).call('vm.delete', { name: 'keeper', force: true });
    await d.stop();
    expect(hosts(d)).toBe(original);
  });

  it('host_dns = "off" leaves the hosts file alone (guests still get DNS on the bridge)', { timeout: 120_000 }, async () => {
    d = new NetnsDaemon({ netnsTag: 'hdns', extraConfig: 'host_dns = "off"' });
    const original = hosts(d);
    await d.start();
    const c = await d.client();
    const a = await c.call('vm.create', { name: 'quiet' });
    expect(await waitFor(() => redirects(d!).length === 1, 10_000)).toBe(true);
    expect(d.netns.exec('dig', ['+short', '+time=2', '+tries=2', `@${GATEWAY}`, '-p', String(d.dnsPort), 'quiet.vm', 'A']).trim()).toBe(a.runtime.guestIP);
    await new Promise((r) => setTimeout(r, 500)); // longer than the publish debounce
    expect(hosts(d)).toBe(original);
    await c.call('vm.delete', { name: 'quiet', force: true });
    await d.stop();
    expect(hosts(d)).toBe(original);
  });
});
