import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForAgent } from '../../../src/guest/agent-client.js';

/** A guest agent that answers every health ask after `delayMs` (a debian guest under TCG). */
function slowAgent(path: string, delayMs: number): Promise<Server> {
  const server = createServer((sock) => {
    let buf = '';
    sock.on('data', (b) => {
      buf += b.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const { id } = JSON.parse(buf.slice(0, i)) as { id: number };
        buf = buf.slice(i + 1);
        setTimeout(() => {
          if (!sock.destroyed) sock.write(`${JSON.stringify({ id, ok: true, result: { status: 'ok', version: 1, hostname: 'slow', uptime: 1, load: '0 0 0' } })}\n`);
        }, delayMs);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((res) => server.listen(path, () => res(server)));
}

describe('waitForAgent with a slow guest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgagent-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('waits longer on each ask, so an agent that always takes 1.2 s still counts as up', async () => {
    const path = join(dir, 'agent.sock');
    const server = await slowAgent(path, 1200);
    try {
      const h = await waitForAgent({ kind: 'virtio-serial', socketPath: path }, { timeoutMs: 15_000 });
      expect(h.hostname).toBe('slow');
    } finally {
      server.close();
    }
  }, 20_000);
});
