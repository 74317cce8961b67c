import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openGuestSession } from '../../../../src/cli/guest/session.js';
import { GuestError } from '../../../../src/errors/index.js';
import type { RpcClient } from '../../../../src/rpc/index.js';

/** A port nothing listens on: bound, noted, closed. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('openGuestSession: a guest that does not answer (vm ssh, vm exec, vm cp, vm run)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says what it waits for with elapsed time and limit, then fails naming the VM, the limit and its console log', async () => {
    const key = join(dir, 'id');
    writeFileSync(key, utils.generateKeyPairSync('ed25519').private);
    const port = await deadPort();
    const client = {
      call: (method: string) =>
        Promise.resolve(
          method === 'vm.ssh'
            ? { name: 'dev', host: '127.0.0.1', port, user: 'root', privateKeyPath: key, knownHostsPath: join(dir, 'known_hosts'), hostKeyAlias: 'dev.vm' }
            : {},
        ),
      onNotification: () => () => undefined,
    } as unknown as RpcClient;
    const out: string[] = [];
    const stream = { isTTY: true, columns: 100, write: (t: string) => (out.push(t), true) };
    const err = await openGuestSession(client, 'dev', { timeoutMs: 2500, noticeStream: stream }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GuestError);
    expect((err as GuestError).message).toMatch(/^VM dev did not answer SSH within 3 s/);
    expect((err as GuestError).hint).toBe('is it running? banger vm show dev; its console: banger vm logs dev');
    expect(out).toContain('\r\x1b[2K  waiting for SSH on dev (1 s of 3 s)…');
    // Erased when the wait ends, so the error starts on a clean line.
    expect(out.at(-1)).toBe('\r\x1b[2K');
  }, 15_000);
});
