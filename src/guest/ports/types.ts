/** One listening socket as the guest agent reports it. */
export interface GuestListener {
  proto: 'tcp' | 'udp';
  /** Local address as bound: "0.0.0.0", "::", "127.0.0.1", "::1", ... */
  address: string;
  port: number;
  pid?: number;
  process?: string;
  command?: string;
}

/** One row of `banger vm ports`. */
export interface PortRow {
  /** tcp, udp, or the probed application protocol (http, https). */
  proto: string;
  /** NAME.vm:PORT (a URL, http://NAME.vm:PORT/, for a probed web server), or 127.0.0.1:PORT style for loopback-only listeners. */
  endpoint: string;
  port: number;
  process: string;
  command: string;
  /** Bound to loopback only: not reachable from the host. */
  loopbackOnly: boolean;
}
