import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GuestError } from '../../../src/errors/index.js';
import { waitForSshBanner } from '../../../src/guest/ssh/index.js';

describe('waitForSshBanner', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const listen = (onConn: (s: Socket) => void) =>
    new Promise<number>((resolve) => {
      const srv = createServer(onConn);
      servers.push(srv);
      srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
    });

  it('returns the identification line of a server that sends one, even after a first connection that closed', async () => {
    let n = 0;
    const port = await listen((s) => {
      if (n++ === 0) s.destroy(); // sshd still restarting
      else s.write('SSH-2.0-dropbear_2022.83\r\n');
    });
    expect(await waitForSshBanner('127.0.0.1', port, { timeoutMs: 5000, intervalMs: 10 })).toBe('SSH-2.0-dropbear_2022.83');
    expect(n).toBe(2);
  });

  it('gives up with ssh.timeout when nothing speaks SSH', async () => {
    const port = await listen((s) => s.write('HTTP/1.1 400 Bad Request\r\n'));
    await expect(waitForSshBanner('127.0.0.1', port, { timeoutMs: 300, intervalMs: 10 })).rejects.toSatisfy((e: unknown) => e instanceof GuestError && e.code === 'ssh.timeout');
  });
});
