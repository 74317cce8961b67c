import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpForward, startUdpForward, type Listener } from '../../../src/forward/index.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function forward(guestPort: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  const hostPort = await freePort();
  const o = { hostIp: '127.0.0.1', hostPort, guestIp: '127.0.0.1', guestPort, logger };
  const l: Listener = proto === 'tcp' ? await startTcpForward(o) : await startUdpForward({ ...o, idleMs: 2000 });
  cleanups.push(() => l.close());
  return hostPort;
}

function collect(sock: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('end', () => resolve(Buffer.concat(parts)));
    sock.on('error', reject);
  });
}

describe('TCP relay (the forwarder against a real local server standing in for the guest)', () => {
  it('passes a half-close through: the client ends, the guest still answers after reading everything', async () => {
    // The "guest" reads to EOF, then replies with a digest and ends: only works if the client's FIN reaches it.
    const guest = createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => undefined);
      const h = createHash('sha256');
      s.on('data', (d) => h.update(d));
      s.on('end', () => s.end(h.digest('hex')));
    });
    const port = await forward(await listen(guest));
    const payload = randomBytes(3 * 1024 * 1024);
    const c = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const reply = collect(c);
    c.end(payload);
    expect((await reply).toString()).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('keeps backpressure: a client that does not read does not make bangerd buffer the whole stream', async () => {
    let written = 0;
    const guest = createServer((s) => {
      s.on('error', () => undefined); // reset when the test drops the client
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (written < 256 * 1024 * 1024 && s.write(chunk)) written += chunk.length;
      };
      s.on('drain', pump);
      pump();
    });
    const port = await forward(await listen(guest));
    const c = connect({ host: '127.0.0.1', port });
    c.pause();
    cleanups.push(() => void c.destroy());
    await new Promise((r) => setTimeout(r, 700));
    // Socket buffers on three hops (a few MB at most), not 256 MB.
    expect(written).toBeLessThan(48 * 1024 * 1024);
    expect(written).toBeGreaterThan(0);
  });

  it('a guest that refuses closes that connection only; the listener keeps serving', async () => {
    const dead = await freePort();
    const port = await forward(dead);
    const c = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => {
      c.on('close', () => resolve());
      c.on('error', () => undefined);
    });
    const again = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      again.on('connect', () => resolve());
      again.on('error', reject);
    });
    again.destroy();
  });

  it('refuses a second bind of the same address with EADDRINUSE', async () => {
    const guest = createServer();
    const gp = await listen(guest);
    const hostPort = await freePort();
    const l = await startTcpForward({ hostIp: '127.0.0.1', hostPort, guestIp: '127.0.0.1', guestPort: gp, logger });
    cleanups.push(() => l.close());
    await expect(startTcpForward({ hostIp: '127.0.0.1', hostPort, guestIp: '127.0.0.1', guestPort: gp, logger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('UDP relay', () => {
  it('sends each reply back to the client that asked, with a distinct upstream per client', async () => {
    const guest = createSocket('udp4');
    const sources = new Set<string>();
    guest.on('message', (m, r) => {
      sources.add(`${r.address}:${r.port}`);
      guest.send(Buffer.from(`echo:${m.toString()}`), r.port, r.address);
    });
    await new Promise<void>((r) => guest.bind(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => guest.close(() => r())));
    const port = await forward(guest.address().port, 'udp');
    const ask = async (text: string) => {
      const c = createSocket('udp4');
      cleanups.push(() => new Promise<void>((r) => c.close(() => r())));
      const reply = new Promise<string>((r) => c.once('message', (m) => r(m.toString())));
      c.send(text, port, '127.0.0.1');
      return reply;
    };
    const [a, b] = await Promise.all([ask('a'), ask('b')]);
    expect([a, b]).toEqual(['echo:a', 'echo:b']);
    expect(sources.size).toBe(2);
  });
});
