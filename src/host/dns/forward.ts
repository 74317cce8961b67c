/**
 * Forwarding for every name outside the `vm` zone: the query goes, with an id
 * of our own, from a fresh socket (a random source port) to the first
 * upstream; only an answer from that address and port, with that id and the
 * same question, counts. A timeout, a socket error, SERVFAIL or REFUSED moves
 * on to the next upstream; when none answers within the budget the client
 * gets SERVFAIL. Answers go back byte for byte apart from the id, which is the
 * client's again.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Question } from 'dns-packet';
import { RCODE } from './answer.js';

export interface Upstream {
  host: string;
  /** @default 53 */
  port?: number;
}

export interface ForwarderOptions {
  /** Where to forward, in order; read per query, so a changed resolv.conf applies at once. */
  upstreams: () => readonly Upstream[];
  /** Wait for one upstream. @default 2000 */
  tryTimeoutMs?: number;
  /** Bound for the whole query across upstreams. @default 5000 */
  totalTimeoutMs?: number;
  /** Queries forwarded at once; more get SERVFAIL at once (a flood must not exhaust file descriptors). @default 256 */
  maxInFlight?: number;
}

export interface Forwarder {
  /** Always resolves: the upstream's answer, or SERVFAIL, carrying the client's id. */
  forward(query: Buffer): Promise<Buffer>;
  /** Queries in flight now (tests, debug). */
  inFlight(): number;
}

export function createForwarder(opts: ForwarderOptions): Forwarder {
  const tryTimeoutMs = opts.tryTimeoutMs ?? 2000;
  const totalTimeoutMs = opts.totalTimeoutMs ?? 5000;
  const maxInFlight = opts.maxInFlight ?? 256;
  let inFlight = 0;

  async function forward(query: Buffer): Promise<Buffer> {
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(query);
    } catch {
      return failure(query, null, RCODE.FORMERR);
    }
    const upstreams = opts.upstreams();
    if (upstreams.length === 0 || inFlight >= maxInFlight) return failure(query, decoded, RCODE.SERVFAIL);
    inFlight++;
    try {
      const deadline = Date.now() + totalTimeoutMs;
      let fallback: Buffer | null = null;
      for (const up of upstreams) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const answer = await askOne(query, decoded, up, Math.min(tryTimeoutMs, left));
        if (!answer) continue;
        const rcode = answer.readUInt16BE(2) & 0xf;
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) {
          fallback ??= answer;
          continue;
        }
        return withId(answer, query.readUInt16BE(0));
      }
      return fallback ? withId(fallback, query.readUInt16BE(0)) : failure(query, decoded, RCODE.SERVFAIL);
    } finally {
      inFlight--;
    }
  }

  return { forward, inFlight: () => inFlight };
}

/** One try against one upstream: the matching answer, or null (timeout, error, nothing valid). */
function askOne(query: Buffer, decoded: DecodedPacket, up: Upstream, timeoutMs: number): Promise<Buffer | null> {
  const id = randomInt(0, 0x10000);
  const port = up.port ?? 53;
  const socket: Socket = createSocket(isIPv6(up.host.split('%')[0] ?? '') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    let done = false;
    const finish = (out: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(out);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('error', () => finish(null));
    socket.on('message', (msg, rinfo) => {
      // Anything else on this port is ignored, not taken as the answer (spoofing, stray packets).
      if (rinfo.port !== port || rinfo.address.split('%')[0] !== up.host.split('%')[0] || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      let reply: DecodedPacket;
      try {
        reply = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (reply.type !== 'response' || !sameQuestions(decoded.questions ?? [], reply.questions ?? [])) return;
      finish(msg);
    });
    socket.send(withId(query, id), port, up.host, (err) => {
      if (err) finish(null);
    });
  });
}

function sameQuestions(a: readonly Question[], b: readonly Question[]): boolean {
  const key = (q: Question) => `${q.name.toLowerCase().replace(/\.$/, '')}|${q.type}|${q.class ?? 'IN'}`;
  return a.length === b.length && a.every((q, i) => key(q) === key(b[i]!));
}

function withId(buf: Buffer, id: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt16BE(id, 0);
  return out;
}

/** An error answer to `query`: its id, its question, RD copied, RA set. */
function failure(query: Buffer, decoded: DecodedPacket | null, rcode: number): Buffer {
  const flags = decoded?.flags ?? 0;
  return dnsPacket.encode({
    type: 'response',
    id: query.length >= 2 ? query.readUInt16BE(0) : 0,
    flags: (flags & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: decoded?.questions ?? [],
  });
}
