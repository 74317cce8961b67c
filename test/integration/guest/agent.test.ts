import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, AGENT_VSOCK_PORT, waitForAgent } from '../../../src/guest/agent-client.js';
import { agentScriptPath } from '../../../src/images/assets.js';
import { missingBinaries, skipReason } from '../../helpers/vmm-capabilities.js';

/**
 * The real agent script under busybox sh on the host (its /proc is real),
 * reached by the real client through a stand-in for Firecracker's hybrid
 * vsock socket: the server checks the CONNECT line, answers OK, then pipes
 * the stream to `agent --stdio`.
 */
describe.skipIf(skipReason(missingBinaries('busybox')))('guest agent script + client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banger-agent-'));
  const sockPath = join(dir, 'v.sock');
  const connectLines: string[] = [];
  let server: Server;
  const conns = new Set<Socket>();
  const tcp = createServer();
  const udp = createSocket('udp4');

  beforeAll(async () => {
    server = createServer((c) => {
      conns.add(c);
      c.once('data', (first: Buffer) => {
        const line = first.toString().split('\n')[0]!;
        connectLines.push(line);
        if (line !== `CONNECT ${AGENT_VSOCK_PORT}`) {
          c.destroy(); // Firecracker closes when nothing listens on the port
          return;
        }
        c.write('OK 1073741824\n');
        const agent = spawn('busybox', ['sh', agentScriptPath(), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
        c.pipe(agent.stdin);
        agent.stdout.pipe(c);
        c.on('close', () => agent.kill());
      });
    });
    await new Promise<void>((r) => server.listen(sockPath, r));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    for (const c of conns) c.destroy();
    await new Promise((r) => server.close(r));
    await new Promise((r) => tcp.close(r));
    udp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health after the vsock CONNECT handshake', async () => {
    const h = await waitForAgent({ kind: 'vsock', socketPath: sockPath, port: AGENT_VSOCK_PORT }, { timeoutMs: 10_000 });
    expect(connectLines[0]).toBe('CONNECT 1023');
    expect(h.status).toBe('ok');
    expect(h.version).toBe(1);
    expect(h.uptime).toBeGreaterThan(0);
  });

  it('lists listening TCP and UDP sockets with their process', async () => {
    const client = await AgentClient.connect({ kind: 'vsock', socketPath: sockPath, port: AGENT_VSOCK_PORT });
    try {
      const ports = await client.ports();
      const tcpPort = (tcp.address() as { port: number }).port;
      const udpPort = udp.address().port;
      const t = ports.find((p) => p.proto === 'tcp' && p.port === tcpPort);
      const u = ports.find((p) => p.proto === 'udp' && p.port === udpPort);
      expect(t).toMatchObject({ address: '127.0.0.1', pid: process.pid });
      expect(t?.cmdline).toContain('node');
      expect(u).toMatchObject({ address: '127.0.0.1', pid: process.pid });
      // Several requests on one connection keep their ids apart.
      const [a, b] = await Promise.all([client.health(), client.ports()]);
      expect(a.status).toBe('ok');
      expect(Array.isArray(b)).toBe(true);
      await expect(client.call('reboot')).rejects.toThrow(/unknown method reboot/);
    } finally {
      client.close();
    }
  });

  it('names the failure when the guest port is closed', async () => {
    await expect(AgentClient.connect({ kind: 'vsock', socketPath: sockPath, port: 9 })).rejects.toThrow(/nothing listens/);
    await expect(waitForAgent({ kind: 'virtio-serial', socketPath: join(dir, 'missing.sock') }, { timeoutMs: 600 })).rejects.toThrow(
      /did not answer within/,
    );
  });
});
