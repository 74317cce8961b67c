import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePort, pipeToTarget, proxySsh, vmNameFromHost, type ProxyTarget } from '../../../../../src/cli/commands/ssh-proxy/pipe.js';
import { GuestError, NotFoundError, UsageError } from '../../../../../src/errors/index.js';

/** A TCP echo server on 127.0.0.1 that records what it received and half-closes when the client does. */
async function echoServer(): Promise<{ server: Server; port: number; received: Buffer[]; sockets: Socket[] }> {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('data', (d: Buffer) => {
      received.push(d);
      s.write(d);
    });
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, received, sockets };
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('ssh-proxy pipe', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  beforeEach(async () => {
    echo = await echoServer();
  });
  afterEach(async () => {
    for (const s of echo.sockets) s.destroy();
    await new Promise((r) => echo.server.close(r));
  });

  it('resolves NAME.vm through the seam and pipes both ways until the guest closes', { timeout: 10_000 }, async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out = collect(stdout);
    const asked: string[] = [];
    const resolve = async (name: string): Promise<ProxyTarget> => {
      asked.push(name);
      return { host: '127.0.0.1', port: echo.port };
    };
    const done = proxySsh('devbox.vm', '22', resolve, { stdin, stdout }, { connectTimeoutMs: 5000 });
    stdin.write('SSH-2.0-client\r\n');
    const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    stdin.write(binary);
    // EOF from ssh becomes a half-close; the echo server then closes, which ends the proxy.
    stdin.end('bye');
    await done;
    expect(asked).toEqual(['devbox']);
    expect(Buffer.concat(echo.received).equals(Buffer.concat([Buffer.from('SSH-2.0-client\r\n'), binary, Buffer.from('bye')]))).toBe(true);
    expect(out()).toBe(Buffer.concat([Buffer.from('SSH-2.0-client\r\n'), binary, Buffer.from('bye')]).toString('utf8'));
    // stdout may be the process's own: the proxy never ends it.
    expect(stdout.writableEnded).toBe(false);
  });

  it('uses the resolver port for ssh default 22 and the asked port otherwise', { timeout: 10_000 }, async () => {
    let connectedTo: number | undefined;
    echo.server.once('connection', (s) => (connectedTo = s.localPort));
    const stdin = new PassThrough();
    const done = proxySsh('devbox.vm', String(echo.port), async () => ({ host: '127.0.0.1', port: 1 }), { stdin, stdout: new PassThrough() });
    stdin.end();
    await done;
    expect(connectedTo).toBe(echo.port);
  });

  it('a resolver error (unknown or stopped VM) propagates unchanged and nothing connects', async () => {
    let connections = 0;
    echo.server.on('connection', () => connections++);
    const err = new NotFoundError('no VM named "ghost"', { hint: 'list them: banger vm list' });
    await expect(
      proxySsh('ghost.vm', '22', () => Promise.reject(err), { stdin: new PassThrough(), stdout: new PassThrough() }),
    ).rejects.toBe(err);
    expect(connections).toBe(0);
  });

  it('a refused connection is a GuestError naming the VM, address and the fix', { timeout: 10_000 }, async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const p = pipeToTarget({ host: '127.0.0.1', port }, { stdin: new PassThrough(), stdout: new PassThrough() }, { label: 'devbox.vm' });
    await expect(p).rejects.toBeInstanceOf(GuestError);
    await expect(p).rejects.toThrow(`cannot reach devbox.vm at 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('a reader that goes away (EPIPE on stdout) ends the proxy quietly and closes the guest connection', { timeout: 10_000 }, async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const done = pipeToTarget({ host: '127.0.0.1', port: echo.port }, { stdin, stdout });
    // One echoed byte proves the pipe is up in both directions.
    const echoed = new Promise<void>((r) => stdout.once('data', () => r()));
    stdin.write('x');
    await echoed;
    const serverSide = echo.sockets[0]!;
    const closed = new Promise<void>((r) => serverSide.once('close', () => r()));
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await done;
    await closed;
  });

  it('parses host and port strictly', () => {
    expect(vmNameFromHost('devbox.vm')).toBe('devbox');
    expect(vmNameFromHost('devbox.VM.')).toBe('devbox');
    expect(vmNameFromHost('devbox')).toBe('devbox');
    expect(() => vmNameFromHost('github.com')).toThrow(UsageError);
    expect(() => vmNameFromHost('.vm')).toThrow(UsageError);
    expect(parsePort('22')).toBe(22);
    for (const bad of ['0', '65536', '2x', '', '-1']) expect(() => parsePort(bad)).toThrow(UsageError);
  });
});
