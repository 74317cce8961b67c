import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNewVm, snapshotSummary, startPathText } from '../../../../src/cli/commands/vm/render.js';
import { NotFoundError, fromRpcError } from '../../../../src/errors/index.js';
import { MiB } from '../../../../src/model/index.js';
import type { SnapshotRecord, VMRecord } from '../../../../src/model/index.js';
import { makeRecord } from '../../../helpers/records.js';
import { okEnvelope } from '../../../helpers/cli-json.js';
import { runScriptedCli } from '../../../helpers/scripted-cli.js';

/**
 * The issue-15 commands end to end through the real command registry: argv →
 * the RPC call and its params → what is printed. The daemon is a fake client
 * that records calls and answers from per-method handlers.
 */

const cli = runScriptedCli;

function vm(name: string, over: Partial<VMRecord> = {}, runtime: Partial<VMRecord['runtime']> = {}): VMRecord {
  const r = makeRecord(name, 0, '/tmp/banger-test', { state: 'running', ...over });
  return { ...r, runtime: { ...r.runtime, ...runtime } };
}

function snap(name: string, over: Partial<SnapshotRecord> = {}): SnapshotRecord {
  const v = vm('dev');
  return {
    id: `id-${name}`.padEnd(32, '0'),
    name,
    kind: 'memory',
    purpose: 'user',
    vmId: v.id,
    vmName: 'dev',
    imageId: 'img-test',
    vmm: 'qemu',
    spec: v.spec,
    guestIP: v.runtime.guestIP,
    dir: `/tmp/banger-test/snapshots/${name}`,
    files: { systemDisk: 'system.qcow2', workDisk: 'work.qcow2', state: 'state' },
    parentId: null,
    warmKey: null,
    sizeBytes: 101 * MiB,
    pausedMs: 240,
    createdAt: new Date(Date.now() - 3 * 60_000).toISOString(),
    ...over,
  };
}

describe('banger vm snapshot NAME (the default subcommand)', () => {
  it('snapshots a running VM and says what it took and how long the guest paused', async () => {
    const r = await cli(['vm', 'snapshot', 'dev'], { 'vm.snapshot.create': () => snap('dev-1') });
    expect(r.calls).toEqual([['vm.snapshot.create', { name: 'dev' }]]);
    expect(r).toMatchObject({ code: 0, out: 'snapshot dev-1 of dev taken: memory + disks, 101M, guest paused 240 ms\n', err: '' });
  });

  it('passes --name, in either position, and says "disks only" for a stopped VM', async () => {
    const disk = () => snap('before', { kind: 'disk', sizeBytes: 12 * MiB, pausedMs: null });
    for (const argv of [
      ['vm', 'snapshot', 'dev', '--name', 'before'],
      ['vm', 'snapshot', '--name', 'before', 'dev'],
      ['vm', 'snapshot', 'create', 'dev', '--name', 'before'],
    ]) {
      const r = await cli(argv, { 'vm.snapshot.create': disk });
      expect(r.calls).toEqual([['vm.snapshot.create', { name: 'dev', snapshot: 'before' }]]);
      expect(r.out).toBe('snapshot before of dev taken: disks only, 12M\n');
    }
  });

  it('snapshots VMs named like a subcommand through the explicit create', async () => {
    const r = await cli(['vm', 'snapshot', 'create', 'list'], { 'vm.snapshot.create': () => snap('list-1', { vmName: 'list' }) });
    expect(r.calls).toEqual([['vm.snapshot.create', { name: 'list' }]]);
  });

  it('--json prints the snapshot record', async () => {
    const s = snap('dev-1');
    const r = await cli(['vm', 'snapshot', 'dev', '--json'], { 'vm.snapshot.create': () => s });
    expect(JSON.parse(r.out)).toEqual(okEnvelope('vm snapshot create', s));
  });

  it('refuses a bad snapshot name before calling the daemon', async () => {
    const r = await cli(['vm', 'snapshot', 'dev', '--name', 'Before'], {});
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.err).toBe('banger: snapshot name "Before" has uppercase letters; use "before"\n  hint: e.g. --name before-upgrade\n');
    expect((await cli(['vm', 'snapshot', 'dev', '--name', 'a b'], {})).err).toContain('is not valid');
  });

  it('without a VM name is a usage error pointing at the subcommand help', async () => {
    const r = await cli(['vm', 'snapshot']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("banger: missing required argument 'name'\n  hint: see banger vm snapshot create --help\n");
  });
});

