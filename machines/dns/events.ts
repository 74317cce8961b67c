export type DnsEvent =
  | { type: 'dns.add'; name: string; ip: string }
  | { type: 'dns.remove'; name: string }
  /** From the server actor. */
  | { type: 'dns.listening'; host: string; port: number }
  | { type: 'dns.failed'; message: string };

export interface DnsInput {
  /** @default '127.0.0.1' */
  host: string;
  /** 0 = ephemeral. */
  port: number;
}

export interface DnsContext extends DnsInput {
  /** name (without `.vm`) → IPv4 of a running VM. */
  records: Record<string, string>;
  /** Bound port once listening. */
  boundPort: number | null;
  lastError: string | null;
}
