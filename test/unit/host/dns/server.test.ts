/** The real UDP server on 127.0.0.1, an ephemeral port, queried with dns-packet. */
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer } from '../../../../src/host/dns/index.js';
import type { DnsServer } from '../../../../src/host/dns/index.js';
import { queryDns } from '../../../helpers/dns-query.js';

let server: DnsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('startDnsServer', () => {
  it('binds an ephemeral port on loopback and answers from the live table', { timeout: 10_000 }, async () => {
    const table = new Map<string, string>();
    server = await startDnsServer({ host: '127.0.0.1', port: 0, lookup: (n) => table.get(n) });
    expect(server.port).toBeGreaterThan(0);
    expect((await queryDns('127.0.0.1', server.port, 'web.vm')).rcode).toBe('NXDOMAIN');
    table.set('web', '172.16.0.9');
    expect(await queryDns('127.0.0.1', server.port, 'web.vm')).toMatchObject({ rcode: 'NOERROR', a: ['172.16.0.9'] });
    table.delete('web');
    expect((await queryDns('127.0.0.1', server.port, 'web.vm')).rcode).toBe('NXDOMAIN');
  });

  it('rejects when the port is taken, and close is idempotent', { timeout: 10_000 }, async () => {
    server = await startDnsServer({ lookup: () => undefined });
    await expect(startDnsServer({ port: server.port, lookup: () => undefined })).rejects.toThrow(/EADDRINUSE/);
    await server.close();
    await server.close();
    server = null;
  });
});
