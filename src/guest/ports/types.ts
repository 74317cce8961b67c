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
