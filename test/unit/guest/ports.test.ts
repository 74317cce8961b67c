import { createServer as createHttpServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPortsTable, labelHttpRows, mergeListeners, probeHttp } from '../../../src/guest/ports/index.js';
import { createServer as createTcpServer } from 'node:net';

describe('mergeListeners', () => {
  it('merges dual-stack duplicates and marks loopback-only listeners', () => {
    const rows = mergeListeners('dev', [
      { proto: 'tcp', address: '0.0.0.0', port: 8000, pid: 10, process: 'python3', command: 'python3 -m http.server' },
      { proto: 'tcp', address: '::', port: 8000, pid: 10, process: 'python3', command: 'python3 -m http.server' },
      { proto: 'tcp', address: '0.0.0.0', port: 22, pid: 1, process: 'dropbear', command: 'dropbear -R' },
      { proto: 'tcp', address: '127.0.0.1', port: 5432, pid: 20, process: 'postgres', command: 'postgres' },
      { proto: 'udp', address: '0.0.0.0', port: 68 },
    ]);
    expect(rows.map((r) => [r.proto, r.endpoint, r.loopbackOnly])).toEqual([
      ['tcp', 'dev.vm:22', false],
      ['tcp', '127.0.0.1:5432', true],
      ['tcp', 'dev.vm:8000', false],
      ['udp', 'dev.vm:68', false],
    ]);
    const table = formatPortsTable(rows);
    expect(table.split('\n')[0]).toMatch(/^PROTO\s+ENDPOINT\s+PROCESS\s+COMMAND$/);
    expect(table).toContain('127.0.0.1:5432 (guest only)');
  });
});

describe('probeHttp against real loopback servers', () => {
  let http: Server;
  let raw: ReturnType<typeof createTcpServer>;
  let httpPort = 0;
  let rawPort = 0;
  beforeAll(async () => {
    http = createHttpServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
    raw = createTcpServer((s) => s.end('SSH-2.0-fake\r\n'));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    rawPort = (raw.address() as { port: number }).port;
  });
  afterAll(() => {
    http.close();
    raw.close();
  });

  it('labels an HTTP server http and a non-HTTP service as unknown', async () => {
    expect(await probeHttp('127.0.0.1', httpPort)).toBe('http');
    expect(await probeHttp('127.0.0.1', rawPort, 500)).toBe(null);
  });

  it('relabels only exposed tcp rows', async () => {
    const rows = mergeListeners('dev', [
      { proto: 'tcp', address: '0.0.0.0', port: httpPort },
      { proto: 'tcp', address: '127.0.0.1', port: 9 },
      { proto: 'udp', address: '0.0.0.0', port: 53 },
    ]);
    const seen: number[] = [];
    const out = await labelHttpRows(rows, '127.0.0.1', async (_h, p) => {
      seen.push(p);
      return p === httpPort ? 'http' : null;
    });
    expect(seen).toEqual([httpPort]);
    expect(out.find((r) => r.port === httpPort)!.proto).toBe('http');
    // A web server's endpoint is a URL that opens from the host (NAME.vm resolves there).
    expect(out.find((r) => r.port === httpPort)!.endpoint).toBe(`http://dev.vm:${httpPort}/`);
    expect(out.find((r) => r.proto === 'udp')!.endpoint).toBe('dev.vm:53');
  });
});
