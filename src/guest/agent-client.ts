import { onJsonLines } from '../host/json-lines.js';
import { connect, type Socket } from 'node:net';
import { GuestError } from '../errors/index.js';

/**
 * Host side of the guest agent: newline-delimited JSON requests
 * {"id","method"[,"params"]} and responses {"id","ok","result"|"error"}.
 * Transports: QEMU's virtio-serial chardev Unix socket (bytes go straight to
 * the guest port), or a Firecracker hybrid-vsock socket, where the first line
 * is `CONNECT <port>\n` answered by `OK <hostport>\n`.
 */

export type AgentTransport = { kind: 'virtio-serial'; socketPath: string } | { kind: 'vsock'; socketPath: string; port: number };

/**
 * Guest port the agent listens on under Firecracker. Below 1024: the guest
 * kernel lets only CAP_NET_BIND_SERVICE bind those, so no unprivileged guest
 * process can take the port while the listener restarts.
 */
export const AGENT_VSOCK_PORT = 1023;

export interface AgentHealth {
  status: 'ok';
  version: number;
  hostname: string;
  uptime: number;
  load: string;
}

export interface ListeningPort {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
  pid: number | null;
  process: string | null;
  cmdline: string | null;
}

/**
 * What a restored guest (fork, warm start) is told about itself before
 * anything connects to it; build it with guestIdentity() (identity.ts).
 */
export interface GuestIdentity {
  ip: string;
  /** Prefix length of the guest network, 8-30. */
  prefix: number;
  gateway: string;
  dns: string;
  /** Lower-case unicast MAC for eth0. */
  mac: string;
  /** The VM name (1-63 of a-z, 0-9, -). */
  hostname: string;
  /** 64-256 lower-case hex digits, mixed into the guest kernel's entropy pool. */
  seed: string;
  /** Unix seconds to set the guest clock to. */
  time: number;
}

export interface GuestIdentityResult {
  hostname: string;
  ip: string;
  /** Which SSH server got new host keys ('none': the image has neither). */
  hostKeys: 'dropbear' | 'openssh' | 'none';
  /**
   * Whether the guest kernel's generator was reseeded at once (RNDRESEEDCRNG,
   * needs perl in the guest). Without it the seed is mixed into the pool but
   * the generator picks it up only at its next scheduled reseed.
   */
  reseeded: boolean;
}

