/**
 * Smoke suite (issue 6): real VMs through the built CLI, in the order a user
 * meets them. One rig (daemon, image, namespace) for the file; scenarios run
 * in sequence and share it. CI runs (a), (c), (g), (h) and (i) (.ci/run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitGone } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'git'));

describe.skipIf(skipReason(missing))('smoke: real VMs through the CLI', () => {
  let rig: SmokeRig;

  let hostsBefore = '';

  beforeAll(async () => {
    rig = new SmokeRig();
    hostsBefore = readFileSync(rig.netns.hostsFile, 'utf8');
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  it('(a) vm run --rm prints the command output and passes its exit code through', async () => {
    const ok = await rig.cli(['vm', 'run', '--rm', '--', 'echo', 'ok'], { timeoutMs: 300_000 });
    expect(ok.stderr).toMatch(/^spec: \d+ vcpu · [\d.]+[KMGT] memory · \S+ disk/m);
    expect(ok).toMatchObject({ code: 0, stdout: 'ok\n' });
    const seven = await rig.cli(['vm', 'run', '--rm', '--', 'sh', '-c', 'exit 7'], { timeoutMs: 300_000 });
    expect(seven.code, rig.why(seven)).toBe(7);
    const list = await rig.cli(['vm', 'list', '--json']);
    expect(jsonData(list.stdout)).toEqual([]);
    expect(rig.vmmProcesses()).toEqual([]);
  }, 900_000);

  it('(b) vm run copies a repo with its committed and uncommitted files', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'bgs-repo-'));
    try {
      const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { stdio: 'pipe' });
      git('init', '-q', '-b', 'main');
      writeFileSync(join(repo, 'committed.txt'), 'from HEAD\n');
      git('add', '.');
      git('commit', '-qm', 'first');
      writeFileSync(join(repo, 'uncommitted.txt'), 'work in progress\n');
      const name = 'smoke-ws';
      const res = await rig.cli(['vm', 'run', '--rm', '--name', name, repo, '--', 'sh', '-c', 'pwd; cat committed.txt uncommitted.txt'], { timeoutMs: 300_000 });
      expect(res.stderr).toContain(`· ${repo.split('/').pop()} (shallow_overlay)`);
      expect(res).toMatchObject({ code: 0 });
      expect(res.stdout).toBe(`/root/${repo.split('/').pop()}\nfrom HEAD\nwork in progress\n`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 300_000);

  it('(c) create → stop → start → ssh → delete', async () => {
    const created = await rig.cli(['vm', 'create', '--name', 'smoke-life', '--json'], { timeoutMs: 300_000 });
    expect(created.code, rig.why(created)).toBe(0);
    expect(jsonData(created.stdout)).toMatchObject({ name: 'smoke-life', state: 'running' });
    expect((await rig.cli(['vm', 'stop', 'smoke-life'], { timeoutMs: 120_000 })).stdout).toContain('smoke-life stopped');
    expect(rig.vmmProcesses()).toEqual([]);
    expect((await rig.cli(['vm', 'start', 'smoke-life'], { timeoutMs: 300_000 })).stdout).toContain('smoke-life running');
    const ssh = await rig.cli(['vm', 'ssh', 'smoke-life', '--', 'cat', '/proc/sys/kernel/hostname'], { timeoutMs: 120_000 });
    expect(ssh).toMatchObject({ code: 0 });
    expect(ssh.stdout.trim()).toBe('smoke-life');
    // config [[file_sync]] put ~/.gitconfig on the work disk, mode 0600.
    const synced = await rig.cli(['vm', 'ssh', 'smoke-life', '--', 'sh', '-c', 'stat -c %a /root/.gitconfig; cat /root/.gitconfig'], { timeoutMs: 60_000 });
    expect(synced.stdout).toBe('600\n[user]\n  name = smoke\n');
  }, 600_000);

  it('(d) after kill -9 of bangerd, vm ssh still works (reconcile re-adopts the VM)', async () => {
    const pid = rig.daemonPid();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    expect(await waitGone(pid!, 5000)).toBe(true);
    const vmm = rig.vmmProcesses();
    expect(vmm.length).toBe(1);
    const ssh = await rig.cli(['vm', 'ssh', 'smoke-life', '--', 'true'], { timeoutMs: 120_000 });
    expect(ssh.code, rig.why(ssh)).toBe(0);
    expect(rig.vmmProcesses()).toEqual(vmm);
    const show = jsonData((await rig.cli(['vm', 'show', 'smoke-life', '--json'])).stdout) as { state: string };
    expect(show.state).toBe('running');
  }, 300_000);

  it('(e) vm ports shows an HTTP server started in the guest', async () => {
    // busybox httpd in the minimal image; python3 -m http.server in the debian one.
    const start = await rig.cli(['vm', 'ssh', 'smoke-life', '--', 'sh', '-c', 'mkdir -p /tmp/www && echo hi > /tmp/www/index.html && (busybox httpd -p 8080 -h /tmp/www || (cd /tmp/www && nohup python3 -m http.server 8080 >/dev/null 2>&1 &))'], { timeoutMs: 60_000 });
    expect(start.code, rig.why(start)).toBe(0);
    let rows: { proto: string; endpoint: string; process?: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const ports = await rig.cli(['vm', 'ports', 'smoke-life', '--json'], { timeoutMs: 60_000 });
      expect(ports.code, rig.why(ports)).toBe(0);
      rows = jsonData(ports.stdout) as typeof rows;
      if (rows.some((r) => r.endpoint === 'http://smoke-life.vm:8080/')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows.find((r) => r.endpoint === 'http://smoke-life.vm:8080/')).toMatchObject({ proto: 'http' });
    const human = await rig.cli(['vm', 'ports', 'smoke-life'], { timeoutMs: 60_000 });
    expect(human.stdout).toMatch(/^PROTO\s+ENDPOINT\s+PROCESS\s+COMMAND/m);
  }, 300_000);

  it('(g) pause then resume: a guest process keeps counting and an SSH connection held across the pause survives', async () => {
    // One SSH connection for the whole scenario, carrying a counter the guest prints every 200 ms.
    const held = rig.spawn(['vm', 'ssh', 'smoke-life', '--', 'sh', '-c', 'i=0; while [ $i -lt 100000 ]; do echo $i; i=$((i+1)); sleep 0.2; done']);
    let out = '';
    held.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    // Complete lines only: the last piece may be a number still arriving.
    const counts = () => out.split('\n').slice(0, -1).filter((l) => /^\d+$/.test(l)).map(Number);
    const last = () => counts().at(-1) ?? -1;
    const until = async (ok: () => boolean, ms: number) => {
      for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
      return ok();
    };
    try {
      expect(await until(() => last() >= 3, 120_000), `no counter output: ${out}`).toBe(true);
      const pause = await rig.cli(['vm', 'pause', 'smoke-life'], { timeoutMs: 60_000 });
      expect(pause.code, rig.why(pause)).toBe(0);
      expect(pause.stdout).toContain('smoke-life paused');
      expect(jsonData((await rig.cli(['vm', 'show', 'smoke-life', '--json'])).stdout)).toMatchObject({ state: 'paused' });
      // Lines already in flight drain first; after that a frozen guest prints nothing.
      await new Promise((r) => setTimeout(r, 500));
      const frozenAt = last();
      await new Promise((r) => setTimeout(r, 2000));
      expect(last()).toBe(frozenAt);
      expect(held.exitCode).toBeNull();

      const resume = await rig.cli(['vm', 'resume', 'smoke-life'], { timeoutMs: 60_000 });
      expect(resume.code, rig.why(resume)).toBe(0);
      expect(resume.stdout).toContain('smoke-life running');
      expect(await until(() => last() >= frozenAt + 3, 60_000)).toBe(true);
      // The same guest process on the same connection: the count goes on from where it froze, no gap, no restart.
      const seen = counts();
      expect(seen.every((n, i) => i === 0 || n === seen[i - 1]! + 1), seen.join(' ')).toBe(true);
      expect(held.exitCode).toBeNull();
    } finally {
      held.kill('SIGTERM');
    }
  }, 300_000);

  it('(h) snapshot, change, restore: the file is back; fork of the running VM: both answer SSH at their own IPs, with their own host keys and random state', async () => {
    const ssh = async (vm: string, cmd: string) => {
      const r = await rig.cli(['vm', 'ssh', vm, '--', 'sh', '-c', cmd], { timeoutMs: 120_000 });
      expect(r.code, `${vm}: ${cmd}: ${r.stderr}`).toBe(0);
      return r.stdout.trim();
    };
    const show = async (vm: string) => jsonData((await rig.cli(['vm', 'show', vm, '--json'])).stdout) as { state: string; runtime: { guestIP: string; startPath?: string } };
    await ssh('smoke-life', 'echo v1 > /root/file; sync');
    const snap = await rig.cli(['vm', 'snapshot', 'smoke-life', '--name', 'smoke-s1'], { timeoutMs: 300_000 });
    expect(snap.code, rig.why(snap)).toBe(0);
    expect(snap.stdout).toMatch(/snapshot smoke-s1 of smoke-life taken: memory \+ disks, .*guest paused \d+ ms/);
    console.log(`smoke (h): ${snap.stdout.trim()}`);
    expect((await show('smoke-life')).state).toBe('running');
    await ssh('smoke-life', 'echo v2 > /root/file; sync');

    const restore = await rig.cli(['vm', 'restore', 'smoke-life', '--snapshot', 'smoke-s1'], { timeoutMs: 300_000 });
    expect(restore.code, rig.why(restore)).toBe(0);
    expect(await ssh('smoke-life', 'cat /root/file')).toBe('v1');

    const fork = await rig.cli(['vm', 'fork', 'smoke-life', '--name', 'smoke-fork'], { timeoutMs: 300_000 });
    expect(fork.code, rig.why(fork)).toBe(0);
    const [a, b] = [await show('smoke-life'), await show('smoke-fork')];
    expect(a.state).toBe('running');
    expect(b).toMatchObject({ state: 'running', runtime: { startPath: 'restore' } });
    expect(b.runtime.guestIP).not.toBe(a.runtime.guestIP);
    // Each answers as itself at its own address, with the file as it was at the fork.
    expect(await ssh('smoke-fork', 'hostname; ip -4 -o addr show eth0 | grep -o "inet [0-9.]*"; cat /root/file')).toBe(`smoke-fork\ninet ${b.runtime.guestIP}\nv1`);
    expect(await ssh('smoke-life', 'hostname; cat /root/file')).toBe('smoke-life\nv1');
    await ssh('smoke-fork', 'echo fork-only > /root/only; sync');
    expect(await ssh('smoke-life', 'test -e /root/only && echo leaked || echo clean')).toBe('clean');
    // Clones share no secrets: host keys and the kernel's random output differ.
    const secrets = 'cat /etc/dropbear/*host_key 2>/dev/null /etc/ssh/ssh_host_*_key 2>/dev/null | sha256sum | cut -c1-16; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"';
    const [sa, sb] = [await ssh('smoke-life', secrets), await ssh('smoke-fork', secrets)];
    expect(sa.split('\n')[0]).not.toBe(sb.split('\n')[0]);
    expect(sa.split('\n')[1]).not.toBe(sb.split('\n')[1]);

    // The snapshot the fork and the original stand on cannot go; once the fork is gone the user's can.
    const del = await rig.cli(['vm', 'snapshot', 'delete', 'smoke-s1']);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(/in use by/);
    // A fork of a stopped VM boots its disks as they were, under its own name and address.
    expect((await rig.cli(['vm', 'stop', 'smoke-fork'], { timeoutMs: 120_000 })).code).toBe(0);
    const cold = await rig.cli(['vm', 'fork', 'smoke-fork', '--name', 'smoke-fork2'], { timeoutMs: 300_000 });
    expect(cold.code, rig.why(cold)).toBe(0);
    const c2 = await show('smoke-fork2');
    expect(await ssh('smoke-fork2', 'hostname; ip -4 -o addr show eth0 | grep -o "inet [0-9.]*"; cat /root/only')).toBe(`smoke-fork2\ninet ${c2.runtime.guestIP}\nfork-only`);
    for (const n of ['smoke-fork2', 'smoke-fork']) expect((await rig.cli(['vm', 'delete', '--force', n], { timeoutMs: 120_000 })).code).toBe(0);
  }, 900_000);

  it('(i) warm starts: vm run --rm makes the image warm once, then starts from it, each clone with its own host keys and random state', async () => {
    const first = await rig.cli(['vm', 'run', '--rm', '--', 'true'], { timeoutMs: 300_000 });
    expect(first.code, rig.why(first)).toBe(0);
    const runs: { ms: number; stderr: string; out: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      const r = await rig.cli(['vm', 'run', '--rm', '--', 'sh', '-c', 'cat /etc/dropbear/*host_key | sha256sum | cut -c1-16; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"'], { timeoutMs: 300_000 });
      expect(r.code, rig.why(r)).toBe(0);
      runs.push({ ms: Date.now() - t0, stderr: r.stderr, out: r.stdout.trim() });
    }
    for (const r of runs) expect(r.stderr).toMatch(/started warm/);
    expect(runs[0]!.out.split('\n')[0]).not.toBe(runs[1]!.out.split('\n')[0]);
    expect(runs[0]!.out.split('\n')[1]).not.toBe(runs[1]!.out.split('\n')[1]);
    const cold = await rig.cli(['vm', 'run', '--rm', '--cold', '--', 'true'], { timeoutMs: 300_000 });
    expect(cold.stderr).toMatch(/cold boot/);
    console.log(`smoke (i): warm vm run --rm ${runs.map((r) => r.ms).join(', ')} ms`);
  }, 900_000);

  it('(f) deleting everything leaves no process, tap, overlay, NAT rule or hosts entry', async () => {
    const del = await rig.cli(['vm', 'delete', '--force', 'smoke-life'], { timeoutMs: 120_000 });
    expect(del.code, rig.why(del)).toBe(0);
    expect(rig.vmmProcesses()).toEqual([]);
    expect(rig.natRules()).toEqual([]);
    const pid = rig.daemonPid();
    expect((await rig.cli(['daemon', 'stop'])).code).toBe(0);
    if (pid) expect(isAlive(pid)).toBe(false);
    // The tap pool keeps spare taps while bangerd runs; a clean stop deletes them.
    expect(rig.links().filter((l) => /tap/.test(l))).toEqual([]);
    // So does what DNS put on the host: the guests' port-53 redirect and the hosts block (the namespace's copy).
    expect(rig.dnsRedirects()).toEqual([]);
    expect(readFileSync(rig.netns.hostsFile, 'utf8')).toBe(hostsBefore);
  }, 300_000);
});
