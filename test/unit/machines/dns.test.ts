/**
 * dns actor: the NAME.vm table plus the real UDP server (src/host/dns) on
 * 127.0.0.1, an ephemeral port; queried with dns-packet over a real socket.
 */
import { describe, expect, it } from 'vitest';
import { createActor, setup, spawnChild, waitFor } from 'xstate';
import { createSocket } from 'node:dgram';
import { provideDns } from '../../../machines/dns/actors.js';
import type { DnsContext, DnsInput } from '../../../machines/dns/events.js';
import { provideHelperBridge } from '../../../machines/helper-bridge/actors.js';
import { createBangerSystem } from '../../../machines/system.js';
import { HostError } from '../../../src/errors/index.js';
import { startDnsServer } from '../../../src/host/dns/index.js';
import { queryDns } from '../../helpers/dns-query.js';
import { startVmHarness } from '../../helpers/harness.js';
import { createFakePorts, FakeHelper, silentLogger } from '../../fakes/index.js';

const ctx = (a: { getSnapshot(): unknown }) => (a.getSnapshot() as { context: DnsContext }).context;
const sctx = (s: unknown) => (s as { context: DnsContext }).context;

/** Resolves when `port` on loopback can be bound again (the server let go of it). */
function portFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('dns actor', () => {
  it('answers A for added names, NXDOMAIN after removal, and frees its port when stopped', { timeout: 10_000 }, async () => {
    const dns = createActor(provideDns(startDnsServer, silentLogger), { input: { host: '127.0.0.1', port: 0 } }).start();
    try {
      await waitFor(dns, (s) => (s as { context: DnsContext }).context.boundPort !== null, { timeout: 2000 });
      const port = ctx(dns).boundPort!;
      expect((await queryDns('127.0.0.1', port, 'web.vm')).rcode).toBe('NXDOMAIN');
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      expect(ctx(dns).records).toEqual({ web: '172.16.0.7' });
      expect(await queryDns('127.0.0.1', port, 'web.vm')).toMatchObject({ rcode: 'NOERROR', a: ['172.16.0.7'] });
      dns.send({ type: 'dns.remove', name: 'web' });
      expect((await queryDns('127.0.0.1', port, 'web.vm')).rcode).toBe('NXDOMAIN');
      dns.stop();
      await waitFor(dns, () => true);
      // close() is async: poll briefly for the port to come free.
      let free = false;
      for (let i = 0; i < 50 && !free; i++) {
        free = await portFree(port);
        if (!free) await new Promise((r) => setTimeout(r, 10));
      }
      expect(free).toBe(true);
    } finally {
      dns.stop();
    }
  });

  it('keeps the table and reports lastError when the server cannot bind', { timeout: 10_000 }, async () => {
    const taken = await startDnsServer({ lookup: () => undefined });
    const dns = createActor(provideDns(startDnsServer, silentLogger), { input: { host: '127.0.0.1', port: taken.port } }).start();
    try {
      await waitFor(dns, (s) => (s as { context: DnsContext }).context.lastError !== null, { timeout: 2000 });
      expect(ctx(dns).lastError).toMatch(/EADDRINUSE/);
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      expect(ctx(dns).records).toEqual({ web: '172.16.0.7' });
    } finally {
      dns.stop();
      await taken.close();
    }
  });

  it('a vm actor publishes its name while running and withdraws it when it stops', { timeout: 10_000 }, async () => {
    const h = await startVmHarness({ dns: startDnsServer });
    try {
      const dnsRef = h.supervisor.system.get('dns')!;
      await waitFor(dnsRef, (s) => (s as { context: DnsContext }).context.boundPort !== null, { timeout: 2000 });
      const port = ctx(dnsRef).boundPort!;
      h.gate.open();
      h.vm.send({ type: 'vm.start' });
      await waitFor(h.vm, (s) => (s as { value: unknown }).value === 'running', { timeout: 3000 });
      const ip = h.store.rows.get(h.vmId)!.runtime.guestIP;
      expect(await queryDns('127.0.0.1', port, `${h.name}.vm`)).toMatchObject({ rcode: 'NOERROR', a: [ip] });
      h.vm.send({ type: 'vm.stop' });
      await waitFor(h.vm, (s) => (s as { value: unknown }).value === 'stopped', { timeout: 3000 });
      expect((await queryDns('127.0.0.1', port, `${h.name}.vm`)).rcode).toBe('NXDOMAIN');
    } finally {
      h.stop();
    }
  });
});

