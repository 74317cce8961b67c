import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPortHolder, parseProcNet, socketsOnPort } from '../../../src/forward/index.js';

// Real lines from /proc/net/tcp and tcp6 (trimmed to the fields that matter plus the rest of the row).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 20 4 30 10 -1
   3: 0200000A:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:2710 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
   2: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
`;

describe('holder lookup: /proc/net parsing', () => {
  it('decodes IPv4 addresses (little-endian words), ports, states and inodes', () => {
    const s = parseProcNet(TCP);
    expect(s.map((x) => [x.address, x.port, x.state, x.inode])).toEqual([
      ['127.0.0.1', 8080, '0A', 424242],
      ['0.0.0.0', 22, '0A', 1111],
      ['127.0.0.1', 8080, '01', 0],
      ['10.0.0.2', 443, '0A', 2222],
    ]);
  });

  it('decodes IPv6: ::1, IPv4-mapped as IPv4, the wildcard', () => {
    expect(parseProcNet(TCP6).map((x) => [x.address, x.port])).toEqual([
      ['::1', 80],
      ['127.0.0.1', 10000],
      ['::', 8081],
    ]);
  });

  it('matches listening sockets on the same address or a wildcard on either side, not connections', () => {
    const all = [...parseProcNet(TCP), ...parseProcNet(TCP6)];
    expect(socketsOnPort(all, 'tcp', '127.0.0.1', 8080).map((s) => s.inode)).toEqual([424242]);
    expect(socketsOnPort(all, 'tcp', '127.0.0.1', 22).map((s) => s.inode)).toEqual([1111]);
    expect(socketsOnPort(all, 'tcp', '0.0.0.0', 443).map((s) => s.inode)).toEqual([2222]);
    expect(socketsOnPort(all, 'tcp', '127.0.0.1', 8081).map((s) => s.inode)).toEqual([5555]);
    expect(socketsOnPort(all, 'tcp', '127.0.0.1', 443)).toEqual([]);
  });
});

describe('holder lookup: owning process through /proc/PID/fd', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function fakeProc(): string {
    root = mkdtempSync(join(tmpdir(), 'bg-holder-'));
    mkdirSync(join(root, 'net'));
    writeFileSync(join(root, 'net', 'tcp'), TCP);
    writeFileSync(join(root, 'net', 'tcp6'), TCP6);
    for (const [pid, comm, inode] of [['77', 'python3', 424242], ['88', 'sshd', 1111]] as const) {
      mkdirSync(join(root, pid, 'fd'), { recursive: true });
      writeFileSync(join(root, pid, 'comm'), `${comm}\n`);
      symlinkSync(`socket:[${inode}]`, join(root, pid, 'fd', '3'));
      symlinkSync('/dev/null', join(root, pid, 'fd', '0'));
    }
    mkdirSync(join(root, 'self'));
    return root;
  }

  it('names the process with an fd on the socket inode', () => {
    const proc = fakeProc();
    expect(findPortHolder('tcp', '127.0.0.1', 8080, proc)).toEqual({ pid: 77, comm: 'python3' });
    expect(findPortHolder('tcp', '127.0.0.1', 22, proc)).toEqual({ pid: 88, comm: 'sshd' });
  });

  it('is undefined when no visible process holds it (another user, another netns)', () => {
    const proc = fakeProc();
    expect(findPortHolder('tcp', '10.0.0.2', 443, proc)).toBeUndefined();
    expect(findPortHolder('udp', '127.0.0.1', 8080, proc)).toBeUndefined();
  });

  it('finds this very process holding a real listening socket', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      expect(findPortHolder('tcp', '127.0.0.1', port)?.pid).toBe(process.pid);
    } finally {
      server.close();
    }
  });
});
