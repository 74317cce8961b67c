/** A one-shot UDP DNS client (dns-packet over dgram) for tests: the answer's rcode and A records. */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, RecordType } from 'dns-packet';

export interface DnsAnswer {
  rcode: string | undefined;
  a: string[];
  packet: DecodedPacket;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** The response code's name (the low 4 bits of the flags); @types/dns-packet does not declare `rcode`. */
export function rcodeName(p: DecodedPacket): string | undefined {
  return RCODES[(p.flags ?? 0) & 0xf];
}

export function queryDns(host: string, port: number, name: string, type: RecordType = 'A', timeoutMs = 2000): Promise<DnsAnswer> {
  const id = Math.floor(Math.random() * 65535);
  const buf = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
  const socket = createSocket('udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS answer for ${name} from ${host}:${port} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      const packet = dnsPacket.decode(msg);
      if (packet.id !== id) return;
      clearTimeout(timer);
      socket.close();
      const a = (packet.answers ?? []).filter((x) => x.type === 'A').map((x) => String((x as { data: unknown }).data));
      resolve({ rcode: rcodeName(packet), a, packet });
    });
    socket.send(buf, port, host, (err) => {
      if (err) {
        clearTimeout(timer);
        socket.close();
        reject(err);
      }
    });
  });
}
