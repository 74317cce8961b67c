/**
 * Pure DNS answering for the `vm` zone: one query buffer in, one response
 * buffer out (or null to drop). Kept apart from the socket so it is unit-testable.
 */
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const OPCODE_QUERY = 0;

export interface AnswerOptions {
  /** Zone we are authoritative for, without dots. @default 'vm' */
  domain: string;
  /** IPv4 of a running VM by its name (the label before `.vm`), or undefined. */
  lookup: (name: string) => string | undefined;
  /** @default 5 (seconds): short, since VMs come and go */
  ttl: number;
}

/** Builds the response to one query; null means "drop" (not even a header to answer). */
export function answerQuery(buf: Buffer, opts: AnswerOptions): Buffer | null {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(buf);
  } catch {
    if (buf.length < 12) return null;
    // Header readable, body not: FORMERR with the client's id so it stops waiting.
    return respond(buf.readUInt16BE(0), 0, RCODE.FORMERR, [], []);
  }
  if (query.type === 'response') return null;
  const flags = query.flags ?? 0;
  const rd = flags & dnsPacket.RECURSION_DESIRED;
  const id = query.id ?? 0;
  const opcode = (flags >> 11) & 0xf;
  const questions = query.questions ?? [];
  if (opcode !== OPCODE_QUERY) return respond(id, rd, RCODE.NOTIMP, questions, []);
  if (questions.length !== 1) return respond(id, rd, RCODE.FORMERR, questions, []);
  const q = questions[0]!;
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const suffix = `.${opts.domain}`;
  if ((q.class ?? 'IN') !== 'IN' || (name !== opts.domain && !name.endsWith(suffix))) {
    // Outside the zone and no forwarder here (the server forwards before asking us): refused.
    return respond(id, rd, RCODE.REFUSED, questions, []);
  }
  if (name === opts.domain) return respond(id, rd, RCODE.NOERROR, questions, []);
  const label = name.slice(0, -suffix.length);
  const ip = label.includes('.') ? undefined : opts.lookup(label);
  if (ip === undefined) return respond(id, rd, RCODE.NXDOMAIN, questions, []);
  // ANY (255) is missing from @types/dns-packet's RecordType union.
  if (q.type === 'A' || (q.type as string) === 'ANY') {
    return respond(id, rd, RCODE.NOERROR, questions, [{ type: 'A', class: 'IN', name: q.name, ttl: opts.ttl, data: ip }]);
  }
  // The name exists but has no record of this type (AAAA, MX...): NODATA, i.e. NOERROR and no answers.
  return respond(id, rd, RCODE.NOERROR, questions, []);
}

/**
 * True for a well-formed standard query with one question outside the zone:
 * what a forwarder should take. Everything else (the zone itself, malformed
 * packets, other opcodes) is answered by answerQuery.
 */
export function isForwardable(buf: Buffer, domain: string): boolean {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(buf);
  } catch {
    return false;
  }
  const questions = query.questions ?? [];
  if (query.type === 'response' || ((query.flags ?? 0) >> 11) & 0xf || questions.length !== 1) return false;
  const name = questions[0]!.name.toLowerCase().replace(/\.$/, '');
  return name !== domain && !name.endsWith(`.${domain}`);
}

function respond(id: number, rd: number, rcode: number, questions: Question[], answers: Answer[]): Buffer {
  const packet: Packet = {
    type: 'response',
    id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode,
    questions,
    answers,
  };
  return dnsPacket.encode(packet);
}