interface Response {
  id: number | null;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class AgentClient {
  private nextId = 1;
  private readonly waiters = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private closedErr: Error | undefined;

  private constructor(private readonly sock: Socket, private readonly where: string) {
    onJsonLines(sock, (msg) => this.onMessage(msg as unknown as Response));
    sock.on('close', () => this.failAll(new GuestError(`agent connection ${where} closed`)));
    sock.on('error', (e) => this.failAll(new GuestError(`agent connection ${where}: ${e.message}`, { cause: e })));
  }

  /** Connects (and for vsock completes the CONNECT handshake). Rejects with GuestError. */
  static async connect(t: AgentTransport, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AgentClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(t.socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new GuestError(`agent socket ${t.socketPath} did not accept a connection in ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = (): void => {
        s.destroy();
        reject(new GuestError('agent connection cancelled', { code: 'guest.aborted' }));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      s.once('connect', () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new GuestError(`cannot connect to agent socket ${t.socketPath}: ${e.message}`, { cause: e }));
      });
    });
    if (t.kind === 'vsock') {
      try {
        await vsockHandshake(sock, t.port, timeoutMs);
      } catch (e) {
        sock.destroy();
        throw e;
      }
    }
    return new AgentClient(sock, t.socketPath);
  }

  async health(timeoutMs = 5000): Promise<AgentHealth> {
    return (await this.call('health', timeoutMs)) as AgentHealth;
  }

  async ports(timeoutMs = 10_000): Promise<ListeningPort[]> {
    return ((await this.call('ports', timeoutMs)) as { ports: ListeningPort[] }).ports;
  }

  /**
   * Gives a restored guest its new identity: seed, clock, SSH host keys,
   * network, hostname. Rejects with GuestError when the agent refuses a field
   * or a step fails (the message names the step), or when the image's agent
   * predates this method ("unknown method identity").
   */
  async identity(params: GuestIdentity, opts: { timeoutMs?: number } = {}): Promise<GuestIdentityResult> {
    return (await this.call('identity', opts.timeoutMs ?? 30_000, params)) as GuestIdentityResult;
  }

  /** Sends one request; rejects with GuestError on an agent error, a closed connection or the timeout. */
  call(method: string, timeoutMs = 5000, params?: object): Promise<unknown> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new GuestError(`guest agent did not answer ${method} within ${timeoutMs} ms`, {
          hint: 'the agent may not be running in this image; check the VM console log',
          code: 'guest.agent_timeout',
        }));
      }, timeoutMs);
      this.waiters.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.ok) resolve(r.result);
          else reject(new GuestError(`guest agent ${method} failed: ${r.error ?? 'unknown error'}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      // One line: the agent reads line by line and picks fields out with sed.
      this.sock.write(JSON.stringify(params === undefined ? { id, method } : { id, method, params }) + '\n');
    });
  }

  close(): void {
    this.sock.destroy();
  }

  /** Answers are matched by id, so lines from an earlier session are ignored. */
  private onMessage(r: Response): void {
    if (typeof r.id !== 'number') return;
    const w = this.waiters.get(r.id);
    this.waiters.delete(r.id);
    w?.resolve(r);
  }

  private failAll(e: Error): void {
    this.closedErr ??= e;
    for (const w of this.waiters.values()) w.reject(e);
    this.waiters.clear();
  }
}

function vsockHandshake(sock: Socket, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const timer = setTimeout(() => finish(new GuestError(`vsock CONNECT ${port} got no answer in ${timeoutMs} ms`)), timeoutMs);
    const onData = (b: Buffer): void => {
      acc += b.toString('latin1');
      const nl = acc.indexOf('\n');
      if (nl < 0) return;
      const line = acc.slice(0, nl);
      if (!/^OK \d+$/.test(line)) {
        finish(new GuestError(`vsock CONNECT ${port} refused: ${JSON.stringify(line)}`));
        return;
      }
      const rest = acc.slice(nl + 1);
      finish();
      // Bytes after the OK line belong to the agent stream.
      if (rest) sock.unshift(Buffer.from(rest, 'latin1'));
    };
    const onClose = (): void => finish(new GuestError(`vsock CONNECT ${port}: nothing listens on that guest port yet`, { code: 'guest.agent_unavailable' }));
    function finish(err?: Error): void {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('close', onClose);
      if (err) reject(err);
      else resolve();
    }
    sock.on('data', onData);
    sock.once('close', onClose);
    sock.write(`CONNECT ${port}\n`);
  });
}

/**
 * One connection on which the agent has answered, for a conversation that
 * must not be cut: the guest's virtio-serial driver throws away unread data
 * when the agent closes its end, which it does each time a host connection
 * ends. So a request sent on a new connection just after another one closed
 * could vanish (seen: a restored guest's identity lost after the readiness
 * check's health call). Health is asked again on the same connection until it
 * answers; after that the agent keeps reading this connection.
 */
export async function connectAnswering(t: AgentTransport, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<{ client: AgentClient; health: AgentHealth }> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no attempt made';
  while (Date.now() < deadline) {
    if (opts.signal?.aborted) throw new GuestError('waiting for the guest agent was cancelled', { code: 'guest.aborted' });
    let client: AgentClient | undefined;
    try {
      client = await AgentClient.connect(t, { timeoutMs: 2000, signal: opts.signal });
      // Short at first (a guest still booting never answers the early asks), then doubling: a
      // slow guest (debian under TCG) takes longer than 500 ms per answer, and an answer that
      // comes after its ask timed out is dropped, so a fixed bound would never be met.
      let askMs = 500;
      while (Date.now() < deadline) {
        if (opts.signal?.aborted) throw new GuestError('waiting for the guest agent was cancelled', { code: 'guest.aborted' });
        try {
          const health = await client.health(Math.max(100, Math.min(askMs, deadline - Date.now())));
          return { client, health };
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
          if (/closed/.test(last)) throw e;
          askMs = Math.min(askMs * 2, 8000);
        }
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      client?.close();
      if (opts.signal?.aborted) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new GuestError(`guest agent did not answer within ${Math.round(opts.timeoutMs / 1000)} s (last: ${last})`, {
    hint: 'check the VM console log; images built before the agent existed need a rebuild',
    code: 'guest.agent_timeout',
  });
}

/**
 * Polls until the agent answers health, reconnecting as needed (the guest
 * may not have opened its end yet). Rejects with GuestError after timeoutMs.
 */
export async function waitForAgent(t: AgentTransport, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentHealth> {
  const { client, health } = await connectAnswering(t, opts);
  client.close();
  return health;
}