describe('banger vm snapshot list|delete', () => {
  it('lists every snapshot as a table with relative ages', async () => {
    const r = await cli(['vm', 'snapshot', 'list'], {
      'vm.snapshot.list': () => [snap('dev-1'), snap('warm-default', { vmName: 'warm-default', kind: 'memory', purpose: 'warm', sizeBytes: 2 * 1024 * MiB })],
    });
    expect(r.calls).toEqual([['vm.snapshot.list', {}]]);
    expect(r.out).toBe(
      ['NAME          VM            KIND    PURPOSE  SIZE  CREATED', 'dev-1         dev           memory  user     101M  3m ago', 'warm-default  warm-default  memory  warm     2G    3m ago', ''].join('\n'),
    );
  });

  it("lists one VM's snapshots, and says how to take one when there are none", async () => {
    const r = await cli(['vm', 'snapshot', 'list', 'dev'], { 'vm.snapshot.list': () => [] });
    expect(r.calls).toEqual([['vm.snapshot.list', { name: 'dev' }]]);
    expect(r.out).toBe('no snapshots of dev; take one with: banger vm snapshot dev\n');
    expect((await cli(['vm', 'snapshot', 'list'], { 'vm.snapshot.list': () => [] })).out).toBe('no snapshots yet; take one with: banger vm snapshot NAME\n');
  });

  it('--json prints the records (global flag before the words too)', async () => {
    const list = [snap('dev-1')];
    expect(JSON.parse((await cli(['vm', 'snapshot', 'list', '--json'], { 'vm.snapshot.list': () => list })).out)).toEqual(okEnvelope('vm snapshot list', list));
    expect(JSON.parse((await cli(['--json', 'vm', 'snapshot', 'list', 'dev'], { 'vm.snapshot.list': () => list })).out)).toEqual(okEnvelope('vm snapshot list', list));
  });

  it('deletes one snapshot', async () => {
    const r = await cli(['vm', 'snapshot', 'delete', 'dev-1'], { 'vm.snapshot.delete': () => ({ deleted: 'dev-1' }) });
    expect(r.calls).toEqual([['vm.snapshot.delete', { snapshot: 'dev-1' }]]);
    expect(r.out).toBe('snapshot dev-1 deleted\n');
    const missing = await cli(['vm', 'snapshot', 'delete']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('hint: see banger vm snapshot delete --help');
  });

  it("passes the daemon's error through with its hint", async () => {
    const r = await cli(['vm', 'snapshot', 'delete', 'nope'], {
      'vm.snapshot.delete': () => {
        throw new NotFoundError('no snapshot nope', { hint: 'see banger vm snapshot list' });
      },
    });
    expect(r).toMatchObject({ code: 1, err: 'banger: no snapshot nope\n  hint: see banger vm snapshot list\n' });
  });
});

describe('banger vm restore', () => {
  it('restores a memory snapshot to a running VM', async () => {
    const r = await cli(['vm', 'restore', 'dev', '--snapshot', 'dev-1'], { 'vm.restore': () => vm('dev', {}, { startPath: 'restore' }) });
    expect(r.calls).toEqual([['vm.restore', { name: 'dev', snapshot: 'dev-1' }]]);
    expect(r.out).toBe('dev running · restored from snapshot dev-1\n');
  });

  it('says how to start a VM whose disks were rolled back', async () => {
    const r = await cli(['vm', 'restore', 'dev', '--snapshot', 'before'], { 'vm.restore': () => vm('dev', { state: 'stopped' }) });
    expect(r.out).toBe('dev stopped · disks restored from snapshot before\nstart it: banger vm start dev\n');
  });

  it('needs --snapshot; --json prints the VM record', async () => {
    expect((await cli(['vm', 'restore', 'dev'])).code).toBe(2);
    const v = vm('dev');
    expect(JSON.parse((await cli(['vm', 'restore', 'dev', '--snapshot', 's', '--json'], { 'vm.restore': () => v })).out)).toEqual(okEnvelope('vm restore', v));
  });
});

describe('banger vm fork', () => {
  it('forks with --nat and --no-start and prints like vm create', async () => {
    const r = await cli(['vm', 'fork', 'dev', '--name', 'dev-2', '--nat', '--no-start'], { 'vm.fork': () => vm('dev-2', { state: 'created' }) });
    expect(r.calls).toEqual([['vm.fork', { source: 'dev', name: 'dev-2', nat: true, noStart: true }]]);
    expect(r.out).toMatch(/^dev-2 created · 1 vcpu · 256M memory · 1G disk · 172\.16\.0\.4\nstart it: banger vm start dev-2\n$/);
  });

  it('says the fork started from a snapshot', async () => {
    const r = await cli(['vm', 'fork', 'dev', '--name', 'dev-2'], { 'vm.fork': () => vm('dev-2', {}, { startPath: 'restore' }) });
    expect(r.calls).toEqual([['vm.fork', { source: 'dev', name: 'dev-2' }]]);
    expect(r.out).toBe('dev-2 running · 1 vcpu · 256M memory · 1G disk · 172.16.0.4 · restored from snapshot\nssh in: banger vm ssh dev-2\n');
  });

  it('needs a valid --name', async () => {
    expect((await cli(['vm', 'fork', 'dev'])).code).toBe(2);
    const bad = await cli(['vm', 'fork', 'dev', '--name', 'Dev_2']);
    expect(bad.code).toBe(1);
    expect(bad.calls).toEqual([]);
  });
});

describe('banger image warm', () => {
  it("passes the sizing as vm create's flags parse it and reports a snapshot taken now", async () => {
    const r = await cli(['image', 'warm', 'default', '--vcpu', '2', '--memory', '2G', '--disk-size', '8G'], {
      'image.warm': () => snap('warm-default-2x2048', { purpose: 'warm', createdAt: new Date(Date.now() + 5).toISOString() }),
    });
    expect(r.calls).toEqual([['image.warm', { name: 'default', vcpu: 2, memoryMiB: 2048, diskSize: '8G' }]]);
    expect(r.out).toBe('warm snapshot warm-default-2x2048 of default taken: 1 vcpu · 256M memory · 1G disk · 101M\n');
  });

  it('says when the snapshot was already there', async () => {
    const r = await cli(['image', 'warm', 'default'], { 'image.warm': () => snap('warm-default', { purpose: 'warm' }) });
    expect(r.calls).toEqual([['image.warm', { name: 'default' }]]);
    expect(r.out).toBe('warm snapshot warm-default of default already there (taken 3m ago): 1 vcpu · 256M memory · 1G disk · 101M\n');
  });

  it('checks sizes before the call and has no --nat', async () => {
    const bad = await cli(['image', 'warm', 'default', '--vcpu', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
    expect((await cli(['image', 'warm', 'default', '--nat'])).code).toBe(2);
  });
});

describe('--cold and the start path', () => {
  it('vm create --cold passes cold: true; without it, no cold key', async () => {
    const created = vm('dev', {}, { startPath: 'cold' });
    const cold = await cli(['vm', 'create', '--name', 'dev', '--cold'], { 'vm.create': () => created });
    expect(cold.calls).toEqual([['vm.create', { name: 'dev', noStart: false, cold: true }]]);
    expect(cold.out).toBe('dev running · 1 vcpu · 256M memory · 1G disk · 172.16.0.4 · cold boot\nssh in: banger vm ssh dev\n');
    const warm = await cli(['vm', 'create', '--name', 'dev'], { 'vm.create': () => vm('dev', {}, { startPath: 'warm' }) });
    expect(warm.calls).toEqual([['vm.create', { name: 'dev', noStart: false }]]);
    expect(warm.out).toContain(' · started warm (from image snapshot)\n');
  });

  it('vm start and restart say how each VM came up; stop does not', async () => {
    const start = await cli(['vm', 'start', 'a', 'b'], { 'vm.start': (p) => vm(String(p.name), {}, { startPath: p.name === 'a' ? 'warm' : 'cold' }) });
    expect(start.out).toBe('a running · started warm (from image snapshot)\nb running · cold boot\n');
    expect((await cli(['vm', 'restart', 'a'], { 'vm.restart': () => vm('a', {}, { startPath: 'restore' }) })).out).toBe('a running · restored from snapshot\n');
    expect((await cli(['vm', 'stop', 'a'], { 'vm.stop': () => vm('a', { state: 'stopped' }, { startPath: 'warm' }) })).out).toBe('a stopped\n');
    // A daemon that does not say: the line as before.
    expect((await cli(['vm', 'start', 'a'], { 'vm.start': () => vm('a') })).out).toBe('a running\n');
  });

  describe('vm run', () => {
    afterEach(() => vi.restoreAllMocks());

    it('creates with cold: true and prints the spec line with the start path after the start', async () => {
      let stderr = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
        stderr += String(t);
        return true;
      });
      const r = await cli(['vm', 'run', '--cold', '--name', 'r1', '--', 'true'], {
        'vm.create': () => vm('r1', { state: 'created' }),
        'vm.start': () => vm('r1', {}, { startPath: 'cold' }),
        // Stops the run before SSH: this test is about what happens up to the start.
        'vm.ssh': () => {
          throw new NotFoundError('stop here');
        },
      });
      expect(r.calls.slice(0, 2)).toEqual([
        ['vm.create', { name: 'r1', noStart: true, cold: true }],
        ['vm.start', { name: 'r1' }],
      ]);
      expect(stderr).toContain('spec: 1 vcpu · 256M memory · 1G disk · r1 (172.16.0.4) · cold boot\n');
      expect(r.code).toBe(1);
    });

    it('--rm marks the VM ephemeral: the daemon may make it the image\'s warm snapshot', async () => {
      const r = await cli(['vm', 'run', '--rm', '--name', 'r2', '--', 'true'], {
        'vm.create': () => vm('r2', { state: 'created' }),
        'vm.start': () => vm('r2', {}, { startPath: 'cold' }),
        'vm.ssh': () => {
          throw new NotFoundError('stop here');
        },
        'vm.delete': () => ({ deleted: 'r2' }),
      });
      // And deleteOnDisconnect: bangerd deletes it if this CLI dies before it can.
      expect(r.calls[0]).toEqual(['vm.create', { name: 'r2', noStart: true, ephemeral: true, deleteOnDisconnect: true }]);
    });
  });
});

describe('banger vm show', () => {
  it("lists the VM's snapshots and names its base snapshot", async () => {
    const base = snap('golden', { id: 'b'.repeat(32), purpose: 'fork', vmName: 'src' });
    const r = await cli(['vm', 'show', 'dev'], {
      'vm.show': () => vm('dev', {}, { startPath: 'restore', baseSnapshotId: base.id }),
      'vm.snapshot.list': (p) => (p.name === 'dev' ? [snap('dev-1'), snap('dev-2', { kind: 'disk', sizeBytes: 12 * MiB })] : [base]),
    });
    expect(r.calls.map((c) => c[1])).toEqual([{ name: 'dev' }, { name: 'dev' }, {}]);
    expect(r.out).toMatch(/^started: +restored from snapshot$/m);
    expect(r.out).toMatch(/^base snapshot: +golden \(fork, of src\)$/m);
    expect(r.out).toMatch(/^snapshots: +dev-1 \(memory, 101M, 3m ago\), dev-2 \(disk, 12M, 3m ago\)$/m);
  });

  it('shows a base snapshot bangerd no longer lists by its short id, and no snapshots line when there are none', async () => {
    const r = await cli(['vm', 'show', 'dev'], { 'vm.show': () => vm('dev', {}, { baseSnapshotId: 'c'.repeat(32) }), 'vm.snapshot.list': () => [] });
    expect(r.out).toMatch(/^base snapshot: +cccccccc$/m);
    expect(r.out).not.toContain('snapshots:');
  });

  it('shows the VM alone when bangerd has no vm.snapshot.list', async () => {
    const r = await cli(['vm', 'show', 'dev'], {
      'vm.show': () => vm('dev', {}, { baseSnapshotId: 'c'.repeat(32) }),
      'vm.snapshot.list': () => {
        throw fromRpcError({ code: -32601, message: 'Method not found: vm.snapshot.list does not exist here' });
      },
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^name: +dev$/m);
    expect(r.out).not.toMatch(/snapshot/);
  });

  it('other snapshot-list failures are errors', async () => {
    const r = await cli(['vm', 'show', 'dev'], {
      'vm.show': () => vm('dev'),
      'vm.snapshot.list': () => {
        throw new Error('boom');
      },
    });
    expect(r.code).toBe(1);
  });

  it('--json stays the VM record, without asking for snapshots', async () => {
    const v = vm('dev');
    const r = await cli(['vm', 'show', 'dev', '--json'], { 'vm.show': () => v });
    expect(JSON.parse(r.out)).toEqual(okEnvelope('vm show', v));
    expect(r.calls).toEqual([['vm.show', { name: 'dev' }]]);
  });
});

describe('renderers', () => {
  it('startPathText names each path, only for a VM that is up', () => {
    const at = (state: VMRecord['state'], startPath?: 'cold' | 'warm' | 'restore') => startPathText(vm('x', { state }, startPath ? { startPath } : {}));
    expect(at('running', 'cold')).toBe('cold boot');
    expect(at('paused', 'warm')).toBe('started warm (from image snapshot)');
    expect(at('running', 'restore')).toBe('restored from snapshot');
    expect(at('running')).toBeUndefined();
    expect(at('stopped', 'warm')).toBeUndefined();
  });

  it('renderNewVm keeps the spec on one line', () => {
    expect(renderNewVm(vm('a', {}, { startPath: 'warm' })).split('\n')).toHaveLength(2);
  });

  it('snapshotSummary rounds the pause', () => {
    expect(snapshotSummary({ kind: 'memory', sizeBytes: 1536 * MiB, pausedMs: 12.6 })).toBe('memory + disks, 1.5G, guest paused 13 ms');
  });
});
