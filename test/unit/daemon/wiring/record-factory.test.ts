import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/index.js';
import { createVmRecordFactory } from '../../../../src/daemon/wiring/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../src/errors/index.js';
import { GiB } from '../../../../src/model/index.js';
import type { VMRecord } from '../../../../src/model/index.js';
import { openStore, type Store } from '../../../../src/store/index.js';
import { createTempRoot, makeImage, type TempRoot } from '../../../helpers/index.js';

describe('createVmRecordFactory', () => {
  let temp: TempRoot;
  let store: Store;
  beforeEach(() => {
    temp = createTempRoot();
    store = openStore(temp.layout.dbPath);
    store.images.insert(makeImage({ name: 'default' }));
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  const factory = (configText = '', over: { vmmKind?: 'standin' | 'qemu' } = {}) =>
    createVmRecordFactory({ store, config: parseConfig(configText), layout: temp.layout, vmmKind: over.vmmKind ?? 'standin' });
  const build = async (f: ReturnType<typeof factory>, p = {}) => (await f.build(p)) as VMRecord;

  it('fills defaults from config, paths under the layout, a friendly name and the first free IP', async () => {
    const vm = await build(factory('[vm_defaults]\nvcpu = 3\nmemory = "1G"\ndisk_size = "2G"\n'));
    expect(vm.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(vm).toMatchObject({ state: 'created', vmm: 'standin', spec: { vcpuCount: 3, memoryMiB: 1024, workDiskSizeBytes: 2 * GiB, natEnabled: false } });
    expect(vm.runtime.guestIP).toBe('172.16.0.2');
    expect(vm.runtime.dnsName).toBe(`${vm.name}.vm`);
    expect(vm.runtime.vmDir).toBe(`${temp.layout.vmsDir}/${vm.id}`);
    expect(vm.runtime.apiSockPath.startsWith(temp.layout.runtimeDir)).toBe(true);
  });

  it('never hands the same IP to two builds whose rows are not inserted yet', async () => {
    const f = factory();
    const a = await build(f, { name: 'a' });
    const b = await build(f, { name: 'b' });
    expect(a.runtime.guestIP).not.toBe(b.runtime.guestIP);
    store.vms.insert(a);
    expect((await build(f, { name: 'c' })).runtime.guestIP).not.toBe(b.runtime.guestIP);
  });

  it('refuses bad input with errors that name the fix', async () => {
    const f = factory();
    await expect(f.build({ image: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(f.build({ image: 'nope' })).rejects.toThrow(/no image named "nope"/);
    await expect(f.build({ diskSize: 'huge' })).rejects.toThrow(InvalidInputError);
    await expect(f.build({ diskSize: '1M' })).rejects.toThrow(/--disk-size 1M is less than the minimum 256M/);
    await expect(f.build({ memoryMiB: 16 })).rejects.toThrow(/out of range/);
    await expect(f.build({ vcpu: 1000 })).rejects.toThrow(InvalidInputError);
  });

  it('names the missing default image and how to build it', async () => {
    store.close();
    temp.remove();
    temp = createTempRoot();
    store = openStore(temp.layout.dbPath);
    const err = await Promise.resolve(factory().build({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).hint).toMatch(/banger image build/);
  });

  it("names the system disk and control socket after the kind's backend", async () => {
    const q = await build(factory('', { vmmKind: 'qemu' }));
    expect(q.vmm).toBe('qemu');
    expect(q.runtime.systemOverlayPath).toBe(`${q.runtime.vmDir}/system.qcow2`);
    expect(q.runtime.apiSockPath).toMatch(/\/qmp\.sock$/);
    const s = await build(factory());
    expect(s.runtime.systemOverlayPath).toBe(`${s.runtime.vmDir}/system.img`);
    expect(s.runtime.apiSockPath).toMatch(/\/api\.sock$/);
  });

  it('runs out of addresses with a ConflictError', async () => {
    const f = factory('bridge_cidr = "10.9.0.1/30"\n');
    await build(f, { name: 'only' });
    await expect(f.build({ name: 'two' })).rejects.toThrow(ConflictError);
  });
});
