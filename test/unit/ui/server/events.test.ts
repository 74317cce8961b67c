import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SseHub, sseFrame } from '../../../../src/ui/server/events.js';
import { until } from '../../tui/fake-daemon.js';

describe('sseFrame', () => {
  it('is one event line and one data line', () => {
    expect(sseFrame({ event: 'vm.removed', data: { id: 'a', name: 'x\ny' } })).toBe('event: vm.removed\ndata: {"id":"a","name":"x\\ny"}\n\n');
  });
});

describe('SseHub', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  async function serve(hub: SseHub) {
    const server = createServer((_req, res: ServerResponse) => hub.add(res, [{ event: 'vms', data: { vms: [] } }]));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      hub.close();
      server.closeAllConnections();
      server.close();
    });
    return (server.address() as AddressInfo).port;
  }

  it('sends vms first, fans out, and forgets a tab that closed', async () => {
    const hub = new SseHub();
    const port = await serve(hub);
    let text = '';
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => res.on('data', (b: Buffer) => (text += b.toString())));
    req.end();
    await until(() => hub.size === 1, 3000, 'tab');
    hub.broadcast({ event: 'vm.removed', data: { id: 'a', name: 'a' } });
    await until(() => text.includes('vm.removed'), 3000, 'broadcast');
    expect(text.indexOf('event: vms')).toBeLessThan(text.indexOf('event: vm.removed'));
    req.destroy();
    await until(() => hub.size === 0, 3000, 'tab gone');
  });

  it('drops a tab that stops reading instead of buffering for it', async () => {
    const hub = new SseHub({ maxQueuedBytes: 256 * 1024, stallMs: 200 });
    const port = await serve(hub);
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => res.pause()); // never reads
    req.on('error', () => undefined);
    req.end();
    cleanups.push(() => req.destroy());
    await until(() => hub.size === 1, 3000, 'tab');
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200 && hub.size > 0; i++) {
      hub.broadcast({ event: 'image.progress', data: { image: 'i', step: big } });
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => hub.size === 0, 3000, 'slow tab dropped');
  });
});
