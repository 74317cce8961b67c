/**
 * Smoke: banger vm cp with a real VM (issue 17, item 3). One VM for the file.
 * The big-file size is BANGER_SMOKE_CP_MB (default below); 200 is the issue's
 * figure and fits the timeout only where the guest is fast enough.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables'));
const BIG_MB = Number(process.env.BANGER_SMOKE_CP_MB ?? 200);
const VM = 'smoke-cp';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every path under dir (relative), to prove a copy wrote nowhere else. */
function tree(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (join(d, e.name) === skip) continue;
      out.push(r);
      if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe.skipIf(skipReason(missing))('smoke: vm cp', () => {
  let rig: SmokeRig;
  let work: string;

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgcp-', netnsTag: 'cp' });
    work = join(rig.temp.root, 'work');
    mkdirSync(work);
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
    const created = await rig.cli(['vm', 'create', '--name', VM, '--disk-size', '2G', '--json'], { timeoutMs: 300_000 });
    expect(created.code, rig.why(created)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  it(`copies a ${BIG_MB} MB file in and out with the same sha256 and mode`, async () => {
    const big = join(work, 'big.bin');
    const fd = openSync(big, 'w');
    const buf = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < BIG_MB; i++) writeSync(fd, randomFillSync(buf));
    closeSync(fd);
    chmodSync(big, 0o640);
    const want = sha256(big);

    const tIn = await rig.cli(['vm', 'cp', big, `${VM}:/root/`, '--json'], { timeoutMs: 600_000 });
    expect(tIn.code, rig.why(tIn)).toBe(0);
    const sIn = JSON.parse(tIn.stdout) as { bytes: number; seconds: number; files: number };
    expect(sIn).toMatchObject({ files: 1, bytes: BIG_MB * 1024 * 1024 });
    const inGuest = await rig.cli(['vm', 'ssh', VM, '--', 'sh', '-c', 'sha256sum /root/big.bin; stat -c %a /root/big.bin'], { timeoutMs: 120_000 });
    expect(inGuest.stdout.split(/\s+/)[0]).toBe(want);
    expect(inGuest.stdout.trim().split('\n').pop()).toBe('640');

    const outDir = join(work, 'out');
    mkdirSync(outDir);
    const tOut = await rig.cli(['vm', 'cp', `${VM}:/root/big.bin`, `${outDir}/`, '--json'], { timeoutMs: 600_000 });
    expect(tOut.code, rig.why(tOut)).toBe(0);
    const sOut = JSON.parse(tOut.stdout) as { bytes: number; seconds: number };
    expect(sha256(join(outDir, 'big.bin'))).toBe(want);
    expect(statSync(join(outDir, 'big.bin')).mode & 0o777).toBe(0o640);
    console.log(`vm cp ${BIG_MB} MB: in ${(BIG_MB / sIn.seconds).toFixed(1)} MB/s (${sIn.seconds} s), out ${(BIG_MB / sOut.seconds).toFixed(1)} MB/s (${sOut.seconds} s)`);
    await rig.cli(['vm', 'ssh', VM, '--', 'rm', '-f', '/root/big.bin']);
  }, 1_200_000);

  it('copies a tree with symlinks out without writing outside the destination', async () => {
    const made = await rig.cli(
      ['vm', 'ssh', VM, '--', 'sh', '-c', 'mkdir -p /root/tree/a/b && echo hi > /root/tree/a/b/f && chmod 600 /root/tree/a/b/f && ln -s /etc/passwd /root/tree/abs && ln -s ../../.. /root/tree/a/up && ln -s b/f /root/tree/a/rel && ln -s / /root/tree/rootdir'],
      { timeoutMs: 60_000 },
    );
    expect(made.code, rig.why(made)).toBe(0);
    const before = tree(rig.temp.root, join(work, 'dest'));
    mkdirSync(join(work, 'dest'));
    const res = await rig.cli(['vm', 'cp', `${VM}:/root/tree`, join(work, 'dest', 'copied')], { timeoutMs: 120_000 });
    expect(res.code, rig.why(res)).toBe(0);
    expect(res.stdout).toMatch(/^copied 1 file, 3 dirs, 4 symlinks, 3 B in .*→ .*dest\/copied\n$/);
    const d = join(work, 'dest', 'copied');
    expect(readFileSync(join(d, 'a', 'b', 'f'), 'utf8')).toBe('hi\n');
    expect(statSync(join(d, 'a', 'b', 'f')).mode & 0o777).toBe(0o600);
    for (const [link, to] of [['abs', '/etc/passwd'], ['a/up', '../../..'], ['a/rel', 'b/f'], ['rootdir', '/']]) {
      expect(lstatSync(join(d, link!)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(d, link!))).toBe(to);
    }
    // Nothing changed anywhere else under the rig's root (the daemon's own files aside).
    const after = tree(rig.temp.root, join(work, 'dest')).filter((p) => !p.startsWith('state/') && !p.startsWith('runtime/'));
    expect(after).toEqual(before.filter((p) => !p.startsWith('state/') && !p.startsWith('runtime/')));
  });

  it('bad input: one clear line each, nothing changed', async () => {
    const afile = join(work, 'afile');
    writeFileSync(afile, 'keep');
    const srcDir = join(work, 'srcdir');
    mkdirSync(srcDir);
    writeFileSync(join(srcDir, 'x'), 'x');
    await rig.cli(['vm', 'ssh', VM, '--', 'sh', '-c', 'echo keep > /root/gfile']);
    const cases: Array<[string[], RegExp]> = [
      [[`${VM}:/root/tree`, afile], /exists as a file where a directory is expected/],
      [[srcDir, `${VM}:/root/gfile`], /smoke-cp:\/root\/gfile exists as a file where a directory is expected/],
      [[srcDir, `${VM}:/root/../etc/`], /contains a "\.\." segment/],
      [[`${VM}:/root/nope`, work], /smoke-cp:\/root\/nope: no such file or directory in VM smoke-cp/],
      [[join(work, 'nope'), `${VM}:/root/`], /no such file or directory on the host/],
      [[`${VM}:/root/gfile`, `${VM}:/root/x`], /both SRC and DST are in a VM/],
      [[afile, join(work, 'y')], /neither SRC nor DST is in a VM/],
      [[afile, `${VM}:/root/nodir/`], /destination directory smoke-cp:\/root\/nodir\/ does not exist/],
    ];
    for (const [args, msg] of cases) {
      const res = await rig.cli(['vm', 'cp', ...args], { timeoutMs: 60_000 });
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).not.toBe(0);
      const lines = res.stderr.trim().split('\n');
      expect(lines[0], args.join(' ')).toMatch(msg);
      expect(lines[0]).toMatch(/^banger: /);
      expect(lines[1] ?? '', args.join(' ')).toMatch(/^ {2}hint: /);
    }
    expect(readFileSync(afile, 'utf8')).toBe('keep');
    const g = await rig.cli(['vm', 'ssh', VM, '--', 'cat', '/root/gfile']);
    expect(g.stdout).toBe('keep\n');
    expect(existsSync(join(work, 'y'))).toBe(false);
  });

  it('vm cp to a stopped VM says so and how to start it', async () => {
    const stop = await rig.cli(['vm', 'stop', VM], { timeoutMs: 120_000 });
    expect(stop.code, rig.why(stop)).toBe(0);
    const res = await rig.cli(['vm', 'cp', join(work, 'afile'), `${VM}:/root/`], { timeoutMs: 60_000 });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toBe(`banger: cannot copy to VM ${VM}: it is stopped\n  hint: start it first: banger vm start ${VM}\n`);
  });
});
