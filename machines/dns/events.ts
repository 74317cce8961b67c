export type DnsEvent =
  | { type: 'dns.add'; name: string; ip: string }
  | { type: 'dns.remove'; name: string }
  /** From tap-pool: the bridge exists, so the guests' listener can bind its address. */
  | { type: 'dns.bridgeUp' }
  /** From the supervisor's drain: take back what was published (hosts block, redirect, resolved route), then stop. */
  | { type: 'dns.shutdown' }
  /** To the children: withdraw, then report. */
  | { type: 'dns.withdraw' }
  /** From the server actor. */
  | { type: 'dns.listening'; host: string; port: number }
  | { type: 'dns.failed'; message: string }
  | { type: 'dns.guestListening'; host: string; port: number }
  | { type: 'dns.guestFailed'; message: string }
  | { type: 'dns.serverWithdrawn' }
  /** From the host publisher. */
  | { type: 'dns.published'; count: number }
  | { type: 'dns.publishFailed'; message: string }
  | { type: 'dns.hostWithdrawn' };

/**
 * How NAME.vm reaches the host's own resolver: a systemd-resolved route of
 * the `vm` domain to the server on the bridge, a managed block in the hosts
 * file, or nothing.
 */
export type HostDnsMode = 'resolved' | 'hosts' | 'off';

export interface DnsInput {
  /** @default '127.0.0.1' */
  host: string;
  /** 0 = ephemeral. */
  port: number;
  /**
   * Where guests reach the server: the bridge and its (gateway) address. The
   * server listens there too once the bridge is up, at the same port, and
   * port 53 is redirected to it. Absent: loopback only.
   */
  guests?: { bridge: string; address: string };
  /** @default 'off' */
  hostDns?: HostDnsMode;
  /** This bangerd's hosts-block id (12 hex); needed for hostDns 'hosts'. */
  instance?: string;
  /** Quiet time before a changed table goes to the hosts file. @default 250 */
  publishDelayMs?: number;
}

export interface DnsContext extends DnsInput {
  /** name (without `.vm`) → IPv4 of a running VM. */
  records: Record<string, string>;
  /** Bound port once listening. */
  boundPort: number | null;
  lastError: string | null;
  /** The guests' listener port once bound on the bridge address. */
  guestPort: number | null;
  /** Names in the hosts block after the last successful publish. */
  published: number | null;
  /** Why the last guest-side step or publish failed (cleared by the next success). */
  hostError: string | null;
  /** Which children have withdrawn during shutdown. */
  withdrawn: { server: boolean; host: boolean };
}
