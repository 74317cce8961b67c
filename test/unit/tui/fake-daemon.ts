import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcSocketServer } from '../../../src/wire/index.js';

export type FakeMethod = (params: Record<string, unknown>) => unknown;

/**
 * A stand-in bangerd for unit tests of daemon-backed views: the real NDJSON
 * socket server from src/rpc with a small method table, so the client side
 * under test is the production RpcClient. `restart()` drops every connection
 * and listens again on the same path with a new pid, like a daemon restart.
 */
export class FakeDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'bgr-fd-'));
  readonly socketPath = join(this.dir, 'd.sock');
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  pid = 1000;
  private server: RpcSocketServer | undefined;

  constructor(readonly methods: Record<string, FakeMethod>) {}

  async start(): Promise<void> {
    const server = new RpcSocketServer({
      path: this.socketPath,
      handle: async (line) => {
        const msg = JSON.parse(line) as { id?: number | string; method: string; params?: Record<string, unknown> };
        const params = msg.params ?? {};
        this.calls.push({ method: msg.method, params });
        if (msg.method === 'daemon.hello') return { jsonrpc: '2.0', id: msg.id ?? null, result: { version: 'x', pid: this.pid, protocol: 'x' } };
        const fn = this.methods[msg.method];
        if (!fn) return { jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32601, message: 'Method not found' } };
        try {
          return { jsonrpc: '2.0', id: msg.id ?? null, result: await fn(params) };
        } catch (err) {
          return { jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32000, message: (err as Error).message, data: { kind: 'not_found' } } };
        }
      },
    });
    await server.listen();
    this.server = server;
  }

  /** Sends a notification to every connection. */
  notify(method: string, params: unknown): number {
    return this.server?.broadcast(method, params) ?? 0;
  }

  get connections(): number {
    return this.server?.connections.size ?? 0;
  }

  async stop(): Promise<void> {
    await this.server?.close(50);
    this.server = undefined;
  }

  async restart(downMs = 150): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.pid += 1;
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
