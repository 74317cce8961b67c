/**
 * The forwarder against real UDP upstreams on 127.0.0.1 in this process
 * (dns-packet servers that answer, stay silent, fail or lie), alone and
 * behind the real server (NAME.vm answered locally, the rest forwarded).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { createForwarder, startDnsServer, type DnsServer, type Upstream } from '../../../../src/host/dns/index.js';
import { queryDns, rcodeName } from '../../../helpers/dns-query.js';

interface FakeUpstream {
  up: Upstream;
  /** Queries received, decoded. */
  seen: DecodedPacket[];
  socket: Socket;
}

const sockets: Socket[] = [];
let server: DnsServer | null = null;
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await server?.close();
  server = null;
});

type Handler = (q: DecodedPacket, rinfo: RemoteInfo, socket: Socket) => void;

async function upstream(handler: Handler): Promise<FakeUpstream> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const seen: DecodedPacket[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    seen.push(q);
    handler(q, rinfo, socket);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { up: { host: '127.0.0.1', port: socket.address().port }, seen, socket };
}

/** Answers every A question with `ip` (or the given rcode), echoing id and question. */
const answering =
  (ip: string, rcode = 0): Handler =>
  (q, rinfo, socket) => {
    const answers = rcode === 0 ? (q.questions ?? []).map((x) => ({ type: 'A' as const, class: 'IN' as const, name: x.name, ttl: 60, data: ip })) : [];
    socket.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions ?? [], answers }), rinfo.port, rinfo.address);
  };
const silent: Handler = () => {};

function query(name: string, id = 4242): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] });
}
const aRecords = (p: DecodedPacket) => (p.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data));

