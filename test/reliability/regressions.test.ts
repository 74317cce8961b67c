import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gated, requiresNetns } from '../helpers/host-caps.js';
import { RawPeer } from '../helpers/index.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { useOwnedHelper } from './support/owned-helper.js';
import { DaemonProcess } from './support/processes.js';

/**
 * Regression tests for each defect the reliability suite found, against the
 * real processes, named after the fault. Each passing one adds to the
 * summary's "defects found" figure with its name.
 */
const deepId = (depth: number) => `{"jsonrpc":"2.0","id":${'['.repeat(depth)}${']'.repeat(depth)},"method":"x"}\n`;

async function survives(socketPath: string, payload: string, prelude?: string): Promise<Record<string, unknown>> {
  const peer = await RawPeer.open(socketPath);
  try {
    if (prelude) {
      peer.write(`${prelude}\n`);
      await peer.nextMessage();
    }
    peer.write(payload);
    return await peer.nextMessage(10_000);
  } finally {
    peer.end();
  }
}

describe('bangerd regressions', () => {
  let daemon: DaemonProcess;
  beforeAll(async () => {
    ensureDist();
    daemon = await DaemonProcess.start();
  }, 180_000);
  afterAll(async () => {
    await daemon?.dispose();
  }, 30_000);

  it('fault: a request id nested 100,000 arrays deep overflowed JSON.stringify of the reply and stopped bangerd', { timeout: 30_000 }, async () => {
    expect(await survives(daemon.layout.daemonSocket, deepId(100_000))).toMatchObject({ id: null, error: { code: -32600 } });
    expect(daemon.alive).toBe(true);
    expect(await survives(daemon.layout.daemonSocket, '{"jsonrpc":"2.0","id":1,"method":"vm.list"}\n')).toMatchObject({ id: 1, result: [] });
    count('defectsFound', 1, 'bangerd: deep request id crashed the daemon (src/wire/envelope.ts, src/wire/connection.ts)');
  });

  it('fault: image.build with a 4 MB name echoed the whole name in its error (a 4-million-character "one-line" message; found by bad-input seed 1110027536)', { timeout: 30_000 }, async () => {
    const name = 'A'.repeat(4 * 1024 * 1024 - 200);
    const reply = (await survives(daemon.layout.daemonSocket, `${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'image.build', params: { name } })}\n`)) as { error?: { message: string; data?: { hint?: string } } };
    expect(reply.error?.message).toMatch(/^image name "A+"… \(\d+ characters\) is not valid$/);
    expect(reply.error!.message.length).toBeLessThan(200);
    expect(reply.error?.data?.hint).toMatch(/1-63 letters/);
    expect(daemon.alive).toBe(true);
    count('defectsFound', 1, 'bangerd: image.build/import echoed a megabyte name in its error message (src/images/service.ts)');
  });

  it('fault: a bare null line made the JSON-RPC library throw; bangerd answered "Internal error" instead of naming the fix', { timeout: 30_000 }, async () => {
    const reply = await survives(daemon.layout.daemonSocket, 'null\n');
    expect(reply).toMatchObject({ id: null, error: { code: -32600, message: expect.stringContaining('"jsonrpc":"2.0"') } });
  });
});

const missing = requiresNetns();

describe.skipIf(missing !== null)(gated('banger-helper regressions', missing), () => {
  const h = useOwnedHelper();

  it('fault: a request id nested 100,000 arrays deep overflowed JSON.stringify and killed banger-helper', { timeout: 30_000 }, async () => {
    expect(await survives(h.helper.socketPath, deepId(100_000))).toMatchObject({ id: null, error: { code: -32600 } });
    expect(h.helper.alive).toBe(true);
    count('defectsFound', 1, 'banger-helper: deep request id crashed the helper (src/wire/connection.ts, src/wire/envelope.ts)');
  });

  it('fault: a bare null line became an unhandled rejection, which ends a Node 20 process (banger-helper)', { timeout: 30_000 }, async () => {
    expect(await survives(h.helper.socketPath, 'null\n', h.helper.helloLine())).toMatchObject({ id: null, error: { code: -32600 } });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.helper.alive).toBe(true);
    const peer = await RawPeer.open(h.helper.socketPath);
    try {
      peer.write(`${h.helper.helloLine()}\n`);
      await peer.nextMessage();
      expect(await peer.call('helper.ping', {}, 2)).toMatchObject({ id: 2, result: { ownerUid: h.owner.uid } });
    } finally {
      peer.end();
    }
    count('defectsFound', 1, 'banger-helper: bare null line was an unhandled rejection (helper/server.ts)');
  });
});
