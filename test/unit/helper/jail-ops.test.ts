import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpExecutor } from '../../../helper/executor.js';
import { HelperRefusedError } from '../../../src/errors/index.js';
import type { CommandRunner } from '../../../src/host/exec/index.js';

/**
 * The root helper's jail operations refuse what would let the owner make root
 * run or touch something it should not: a jailer anyone but root could have
 * written, a Firecracker binary the jailer would not run, paths outside
 * banger's layout, a chroot base in a user-writable directory, ids that are
 * not banger's. Needs root (files are chowned to other uids).
 */

const ROOT = process.getuid?.() === 0;
const ID = '0123456789abcdef0123456789abcdef';

describe.skipIf(!ROOT)('helper jail ops: validation (#19)', () => {
  // /run: a root-only directory chain, as a real jailer install has.
  const top = ROOT ? mkdtempSync('/run/banger-jailops-') : '';
  const userTmp = ROOT ? mkdtempSync('/tmp/banger-jailops-') : '';
  afterAll(() => {
    rmSync(top, { recursive: true, force: true });
    rmSync(userTmp, { recursive: true, force: true });
  });
  if (ROOT) {
    chmodSync(top, 0o755);
    mkdirSync(join(top, 'bin'), { mode: 0o755 });
    mkdirSync(join(top, 'state'), { mode: 0o755 });
    for (const f of ['jailer', 'firecracker', 'fc', 'group-writable-jailer', 'user-jailer']) writeFileSync(join(top, 'bin', f), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    chmodSync(join(top, 'bin', 'group-writable-jailer'), 0o775);
    chownSync(join(top, 'bin', 'user-jailer'), 1000, 1000);
    writeFileSync(join(userTmp, 'jailer'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(top, 'state', 'disk.img'), 'x');
    writeFileSync(join(top, 'state', 'console.log'), '');
  }
  const jailBase = join(top, 'jail');
  const executor = createOpExecutor({
    policy: { ownerUid: 1000, ownerGid: 1000, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(top, 'state')], jailBase },
    logger: pino({ level: 'silent' }),
  });
  const run = (op: string, params: unknown) => executor.execute(op, params, { uid: 1000 }).then(() => undefined, (e: unknown) => e);
  const launch = (over: Record<string, unknown> = {}) =>
    run('jail.launch', { vmId: ID, chrootBase: jailBase, firecrackerBin: join(top, 'bin', 'firecracker'), jailerBin: join(top, 'bin', 'jailer'), consoleLog: join(top, 'state', 'console.log'), ...over });
  const prepare = (over: Record<string, unknown> = {}) =>
    run('jail.prepare', { vmId: ID, chrootBase: jailBase, firecrackerBin: join(top, 'bin', 'firecracker'), links: [{ source: join(top, 'state', 'disk.img'), name: 'rootfs' }], create: ['firecracker.log'], ...over });
  const refusal = async (p: Promise<unknown>, code: string, message?: RegExp) => {
    const e = await p;
    expect(e).toBeInstanceOf(HelperRefusedError);
    expect((e as HelperRefusedError).code).toBe(code);
    expect((e as HelperRefusedError).hint).toBeTruthy();
    if (message) expect((e as Error).message).toMatch(message);
  };

  it('refuses a jailer that is group- or world-writable, not root-owned, or in a user-writable directory', async () => {
    await refusal(launch({ jailerBin: join(top, 'bin', 'group-writable-jailer') }), 'jail.binary_unsafe', /writable by group or others/);
    await refusal(launch({ jailerBin: join(top, 'bin', 'user-jailer') }), 'jail.binary_unsafe', /owned by uid 1000, not root/);
    await refusal(launch({ jailerBin: join(userTmp, 'jailer') }), 'jail.binary_unsafe', /which a user other than root can write to/);
    await refusal(launch({ jailerBin: join(top, 'bin', 'missing') }), 'jail.binary_unsafe', /does not exist/);
  });

  it('refuses an exec file whose name lacks "firecracker" (the jailer would too)', async () => {
    await refusal(launch({ firecrackerBin: join(top, 'bin', 'fc') }), 'jail.exec_invalid', /contains "firecracker"|not a Firecracker binary name/);
    await refusal(run('jail.remove', { vmId: ID, chrootBase: jailBase, execName: 'sh' }), 'jail.exec_invalid');
  });

  it('refuses paths outside the layout, names outside the jail table, and a console log outside the layout', async () => {
    await refusal(prepare({ links: [{ source: '/etc/shadow', name: 'rootfs' }] }), 'path.outside_layout');
    await refusal(prepare({ links: [{ source: '/dev/sda', name: 'rootfs' }] }), 'path.outside_layout');
    await refusal(prepare({ links: [{ source: '/dev/mapper/root', name: 'rootfs' }] }), 'dm.name_invalid');
    await refusal(prepare({ links: [{ source: join(top, 'state', 'disk.img'), name: '../escape' }] }), 'jail.name_invalid');
    await refusal(prepare({ create: ['passwd'] }), 'jail.name_invalid');
    await refusal(prepare({ create: ['rootfs'] }), 'jail.name_invalid', /twice/);
    await refusal(launch({ consoleLog: '/etc/motd' }), 'path.outside_layout');
  });

  it("refuses a VM id that is not banger's, and a chroot base that is not the helper's", async () => {
    for (const vmId of ['../../etc', 'ABC', '0123456789abcdef0123456789abcdeg', `${ID}0`]) await refusal(prepare({ vmId }), 'jail.id_invalid');
    await refusal(run('jail.remove', { vmId: 'x/..', chrootBase: jailBase }), 'jail.id_invalid');
    await refusal(prepare({ chrootBase: '/etc' }), 'jail.base_invalid', /not the helper's/);
  });

  it('refuses every jail op on a helper started without --jailer-base', async () => {
    const none = createOpExecutor({
      policy: { ownerUid: 1000, ownerGid: 1000, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(top, 'state')] },
      logger: pino({ level: 'silent' }),
    });
    const e = await none.execute('jail.remove', { vmId: ID, chrootBase: jailBase }, { uid: 1000 }).then(() => undefined, (x: unknown) => x);
    expect((e as HelperRefusedError).code).toBe('jail.base_invalid');
    expect((e as HelperRefusedError).hint).toMatch(/--jailer-base/);
  });

  it('refuses a chroot base inside a user-writable directory', async () => {
    const loose = createOpExecutor({
      policy: { ownerUid: 1000, ownerGid: 1000, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(top, 'state')], jailBase: join(userTmp, 'jail') },
      logger: pino({ level: 'silent' }),
    });
    const e = await loose
      .execute('jail.prepare', { vmId: ID, chrootBase: join(userTmp, 'jail'), firecrackerBin: join(top, 'bin', 'firecracker'), links: [], create: [] }, { uid: 1000 })
      .then(() => undefined, (x: unknown) => x);
    expect((e as HelperRefusedError).code).toBe('jail.base_invalid');
    expect((e as Error).message).toMatch(/which a user other than root can write to/);
  });

  it("puts a dm disk in as a node of its own, only when it is a snapshot over loops of the layout's files", async () => {
    // A block node standing in for /dev/mapper/banger-*: dmsetup and losetup answers are scripted, mknod is real.
    const dmName = `banger-jt${process.pid}`;
    const dev = `/dev/mapper/${dmName}`;
    // This host has no /dev/mapper at all; made for the test (no control node, so nothing takes the dm path) and removed.
    const madeDir = !existsSync('/dev/mapper');
    if (madeDir) mkdirSync('/dev/mapper', { mode: 0o755 });
    execFileSync('mknod', [dev, 'b', '7', '250']);
    try {
      const scripted = (deps: string, backing: string): CommandRunner => ({
        run: async (cmd, args) => {
          if (cmd === 'dmsetup') return { stdout: deps, stderr: '', exitCode: 0 };
          if (cmd === 'losetup') return { stdout: `${backing}\n`, stderr: '', exitCode: 0 };
          const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
          return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? 1 };
        },
      });
      const exec = (runner: CommandRunner) =>
        createOpExecutor({
          policy: { ownerUid: 1000, ownerGid: 1000, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(top, 'state')], jailBase },
          logger: pino({ level: 'silent' }),
          runner,
        });
      const params = { vmId: ID, chrootBase: jailBase, firecrackerBin: join(top, 'bin', 'firecracker'), links: [{ source: dev, name: 'rootfs' }], create: [] };
      const ok = (await exec(scripted(' 2 dependencies  : (loop7) (loop8)', join(top, 'state', 'disk.img'))).execute('jail.prepare', params, { uid: 1000 })) as { how: Record<string, string> };
      expect(ok.how).toEqual({ rootfs: 'node' });
      const node = statSync(join(jailBase, 'firecracker', ID, 'root', 'rootfs'));
      expect(node.isBlockDevice()).toBe(true);
      expect(node.rdev).toBe(statSync(dev).rdev);
      expect(node).toMatchObject({ uid: 1000, gid: 1000 });
      expect(node.mode & 0o777).toBe(0o600);
      const notLoops = await exec(scripted(' 1 dependencies  : (sda1)', join(top, 'state', 'disk.img'))).execute('jail.prepare', params, { uid: 1000 }).then(() => undefined, (e: unknown) => e);
      expect((notLoops as HelperRefusedError).code).toBe('path.outside_layout');
      const elsewhere = await exec(scripted(' 1 dependencies  : (loop7)', '/home/other/disk.img')).execute('jail.prepare', params, { uid: 1000 }).then(() => undefined, (e: unknown) => e);
      expect((elsewhere as HelperRefusedError).code).toBe('path.outside_layout');
      await executor.execute('jail.remove', { vmId: ID, chrootBase: jailBase }, { uid: 1000 });
    } finally {
      rmSync(dev, { force: true });
      if (madeDir) rmSync('/dev/mapper', { recursive: true, force: true });
    }
  });

  it('builds a root-owned base and jail, gives the owner its logger file, and removes it all idempotently', async () => {
    // As under the unit's UMask=0077: the dirs down to the chroot must still be 0755 for the owner to reach its socket.
    const umask = process.umask(0o077);
    try {
      expect(await prepare()).toBeUndefined();
    } finally {
      process.umask(umask);
    }
    for (const d of [jailBase, join(jailBase, 'firecracker'), join(jailBase, 'firecracker', ID), join(jailBase, 'firecracker', ID, 'root')]) {
      expect(statSync(d).mode & 0o777).toBe(0o755);
    }
    const root = join(jailBase, 'firecracker', ID, 'root');
    expect(statSync(jailBase)).toMatchObject({ uid: 0 });
    expect(statSync(jailBase).mode & 0o777).toBe(0o755);
    expect(statSync(root)).toMatchObject({ uid: 0 });
    expect(statSync(join(root, 'rootfs')).ino).toBe(statSync(join(top, 'state', 'disk.img')).ino);
    expect(statSync(join(root, 'firecracker.log'))).toMatchObject({ uid: 1000, gid: 1000 });
    const removed = (await executor.execute('jail.remove', { vmId: ID, chrootBase: jailBase }, { uid: 1000 })) as { removed: boolean };
    expect(removed.removed).toBe(true);
    expect(() => statSync(join(jailBase, 'firecracker', ID))).toThrow();
    // The VM's own file is untouched: a hard link only dropped a name.
    expect(statSync(join(top, 'state', 'disk.img')).nlink).toBe(1);
    expect(await executor.execute('jail.remove', { vmId: ID, chrootBase: jailBase, execName: 'firecracker' }, { uid: 1000 })).toEqual({ removed: false, unmounted: 0 });
  });
});