describe('createForwarder', () => {
  it("relays the upstream's answer with the client's id (the upstream saw an id of ours)", { timeout: 10_000 }, async () => {
    const u = await upstream(answering('198.51.100.10'));
    const fwd = createForwarder({ upstreams: () => [u.up] });
    const out = dnsPacket.decode(await fwd.forward(query('www.outside.test', 4242)));
    expect(out.id).toBe(4242);
    expect(rcodeName(out)).toBe('NOERROR');
    expect(aRecords(out)).toEqual(['198.51.100.10']);
    expect(u.seen).toHaveLength(1);
    expect(u.seen[0]!.questions?.[0]).toMatchObject({ name: 'www.outside.test', type: 'A' });
    expect(fwd.inFlight()).toBe(0);
  });

  it('a silent upstream times out and the next one answers', { timeout: 10_000 }, async () => {
    const dead = await upstream(silent);
    const live = await upstream(answering('198.51.100.11'));
    const fwd = createForwarder({ upstreams: () => [dead.up, live.up], tryTimeoutMs: 300 });
    const out = dnsPacket.decode(await fwd.forward(query('a.outside.test')));
    expect(aRecords(out)).toEqual(['198.51.100.11']);
    expect(dead.seen).toHaveLength(1);
    expect(live.seen).toHaveLength(1);
  });

  it('SERVFAIL and REFUSED move on to the next upstream; when all fail the last failure is relayed', { timeout: 10_000 }, async () => {
    const failing = await upstream(answering('', 2));
    const refusing = await upstream(answering('', 5));
    const live = await upstream(answering('198.51.100.12'));
    const ok = dnsPacket.decode(await createForwarder({ upstreams: () => [failing.up, refusing.up, live.up] }).forward(query('b.outside.test', 7)));
    expect(aRecords(ok)).toEqual(['198.51.100.12']);
    expect(ok.id).toBe(7);
    const bad = dnsPacket.decode(await createForwarder({ upstreams: () => [failing.up, refusing.up] }).forward(query('b.outside.test', 8)));
    expect(rcodeName(bad)).toBe('SERVFAIL');
    expect(bad.id).toBe(8);
  });

  it('no answer within the bound: SERVFAIL carrying the question and the id', { timeout: 10_000 }, async () => {
    const a = await upstream(silent);
    const b = await upstream(silent);
    const fwd = createForwarder({ upstreams: () => [a.up, b.up], tryTimeoutMs: 2000, totalTimeoutMs: 400 });
    const out = dnsPacket.decode(await fwd.forward(query('slow.outside.test', 99)));
    expect(rcodeName(out)).toBe('SERVFAIL');
    expect(out.id).toBe(99);
    expect(out.questions?.[0]?.name).toBe('slow.outside.test');
    // The whole budget went to the first upstream: the bound is for the query, not per upstream.
    expect(b.seen).toHaveLength(0);
  });

  it('ignores answers with the wrong id, the wrong question or from another port, and takes the real one', { timeout: 10_000 }, async () => {
    const stranger = createSocket('udp4');
    sockets.push(stranger);
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', r));
    const u = await upstream((q, rinfo, socket) => {
      const reply = (id: number, name: string, ip: string, from: Socket) =>
        from.send(
          dnsPacket.encode({ type: 'response', id, flags: 0, questions: [{ type: 'A', name, class: 'IN' }], answers: [{ type: 'A', class: 'IN', name, ttl: 1, data: ip }] }),
          rinfo.port,
          rinfo.address,
        );
      const name = q.questions![0]!.name;
      reply(((q.id ?? 0) + 1) % 65536, name, '203.0.113.66', socket); // wrong id
      reply(q.id ?? 0, 'other.test', '203.0.113.67', socket); // wrong question
      reply(q.id ?? 0, name, '203.0.113.68', stranger); // right id, wrong source port
      setTimeout(() => reply(q.id ?? 0, name, '198.51.100.13', socket), 50);
    });
    const out = dnsPacket.decode(await createForwarder({ upstreams: () => [u.up] }).forward(query('c.outside.test')));
    expect(aRecords(out)).toEqual(['198.51.100.13']);
  });

  it('no upstream at all, or too many queries in flight: SERVFAIL at once', { timeout: 10_000 }, async () => {
    expect(rcodeName(dnsPacket.decode(await createForwarder({ upstreams: () => [] }).forward(query('d.outside.test'))))).toBe('SERVFAIL');
    const hold = await upstream(silent);
    const fwd = createForwarder({ upstreams: () => [hold.up], tryTimeoutMs: 500, maxInFlight: 1 });
    const first = fwd.forward(query('e.outside.test', 1));
    const second = dnsPacket.decode(await fwd.forward(query('f.outside.test', 2)));
    expect(rcodeName(second)).toBe('SERVFAIL');
    expect(second.id).toBe(2);
    expect(rcodeName(dnsPacket.decode(await first))).toBe('SERVFAIL');
    expect(hold.seen.map((q) => q.questions?.[0]?.name)).toEqual(['e.outside.test']);
  });
});

describe('startDnsServer with a forwarder', () => {
  it('answers NAME.vm itself and forwards every other name', { timeout: 10_000 }, async () => {
    const u = await upstream(answering('198.51.100.20'));
    const fwd = createForwarder({ upstreams: () => [u.up] });
    server = await startDnsServer({ host: '127.0.0.1', port: 0, lookup: (n) => (n === 'dev' ? '172.16.0.2' : undefined), forward: fwd.forward });
    expect(await queryDns('127.0.0.1', server.port, 'dev.vm')).toMatchObject({ rcode: 'NOERROR', a: ['172.16.0.2'] });
    expect((await queryDns('127.0.0.1', server.port, 'ghost.vm')).rcode).toBe('NXDOMAIN');
    expect(u.seen).toHaveLength(0);
    expect(await queryDns('127.0.0.1', server.port, 'www.outside.test')).toMatchObject({ rcode: 'NOERROR', a: ['198.51.100.20'] });
    expect(u.seen.map((q) => q.questions?.[0]?.name)).toEqual(['www.outside.test']);
  });

  it('without a forwarder, names outside the zone stay REFUSED', { timeout: 10_000 }, async () => {
    server = await startDnsServer({ host: '127.0.0.1', port: 0, lookup: () => undefined });
    expect((await queryDns('127.0.0.1', server.port, 'www.outside.test')).rcode).toBe('REFUSED');
  });
});
