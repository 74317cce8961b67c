import { execFile } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gated, requiresNetns } from '../helpers/host-caps.js';
import { CLI_MAIN, RawPeer } from '../helpers/index.js';
import { NetnsDaemon } from '../helpers/netns-daemon.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';

/**
 * Out-of-range and hostile arguments (issue 8, item 4) through both doors:
 * the real CLI (`banger vm create ...`, exit codes per DESIGN §7: 1 user
 * error, 2 usage error) and the daemon's vm.create params directly (the daemon
 * is the authority; the CLI's checks are only the fast path). Each gets one
 * error line naming the fix, and no VM row is written.
 */
const missing = requiresNetns();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(missing !== null)(gated('vm create with bad arguments', missing), () => {
  let d: NetnsDaemon;

  beforeAll(async () => {
    ensureDist();
    d = new NetnsDaemon({ tapPoolSize: 0, tempPrefix: 'bgrel-', netnsTag: 'rel' });
    await d.start();
  }, 180_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  const cli = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI_MAIN, ...args], { env: d.temp.env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stdout, stderr });
      });
    });

  const rows = (): number => {
    const db = new Database(d.layout.dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM vms').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it.each([
    ['--memory 0', 1, ['--name', 'm0', '--memory', '0']],
    ['--memory 99999999', 1, ['--name', 'm1', '--memory', '99999999']],
    ['--memory lots', 2, ['--name', 'm2', '--memory', 'lots']],
    ['--vcpu -1', 2, ['--name', 'v0', '--vcpu=-1']],
    ['--vcpu 0', 1, ['--name', 'v1', '--vcpu', '0']],
    ['--vcpu 65', 1, ['--name', 'v2', '--vcpu', '65']],
    ['--disk-size 999T', 1, ['--name', 'd0', '--disk-size', '999T']],
    ['--disk-size 0', 1, ['--name', 'd1', '--disk-size', '0']],
    ['--disk-size -5G', 2, ['--name', 'd2', '--disk-size=-5G']],
    ['--overlay-size 999T', 1, ['--name', 'o0', '--overlay-size', '999T']],
    ['a 64-character name', 1, ['--name', 'a'.repeat(64)]],
    ['a 300-character name', 1, ['--name', 'b'.repeat(300)]],
    ['a unicode name (dév)', 1, ['--name', 'dév']],
    ['a CJK name', 1, ['--name', '名前']],
    ['an emoji name', 1, ['--name', 'vm-🚀']],
    ['a name with $(reboot)', 1, ['--name', '$(reboot)']],
    ['a name with ;rm -rf /', 1, ['--name', 'a;rm -rf /']],
    ['a name with backticks', 1, ['--name', '`id`']],
    ['a name with a path', 1, ['--name', '../../etc/passwd']],
    ['an empty name', 1, ['--name', '']],
    ['a name with a newline', 1, ['--name', 'a\nb']],
    ['an uppercase name', 1, ['--name', 'Dev']],
  ])('banger vm create %s: one error line naming the fix, exit %i, no row', { timeout: 60_000 }, async (_what, exitCode, args) => {
    const r = await cli(['vm', 'create', '--no-start', ...args]);
    count('badInputs', 1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(r.code, r.stderr).toBe(exitCode);
    expect(lines.filter((l) => l.startsWith('banger: ')), r.stderr).toHaveLength(1);
    expect(lines.some((l) => /^\s+hint: \S/.test(l)), `no hint in: ${r.stderr}`).toBe(true);
    expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
    expect(rows()).toBe(0);
  });

  it.each([
    ['name of 64 characters', { name: 'a'.repeat(64) }],
    ['unicode name', { name: 'dév' }],
    ['name with $(reboot)', { name: '$(reboot)' }],
    ['name with ;', { name: 'a;rm -rf /' }],
    ['name with NUL', { name: 'a\u0000b' }],
    ['memoryMiB 0', { name: 'r0', memoryMiB: 0 }],
    ['memoryMiB 10^9', { name: 'r1', memoryMiB: 1e9 }],
    ['vcpu -1', { name: 'r2', vcpu: -1 }],
    ['vcpu 100000', { name: 'r3', vcpu: 100_000 }],
    ['vcpu 1.5', { name: 'r4', vcpu: 1.5 }],
    ['diskSize 999T', { name: 'r5', diskSize: '999T' }],
    ['diskSize -1', { name: 'r6', diskSize: '-1' }],
    ['diskSize lots', { name: 'r7', diskSize: 'lots' }],
    ['overlaySize 999T', { name: 'r8', overlaySize: '999T' }],
    ['image with a path', { name: 'r9', image: '../../etc/passwd' }],
    ['image with metacharacters', { name: 'r10', image: '$(id)' }],
  ])('RPC vm.create with %s: one-line error with a hint, no row', { timeout: 60_000 }, async (_what, params) => {
    const peer = await RawPeer.open(d.layout.daemonSocket);
    try {
      const reply = await peer.call('vm.create', { ...params, noStart: true }, 1);
      count('badInputs', 1);
      expect(reply.result, JSON.stringify(reply)).toBeUndefined();
      const error = reply.error as { code: number; message: string; data?: { hint?: string } };
      expect(error.message).not.toMatch(/\n/);
      // -32602 names the field and the rule; a domain error carries a hint (fault: a bad name had none).
      if (error.code !== -32602) expect(error.data?.hint, error.message).toBeTruthy();
      else expect(error.message).toMatch(/^invalid params for vm\.create: \w+/);
    } finally {
      peer.end();
    }
    expect(rows()).toBe(0);
  });

  it('fault: vm.create over RPC with an invalid name answered without a hint (machines/supervisor/service.ts)', { timeout: 30_000 }, async () => {
    const peer = await RawPeer.open(d.layout.daemonSocket);
    try {
      const reply = await peer.call('vm.create', { name: 'Bad_Name', noStart: true }, 1);
      expect(reply).toMatchObject({ error: { data: { kind: 'invalid', code: 'vm.name_invalid', hint: expect.stringContaining('--name') } } });
    } finally {
      peer.end();
    }
    count('defectsFound', 1, 'daemon: vm.create with an invalid name gave no hint (machines/supervisor/service.ts)');
  });

  it('control: a good vm create --no-start writes exactly one row, and vm delete removes it', { timeout: 60_000 }, async () => {
    const ok = await cli(['vm', 'create', '--no-start', '--name', 'good-1', '--memory', '256', '--vcpu', '1', '--disk-size', '1G']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(rows()).toBe(1);
    const del = await cli(['vm', 'delete', 'good-1']);
    expect(del.code, del.stderr).toBe(0);
    expect(rows()).toBe(0);
  });
});
