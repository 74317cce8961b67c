/**
 * A port forward: a host address and port bangerd listens on, relayed to a
 * port of one VM's guest IP. Rows live in the `forwards` table and go with
 * their VM (ON DELETE CASCADE); the listener is up only while the VM runs.
 */
export type ForwardProto = 'tcp' | 'udp';

export interface PortForward {
  id: string;
  vmId: string;
  proto: ForwardProto;
  /** Address bangerd binds on the host (127.0.0.1 unless asked otherwise). */
  hostIp: string;
  hostPort: number;
  guestPort: number;
  createdAt: string;
}

/** A forward as the user asked for it, before it has an id or a VM. */
export type ForwardSpec = Pick<PortForward, 'proto' | 'hostIp' | 'hostPort' | 'guestPort'>;

/** A forward as `vm forward list` shows it: the row plus its VM's name and whether it is bound now. */
export interface ForwardView extends PortForward {
  vmName: string;
  /** Listening on the host right now (the VM runs and the bind succeeded). */
  active: boolean;
  /** Why the last bind failed, while the VM runs and it is not active. */
  error?: string;
}

/** Default host address: loopback, so a forward is never reachable from the network unless asked. */
export const DEFAULT_FORWARD_HOST_IP = '127.0.0.1';
