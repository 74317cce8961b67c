import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpExecutor, startHelperServer, type HelperServer } from '../../../helper/index.js';
import { createTempRoot, DAEMON_MAIN, RawPeer, waitFor, waitGone, type TempRoot } from '../../helpers/index.js';

/**
 * Bad clients against a real bangerd process and an in-process banger-helper
 * server (both on src/wire): each gets a JSON-RPC error or a closed
 * connection, and a second client that stays connected throughout is still
 * served during and after.
 */

/** The wire-level cases both servers must answer alike; `call` is a method that succeeds without params. */
function wireAbuse(server: { socket: string; witness: RawPeer }, call: string): void {
  const witnessStillServed = async () => {
    expect(await server.witness.call(call, {})).toMatchObject({ jsonrpc: '2.0', result: expect.anything() });
  };

  it('the socket is 0600', () => {
    expect(statSync(server.socket).mode & 0o777).toBe(0o600);
  }, 5000);

  it('binary garbage closes that connection only', async () => {
    const bad = await RawPeer.open(server.socket);
    bad.write(Buffer.concat([randomBytes(512), Buffer.from([0, 1, 2, 0x0a])]));
    await witnessStillServed();
    expect(await bad.waitClosed(5000)).toBe(true);
    await witnessStillServed();
  }, 15_000);

  it('a line that is not JSON gets -32700 with id null, and the connection stays usable', async () => {
    const bad = await RawPeer.open(server.socket);
    bad.write('{"jsonrpc":"2.0","id":1,"method":\n');
    expect(await bad.nextMessage()).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await bad.call(call, {}, 2)).toMatchObject({ id: 2, result: expect.anything() });
    bad.end();
    await witnessStillServed();
  }, 15_000);

  it('half a JSON object then close leaves the server serving', async () => {
    const bad = await RawPeer.open(server.socket);
    bad.write('{"jsonrpc":"2.0","id":7,"meth');
    await witnessStillServed();
    bad.end();
    await witnessStillServed();
  }, 15_000);

  it('an unknown method gets -32601', async () => {
    const peer = await RawPeer.open(server.socket);
    expect(await peer.call('vm.teleport', {}, 3)).toMatchObject({ id: 3, error: { code: -32601 } });
    peer.end();
    await witnessStillServed();
  }, 15_000);

  it('a line past the 4 MiB limit gets an error and a closed connection', async () => {
    const bad = await RawPeer.open(server.socket);
    bad.write(`{"jsonrpc":"2.0","id":1,"method":"${call}","params":{"x":"${'a'.repeat(5 * 1024 * 1024)}`);
    expect(await bad.nextMessage(10_000)).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await bad.waitClosed(5000)).toBe(true);
    await witnessStillServed();
  }, 20_000);
}

describe('bangerd socket under abuse', () => {
  let temp: TempRoot;
  let daemon: ChildProcess;
  const server = { socket: '', witness: undefined as unknown as RawPeer };

  beforeAll(async () => {
    temp = createTempRoot();
    server.socket = temp.layout.daemonSocket;
    daemon = spawn(process.execPath, [DAEMON_MAIN], { env: temp.env, stdio: 'ignore' });
    const up = await waitFor(() => existsSync(temp.layout.daemonSocket), 10_000);
    if (!up) throw new Error('bangerd did not create its socket within 10 s');
    server.witness = await RawPeer.open(temp.layout.daemonSocket);
  }, 20_000);

  afterAll(async () => {
    server.witness?.end();
    if (daemon?.pid) {
      daemon.kill('SIGKILL');
      await waitGone(daemon.pid, 5000);
    }
    temp?.remove();
  }, 20_000);

  it('runtime dir is 0700', () => {
    expect(statSync(temp.layout.runtimeDir).mode & 0o777).toBe(0o700);
  }, 5000);

  wireAbuse(server, 'vm.list');

  it('wrong param types get -32602 naming the field', async () => {
    const peer = await RawPeer.open(temp.layout.daemonSocket);
    const res = await peer.call('vm.show', { name: 42 }, 4);
    expect(res).toMatchObject({ id: 4, error: { code: -32602 } });
    expect((res.error as { message: string }).message).toMatch(/^invalid params for vm.show: name:/);
    expect(await peer.call('image.show', 'not-an-object', 5)).toMatchObject({ id: 5, error: { code: -32602 } });
    peer.end();
  }, 15_000);

  it('a domain error carries kind, code and hint', async () => {
    const res = await server.witness.call('vm.show', { name: 'ghost' }, 9);
    expect(res).toMatchObject({ id: 9, error: { code: -32000, data: { kind: 'not_found', code: 'vm.not_found' } } });
  }, 5000);
});

describe('banger-helper socket under abuse', () => {
  let root: string;
  let helper: HelperServer;
  const server = { socket: '', witness: undefined as unknown as RawPeer };

  beforeAll(async () => {
    root = mkdtempSync('/tmp/banger-helper-abuse-');
    server.socket = join(root, 'helper', 'helper.sock');
    const uid = process.getuid!();
    const gid = process.getgid!();
    const policy = { ownerUid: uid, ownerGid: gid, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [root] };
    const logger = pino({ level: 'silent' });
    // No token: the wire is under test here, not the hello gate (test/integration/helper covers that).
    helper = await startHelperServer({ socketPath: server.socket, executor: createOpExecutor({ policy, logger }), ownerUid: uid, ownerGid: gid, logger });
    server.witness = await RawPeer.open(server.socket);
  }, 20_000);

  afterAll(async () => {
    server.witness?.end();
    await helper?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  }, 20_000);

  wireAbuse(server, 'helper.ping');
});
