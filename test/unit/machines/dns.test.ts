/**
 * dns actor: the NAME.vm table plus the real UDP server (src/host/dns) on
 * 127.0.0.1, an ephemeral port; queried with dns-packet over a real socket.
 */
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { createSocket } from 'node:dgram';
import { provideDns } from '../../../machines/dns/actors.js';
import type { DnsContext } from '../../../machines/dns/events.js';
import { startDnsServer } from '../../../src/host/dns/index.js';
import { queryDns } from '../../helpers/dns-query.js';
import { startVmHarness } from '../../helpers/harness.js';
import { silentLogger } from '../../fakes/index.js';

const ctx = (a: { getSnapshot(): unknown }) => (a.getSnapshot() as { context: DnsContext }).context;

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
