import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../src/rpc/index.js';
import { RpcSocketServer } from '../../../src/wire/index.js';
import { createTempRoot, waitFor, type TempRoot } from '../../helpers/index.js';

let temp: TempRoot;
let server: RpcSocketServer | undefined;
beforeEach(() => (temp = createTempRoot()));
afterEach(async () => {
  await server?.close();
  temp.remove();
});

describe('server-pushed notifications', () => {
  it('broadcast reaches every connected client and the registry tracks disconnects', async () => {
    const path = join(temp.root, 'n.sock');
    server = new RpcSocketServer({ path, handle: async () => null });
    await server.listen();
    const a = await RpcClient.connect(path);
    const b = await RpcClient.connect(path);
    const got: [string, string, unknown][] = [];
    a.onNotification((m, p) => got.push(['a', m, p]));
    b.onNotification((m, p) => got.push(['b', m, p]));
    expect(await waitFor(() => server!.connections.size === 2, 5000)).toBe(true);
    expect(server.broadcast('vm.changed', { name: 'dev', state: 'running' })).toBe(2);
    expect(await waitFor(() => got.length === 2, 5000)).toBe(true);
    expect(got).toContainEqual(['a', 'vm.changed', { name: 'dev', state: 'running' }]);
    b.close();
    expect(await waitFor(() => server!.connections.size === 1, 5000)).toBe(true);
    a.close();
  }, 15_000);
});
