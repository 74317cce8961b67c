import { onJsonLines } from '../../host/json-lines.js';
import { connect, type Socket } from 'node:net';
import { VmmError } from '../../errors/index.js';

/**
 * A small QMP client: connect to the Unix socket, read the greeting, enter
 * command mode (qmp_capabilities), then one command at a time. Events are
 * collected so callers can wait for e.g. SHUTDOWN.
 */

export interface QmpEvent {
  event: string;
  data?: unknown;
}

export class QmpClient {
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  readonly events: QmpEvent[] = [];
  private closed = false;
  private greeted: ((ok: boolean) => void) | undefined;
  private greetingSeen = false;

  private constructor(private readonly sock: Socket, private readonly path: string) {
    onJsonLines(sock, (msg) => this.onMessage(msg));
    sock.on('close', () => {
      this.closed = true;
      this.greeted?.(false);
      this.pending?.reject(new VmmError(`QMP connection to ${path} closed during ${this.pending.cmd}`));
      this.pending = undefined;
    });
    sock.on('error', () => {
      /* surfaced through 'close' */
    });
  }

  /** Connects and negotiates capabilities; rejects with VmmError on failure or timeout. */
  static async connect(path: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      const t = setTimeout(() => {
        s.destroy();
        reject(new VmmError(`QMP socket ${path} did not accept a connection in ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(new VmmError(`cannot connect to QMP socket ${path}: ${e.message}`, { cause: e }));
      });
    });
    const client = new QmpClient(sock, path);
    const onAbort = (): void => client.close();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const ok = await Promise.race([
        new Promise<boolean>((resolve) => {
          client.greeted = resolve;
          if (client.greetingSeen) resolve(true);
        }),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
      ]);
      if (!ok) throw new VmmError(`QMP on ${path} sent no greeting`, { hint: 'the VMM may be hung; stop the VM with --force' });
      await client.execute('qmp_capabilities');
      return client;
    } catch (e) {
      client.close();
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs one command and resolves with its "return" value; rejects with VmmError on a QMP error. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<T> {
    const run = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (this.closed) {
          reject(new VmmError(`QMP connection to ${this.path} is closed`));
          return;
        }
        const t = setTimeout(() => {
          this.pending = undefined;
          reject(new VmmError(`QMP command ${command} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending = {
          cmd: command,
          resolve: (v) => {
            clearTimeout(t);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(t);
            reject(e);
          },
        };
        this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p as Promise<T>;
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.greetingSeen = true;
      this.greeted?.(true);
    } else if ('event' in msg) this.events.push({ event: String(msg.event), data: msg.data });
    else if ('return' in msg) {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(msg.return);
    } else if ('error' in msg) {
      const p = this.pending;
      this.pending = undefined;
      const err = msg.error as { class?: string; desc?: string };
      p?.reject(new VmmError(`QMP ${p.cmd} failed: ${err.desc ?? err.class ?? 'unknown error'}`));
    }
  }
}