/** helper-bridge over a FakeHelper plus one dns actor, as the supervisor spawns them (systemIds included). */
function miniSystem(input: DnsInput, helper = new FakeHelper()) {
  const parent = setup({ actors: { helperBridge: provideHelperBridge(helper), dns: provideDns(startDnsServer, silentLogger) } }).createMachine({
    entry: [spawnChild('helperBridge', { id: 'helperBridge', systemId: 'helperBridge' }), spawnChild('dns', { id: 'dns', systemId: 'dns', input })],
  });
  const root = createActor(parent).start();
  const dns = root.system.get('dns')!;
  return { root, dns, helper };
}

const INSTANCE = '0123456789ab';
const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe('dns actor: guests and the host', () => {
  it('once the bridge is up, answers guests on its address at the loopback port and redirects their port 53 there; shutdown takes the redirect back', { timeout: 10_000 }, async () => {
    // 127.0.0.2 stands in for the bridge address: every 127/8 address is local.
    const { root, dns, helper } = miniSystem({ host: '127.0.0.1', port: 0, guests: { bridge: 'br-test', address: '127.0.0.2' }, hostDns: 'off' });
    try {
      await waitFor(dns, (s) => sctx(s).boundPort !== null, { timeout: 2000 });
      expect(ctx(dns).guestPort).toBeNull();
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      dns.send({ type: 'dns.bridgeUp' });
      await waitFor(dns, (s) => sctx(s).guestPort !== null, { timeout: 2000 });
      const port = ctx(dns).boundPort!;
      expect(ctx(dns).guestPort).toBe(port);
      expect(await queryDns('127.0.0.2', port, 'web.vm')).toMatchObject({ rcode: 'NOERROR', a: ['172.16.0.7'] });
      expect(await until(() => helper.count('dns.redirect') === 1)).toBe(true);
      expect(helper.calls.find((c) => c.op === 'dns.redirect')?.params).toEqual({ bridge: 'br-test', port });
      // Off: nothing goes to the hosts file or resolved.
      expect(helper.count('hosts.sync') + helper.count('resolver.route')).toBe(0);
      dns.send({ type: 'dns.bridgeUp' }); // a second report changes nothing
      dns.send({ type: 'dns.shutdown' });
      await waitFor(dns, (s) => s.status === 'done', { timeout: 5000 });
      expect(helper.state().dnsRedirects).toEqual([]);
      expect(helper.calls.map((c) => c.op)).toEqual(['dns.redirect', 'dns.unredirect']);
    } finally {
      root.stop();
    }
  });

  it('hosts mode: publishes NAME.vm debounced (a burst of changes is one write of the final table), and shutdown removes the block', { timeout: 10_000 }, async () => {
    const { root, dns, helper } = miniSystem({ host: '127.0.0.1', port: 0, hostDns: 'hosts', instance: INSTANCE, publishDelayMs: 100 });
    try {
      await waitFor(dns, (s) => sctx(s).boundPort !== null, { timeout: 2000 });
      // The first publish, right after start, rewrites whatever a killed daemon left: here, the empty table.
      expect(await until(() => helper.count('hosts.sync') === 1)).toBe(true);
      expect(helper.calls[0]).toEqual({ op: 'hosts.sync', params: { instance: INSTANCE, entries: [] } });
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      dns.send({ type: 'dns.add', name: 'api', ip: '172.16.0.8' });
      dns.send({ type: 'dns.add', name: 'tmp', ip: '172.16.0.9' });
      dns.send({ type: 'dns.remove', name: 'tmp' });
      expect(await until(() => helper.count('hosts.sync') === 2)).toBe(true);
      expect(helper.calls[1]!.params).toEqual({
        instance: INSTANCE,
        entries: [
          { name: 'api.vm', ip: '172.16.0.8' },
          { name: 'web.vm', ip: '172.16.0.7' },
        ],
      });
      await waitFor(dns, (s) => sctx(s).published === 2, { timeout: 2000 });
      // No change, no write.
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      await new Promise((r) => setTimeout(r, 300));
      expect(helper.count('hosts.sync')).toBe(2);
      dns.send({ type: 'dns.shutdown' });
      await waitFor(dns, (s) => s.status === 'done', { timeout: 5000 });
      expect(helper.calls.at(-1)).toEqual({ op: 'hosts.sync', params: { instance: INSTANCE, entries: [] } });
      expect(helper.state().hosts).toEqual({});
    } finally {
      root.stop();
    }
  });

  it('hosts mode: a failed publish is retried and the table gets there', { timeout: 10_000 }, async () => {
    // Three failures: every attempt helper-bridge makes for the first publish.
    let fail = 3;
    const helper = new FakeHelper({ failOn: (op) => (op === 'hosts.sync' && fail-- > 0 ? new HostError('cannot update /etc/hosts: EROFS', { code: 'hosts.write_failed' }) : undefined) });
    const { root, dns } = miniSystem({ host: '127.0.0.1', port: 0, hostDns: 'hosts', instance: INSTANCE, publishDelayMs: 10 }, helper);
    try {
      dns.send({ type: 'dns.add', name: 'web', ip: '172.16.0.7' });
      await waitFor(dns, (s) => sctx(s).hostError !== null, { timeout: 3000 });
      expect(ctx(dns).hostError).toMatch(/EROFS/);
      await waitFor(dns, (s) => sctx(s).published === 1, { timeout: 5000 });
      expect(helper.state().hosts).toEqual({ [INSTANCE]: [{ name: 'web.vm', ip: '172.16.0.7' }] });
      expect(ctx(dns).hostError).toBeNull();
    } finally {
      root.stop();
    }
  });

  it('resolved mode: routes the vm domain to the guests listener (address:port), writes no hosts block, unroutes at shutdown', { timeout: 10_000 }, async () => {
    const { root, dns, helper } = miniSystem({ host: '127.0.0.1', port: 0, guests: { bridge: 'br-test', address: '127.0.0.2' }, hostDns: 'resolved', instance: INSTANCE });
    try {
      dns.send({ type: 'dns.bridgeUp' });
      expect(await until(() => helper.count('resolver.route') === 1)).toBe(true);
      expect(helper.calls.find((c) => c.op === 'resolver.route')?.params).toEqual({ bridge: 'br-test', server: `127.0.0.2:${ctx(dns).guestPort}` });
      dns.send({ type: 'dns.shutdown' });
      await waitFor(dns, (s) => s.status === 'done', { timeout: 5000 });
      expect(helper.calls.map((c) => c.op)).toEqual(['dns.redirect', 'resolver.route', 'resolver.unroute', 'dns.unredirect']);
    } finally {
      root.stop();
    }
  });

  it('the supervisor drain runs the dns shutdown: a system stopped with VMs running leaves no block and no redirect', { timeout: 10_000 }, async () => {
    const b = createFakePorts({ startDnsServer });
    const sys = createBangerSystem(b.ports, {
      network: { tapPoolSize: 1, bridgeAddress: '127.0.0.3/8' },
      dns: { host: '127.0.0.1', port: 0, guests: true, hostDns: 'hosts', instance: INSTANCE, publishDelayMs: 20 },
      statsPollIntervalMs: 0,
    });
    try {
      await sys.start({ timeoutMs: 5000 });
      const vm = await sys.service.create({ name: 'web' });
      expect(await until(() => JSON.stringify(b.helper.state().hosts?.[INSTANCE]) === JSON.stringify([{ name: 'web.vm', ip: vm.runtime.guestIP }]))).toBe(true);
      expect(await until(() => sys.guestDnsAddress() !== null)).toBe(true);
      const guestDns = sys.guestDnsAddress()!;
      expect(guestDns.host).toBe('127.0.0.3');
      expect(await queryDns(guestDns.host, guestDns.port, 'web.vm')).toMatchObject({ a: [vm.runtime.guestIP] });
      expect(b.helper.state().dnsRedirects).toEqual([`br-banger:${guestDns.port}`]);
    } finally {
      await sys.shutdown();
    }
    expect(b.helper.state().hosts).toEqual({});
    expect(b.helper.state().dnsRedirects).toEqual([]);
    // The VM itself keeps running (its row says so): only what DNS published is taken back.
    expect(b.store.getByName('web')?.state).toBe('running');
  });
});
