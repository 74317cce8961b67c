import { JSONRPCServer } from 'json-rpc-2.0';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH, receiveLine, serialiseReply } from '../../../src/wire/envelope.js';

/** Regression tests for faults the reliability suite's malformed-input run found (issue 8). */
function server() {
  const s = new JSONRPCServer<{ n: number }>({ errorListener: () => undefined });
  s.addMethod('vm.list', () => []);
  s.addMethod('boom', () => {
    throw new Error('handler bug');
  });
  return s;
}

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('receiveLine (JSON-RPC envelope screening)', () => {
  it('an id nested 100,000 arrays deep gets Invalid Request with id null, and the reply serialises (fault: stack overflow in JSON.stringify killed bangerd and the helper)', async () => {
    const reply = await receiveLine(server(), `{"jsonrpc":"2.0","id":${deep(100_000)},"method":"vm.list"}`, { n: 0 });
    expect(reply).toMatchObject({ id: null, error: { code: -32600 } });
    expect(() => JSON.stringify(reply)).not.toThrow();
  }, 10_000);

  it.each(['null', '0', '"text"', 'true'])('a bare %s line gets Invalid Request (fault: the library read .jsonrpc of null and rejected, fatal in the helper)', async (line) => {
    await expect(receiveLine(server(), line, { n: 0 })).resolves.toMatchObject({ id: null, error: { code: -32600 } });
  }, 5000);

  it('a batch holding null and junk answers each item, as an array', async () => {
    const reply = await receiveLine(server(), '[null, 1, {"jsonrpc":"2.0","id":7,"method":"vm.list"}]', { n: 0 });
    expect(reply).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
      { jsonrpc: '2.0', id: 7, result: [] },
    ]);
  }, 5000);

  it('a batch of one is answered with an array of one (the library answered a bare object)', async () => {
    await expect(receiveLine(server(), '[{"jsonrpc":"2.0","id":1,"method":"vm.list"}]', { n: 0 })).resolves.toEqual([{ jsonrpc: '2.0', id: 1, result: [] }]);
  }, 5000);

  it(`a batch over ${MAX_BATCH} requests is refused in one error naming the limit`, async () => {
    const batch = JSON.stringify(Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'vm.list' })));
    const reply = await receiveLine(server(), batch, { n: 0 });
    expect(reply).toMatchObject({ id: null, error: { code: -32600, message: expect.stringContaining(`at most ${MAX_BATCH}`) } });
  }, 5000);

  it('an unknown method names itself (truncated) and the fix; a notification to one gets no reply', async () => {
    const reply = await receiveLine(server(), JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'x'.repeat(100_000) }), { n: 0 });
    expect(reply).toMatchObject({ id: 3, error: { code: -32601 } });
    const message = (reply as { error: { message: string } }).error.message;
    expect(message.length).toBeLessThan(300);
    expect(message).not.toMatch(/\n/);
    await expect(receiveLine(server(), '{"jsonrpc":"2.0","method":"nope"}', { n: 0 })).resolves.toBeNull();
  }, 5000);

  it('non-object params, non-string methods, wrong versions and over-long ids are refused before dispatch', async () => {
    const s = server();
    await expect(receiveLine(s, '{"jsonrpc":"2.0","id":1,"method":"vm.list","params":"x"}', { n: 0 })).resolves.toMatchObject({ id: 1, error: { code: -32602 } });
    await expect(receiveLine(s, '{"jsonrpc":"2.0","id":1,"method":123}', { n: 0 })).resolves.toMatchObject({ id: 1, error: { code: -32600 } });
    await expect(receiveLine(s, '{"jsonrpc":"1.0","id":1,"method":"vm.list"}', { n: 0 })).resolves.toMatchObject({ id: 1, error: { code: -32600 } });
    await expect(receiveLine(s, JSON.stringify({ jsonrpc: '2.0', id: 'i'.repeat(300), method: 'vm.list' }), { n: 0 })).resolves.toMatchObject({ id: null, error: { code: -32600 } });
    await expect(receiveLine(s, '{"jsonrpc":"2.0","id":{},"method":"vm.list"}', { n: 0 })).resolves.toMatchObject({ id: null, error: { code: -32600 } });
  }, 5000);

  it('a line that is not JSON gets -32700 saying what to send', async () => {
    const reply = await receiveLine(server(), '{"jsonrpc":', { n: 0 });
    expect(reply).toMatchObject({ id: null, error: { code: -32700, message: expect.stringContaining('one JSON-RPC 2.0 request per line') } });
  }, 5000);

  it('a handler that throws still gets an error reply with its id', async () => {
    await expect(receiveLine(server(), '{"jsonrpc":"2.0","id":5,"method":"boom"}', { n: 0 })).resolves.toMatchObject({ id: 5, error: {} });
  }, 5000);
});

describe('serialiseReply', () => {
  it('turns an unserialisable reply into an InternalError line instead of throwing', () => {
    const cyclic: Record<string, unknown> = { jsonrpc: '2.0', id: 4 };
    cyclic.result = cyclic;
    expect(JSON.parse(serialiseReply(cyclic))).toMatchObject({ id: 4, error: { code: -32603 } });
  }, 5000);
});
