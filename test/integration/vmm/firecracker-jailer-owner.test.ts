import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpExecutor, startHelperServer, type HelperServer } from '../../../helper/index.js';
import { buildDist } from '../../helpers/build.js';
import { installFakeFirecracker, type FakeFirecracker } from '../../helpers/firecracker-api.js';
import { createOwnerFixture, type OwnerFixture } from '../../helpers/owner-user.js';

/**
 * Owner mode (issue 9) with the jailer (issue 19): bangerd's Firecracker
 * driver runs as an ordinary user and asks the root helper (a real helper
 * server on its socket, in this root test process) to build the jail and run
 * the (fake) jailer, which drops to the user's uid/gid before exec'ing the
 * (fake) Firecracker. The API socket is then the user's, the driver talks to
 * it through the symlink at the VM's socket path, and stop removes the jail.
 */

const ROOT = process.getuid?.() === 0;
const ID = 'fe0123456789abcdef0123456789abcd';

describe.skipIf(!ROOT)('jailed Firecracker launch in owner mode (#19)', () => {
  let fx: OwnerFixture;
  let fake: FakeFirecracker;
  let top: string;
  let helper: HelperServer;

  beforeAll(async () => {
    buildDist();
    fx = createOwnerFixture('fcj');
    fake = installFakeFirecracker();
    top = mkdtempSync('/run/banger-fcj-');
    chmodSync(top, 0o755);
    const executor = createOpExecutor({
      policy: {
        ownerUid: fx.user.uid,
        ownerGid: fx.user.gid,
        bridge: 'br-banger',
        tapPrefix: 'bgtap',
        cidr: '172.16.0.1/24',
        roots: [fx.layout.stateDir, fx.layout.runtimeDir, fx.layout.cacheDir],
        jailBase: join(top, 'jail'),
      },
      logger: pino({ level: 'silent' }),
    });
    // The helper's unit runs under UMask=0077; this file's process stands in for it from here on.
    process.umask(0o077);
    helper = await startHelperServer({ socketPath: join(top, 'helper.sock'), executor, ownerUid: fx.user.uid, ownerGid: fx.user.gid, logger: pino({ level: 'silent' }) });
  }, 240_000);

  afterAll(async () => {
    await helper?.close();
    rmSync(top, { recursive: true, force: true });
    fake?.cleanup();
    fx?.remove();
  });

  it('the helper runs the jailer as root, Firecracker runs as the owner and its API socket is the owner\'s; stop removes the jail', async () => {
    const jailBase = join(top, 'jail');
    const res = await fx.run(
      `const { mkdirSync, writeFileSync, statSync, readlinkSync, existsSync } = await import('node:fs');
       const { join } = await import('node:path');
       const { createHelperClient } = await import(dist + '/../helper/client.js');
       const { createFirecrackerDriver } = await import(dist + '/vmm/firecracker/driver.js');
       const ops = createHelperClient(${JSON.stringify(join(top, 'helper.sock'))}, { timeoutMs: 20000 });
       const vmDir = join(layout.stateDir, 'vms', ${JSON.stringify(ID)});
       const run = join(layout.runtimeDir, 'vms', ${JSON.stringify(ID.slice(0, 12))});
       mkdirSync(vmDir, { recursive: true }); mkdirSync(run, { recursive: true });
       for (const f of ['vmlinux', 'system.img', 'work.ext4']) writeFileSync(join(vmDir, f), f);
       const spec = { vmId: ${JSON.stringify(ID)}, name: 'own', vcpuCount: 1, memoryMiB: 128, kernelPath: join(vmDir, 'vmlinux'), kernelArgs: 'console=ttyS0',
         rootDisk: { path: join(vmDir, 'system.img'), format: 'raw' }, workDisk: { path: join(vmDir, 'work.ext4'), format: 'raw' },
         network: { tap: 'bgtap1', mac: '06:00:ac:10:00:02' }, apiSockPath: join(run, 'api.sock'), agentSockPath: join(run, 'v.sock'),
         logPath: join(vmDir, 'console.log'), vsockCID: 3 };
       const driver = createFirecrackerDriver({ binary: ${JSON.stringify(fake.firecracker)}, jail: { jailerBin: ${JSON.stringify(fake.jailer)}, chrootBase: ${JSON.stringify(jailBase)}, ops } });
       await driver.prepare(spec);
       const h = await driver.launch(spec);
       const target = readlinkSync(spec.apiSockPath);
       const sock = statSync(target);
       const status = await driver.inspect(h);
       const outcome = await driver.stop(h, { timeoutMs: 5000 });
       ops.close();
       console.log(JSON.stringify({ me: process.getuid(), pid: h.pid, target, sockUid: sock.uid, isSocket: sock.isSocket(), status, outcome,
         jailLeft: existsSync(join(${JSON.stringify(jailBase)}, 'firecracker', ${JSON.stringify(ID)})), linkLeft: existsSync(spec.apiSockPath) }));`,
      60_000,
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out).toMatchObject({
      me: fx.user.uid,
      target: join(jailBase, 'firecracker', ID, 'root', 'api.sock'),
      sockUid: fx.user.uid,
      isSocket: true,
      status: { alive: true, status: 'Running' },
      outcome: 'graceful',
      jailLeft: false,
      linkLeft: false,
    });
    // The jailer ran as root (the helper's), Firecracker as the owner, with every body valid.
    const jr = fake.jailerRuns().find((r) => r.argv.includes(ID))!;
    expect(jr.uid).toBe(0);
    expect(jr.argv.slice(jr.argv.indexOf('--uid'), jr.argv.indexOf('--uid') + 4)).toEqual(['--uid', String(fx.user.uid), '--gid', String(fx.user.gid)]);
    const fc = fake.requests().filter((r) => r.id === ID);
    expect(fc.find((r) => r.event === 'start')).toMatchObject({ uid: fx.user.uid, gid: fx.user.gid, jailed: true, pid: out.pid });
    expect(fc.filter((r) => r.problem || (r.status ?? 0) >= 300)).toEqual([]);
    expect(existsSync(join(jailBase, 'firecracker', ID))).toBe(false);
  }, 120_000);
});
