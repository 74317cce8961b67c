import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import { RCODE, answerQuery } from '../../../../src/host/dns/index.js';
import { rcodeName } from '../../../helpers/dns-query.js';

const table: Record<string, string> = { web: '172.16.0.5' };
const opts = { domain: 'vm', ttl: 5, lookup: (n: string) => table[n] };

function ask(name: string, type: RecordType = 'A', extra: Partial<dnsPacket.Packet> = {}) {
  const q = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }], ...extra });
  const out = answerQuery(q, opts);
  return out ? dnsPacket.decode(out) : null;
}

describe('answerQuery', () => {
  it('answers A for a running VM, authoritative, with the client id and a short TTL', () => {
    const r = ask('web.vm')!;
    expect(r.id).toBe(4242);
    expect(rcodeName(r)).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(r.answers).toMatchObject([{ type: 'A', name: 'web.vm', data: '172.16.0.5', ttl: 5 }]);
  });

  it('is case-insensitive and accepts a trailing dot', () => {
    expect(ask('WEB.Vm.')!.answers?.[0]).toMatchObject({ data: '172.16.0.5' });
  });

  it('NXDOMAIN for a VM that is not running (no record)', () => {
    const r = ask('db.vm')!;
    expect(rcodeName(r)).toBe('NXDOMAIN');
    expect(r.answers).toEqual([]);
  });

  it('NXDOMAIN for deeper names under a VM', () => {
    expect(rcodeName(ask('x.web.vm')!)).toBe('NXDOMAIN');
  });

  it('NODATA (NOERROR, no answers) for other types of an existing name', () => {
    const r = ask('web.vm', 'AAAA')!;
    expect(rcodeName(r)).toBe('NOERROR');
    expect(r.answers).toEqual([]);
  });

  it('REFUSED outside the zone: it is not a recursive resolver', () => {
    expect(rcodeName(ask('example.com')!)).toBe('REFUSED');
  });

  it('FORMERR for a readable header with a broken body, and drops what is shorter than a header', () => {
    const junk = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xff])]);
    const r = dnsPacket.decode(answerQuery(junk, opts)!);
    expect(r.id).toBe(0x1234);
    expect(r.flags! & 0xf).toBe(RCODE.FORMERR);
    expect(answerQuery(Buffer.from([1, 2, 3]), opts)).toBeNull();
  });

  it('never answers a response (no reflection loops)', () => {
    const resp = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'web.vm' }], answers: [] });
    expect(answerQuery(resp, opts)).toBeNull();
  });
});
