/**
 * vm.create with deleteOnDisconnect (what `vm run --rm` asks for) against a
 * real bangerd with stand-in VMs: the VM goes when the connection that made it
 * closes, whatever the VM is doing; a VM made without the flag stays; a VM
 * its client deleted itself is not touched again; bangerd's own shutdown
 * deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { RpcClient } from '../../../src/rpc/client.js';

describe.skipIf(requiresNetns() !== null)('vm.create deleteOnDisconnect (stand-in VMM)', () => {
  let d: NetnsDaemon;
  beforeAll(async () => {
    d = new NetnsDaemon({ tempPrefix: 'bgo-', netnsTag: 'owned' });
    await d.start();
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  const until = async (check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const names = async (): Promise<string[]> => {
    const c = await d.client();
    try {
      return (await c.call('vm.list', {})).map((v) => v.name).sort();
    } finally {
      c.close();
    }
  };

  it('a running VM goes with the connection that created it; one without the flag stays', async () => {
    const owner = await d.client();
    await owner.call('vm.create', { name: 'owned-1', deleteOnDisconnect: true });
    const other = await d.client();
    await other.call('vm.create', { name: 'kept-1' });
    other.close();
    expect(await names()).toEqual(['kept-1', 'owned-1']);
    owner.close();
    await until(async () => !(await names()).includes('owned-1'), 30_000);
    expect(await names()).toEqual(['kept-1']);
  }, 60_000);

  it('a VM created stopped (vm run --rm before its start) goes too, and one its client already deleted is left alone', async () => {
    const owner = await d.client();
    await owner.call('vm.create', { name: 'owned-2', noStart: true, deleteOnDisconnect: true });
    await owner.call('vm.create', { name: 'owned-3', noStart: true, deleteOnDisconnect: true });
    await owner.call('vm.delete', { name: 'owned-3', force: true });
    // Same name again, by another client: the hook is tied to the first VM's id, not its name.
    const other = await d.client();
    await other.call('vm.create', { name: 'owned-3', noStart: true });
    other.close();
    owner.close();
    await until(async () => !(await names()).includes('owned-2'), 30_000);
    expect(await names()).toEqual(['kept-1', 'owned-3']);
  }, 60_000);

  it("bangerd's own shutdown deletes nothing: the VM is still there after a restart", async () => {
    // Not d.client(): the rig closes its own clients before stopping, which would be a client going away.
    const owner = await RpcClient.connect(d.layout.daemonSocket, { timeoutMs: 60_000 });
    await owner.call('vm.create', { name: 'owned-4', deleteOnDisconnect: true });
    await d.stop();
    owner.close();
    await d.start();
    expect(await names()).toContain('owned-4');
  }, 120_000);
});
