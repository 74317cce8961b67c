/**
 * Faults under real QEMU VMs (issue 8, items 1, 2, 3 and 5 where marked "real
 * VMs"), through the built CLI inside a throwaway network namespace (the smoke
 * rig, named for this suite). One rig (daemon, image, namespace) for the file;
 * the scenarios run in sequence and each leaves the rig clean for the next.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { handlesPath } from '../../src/host/layout.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VMRecord } from '../../src/model/index.js';
import { isAlive, waitGone } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { waitTransition } from './support/transitions.js';
import { RealVmRig } from './support/real-vm-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'dig'));

/** Counts what a check found: a VM in neither running-and-reachable nor stopped-and-clean is lost; each leak is a leak. */
function tally(label: string, lost: string[], leaks: string[]): void {
  count('vmsLost', lost.length, lost.length ? `${label}: ${lost.join('; ')}` : undefined);
  count('resourcesLeaked', leaks.length, leaks.length ? `${label}: ${leaks.join('; ')}` : undefined);
}

describe.skipIf(skipReason(missing))('faults under real QEMU VMs', () => {
  let rig: RealVmRig;

  beforeAll(async () => {
    ensureDist();
    rig = new RealVmRig();
    const built = await rig.buildDefaultImage();
    expect(built.code, built.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  /** Either running (QEMU alive, ssh works) or stopped with nothing held. */
  async function runningOrCleanlyStopped(vm: VMRecord, label: string): Promise<void> {
    const lost: string[] = [];
    let leaks: string[] = [];
    if (vm.state === 'running') {
      if (vm.runtime.vmmPid === undefined || !isAlive(vm.runtime.vmmPid)) lost.push(`${vm.name} running but QEMU ${vm.runtime.vmmPid} is dead`);
      const ssh = await rig.cli(['vm', 'ssh', vm.name, '--', 'true'], { timeoutMs: 120_000 });
      if (ssh.code !== 0) lost.push(`${vm.name} running but vm ssh failed: ${ssh.stderr.trim()}`);
      const taps = rig.taps();
      if (taps.length !== 1 || taps[0] !== vm.runtime.tapDevice) leaks.push(`taps ${taps.join(',')} for one VM on ${vm.runtime.tapDevice}`);
    } else if (vm.state === 'stopped') {
      leaks = await rig.stoppedLeaks(vm);
    } else {
      lost.push(`${vm.name} ended ${vm.state}: ${vm.runtime.lastError ?? ''}`);
    }
    tally(label, lost, leaks);
    expect({ lost, leaks }).toEqual({ lost: [], leaks: [] });
  }

  const CRASH_POINTS: { step: string; at: string; waitQemu?: boolean; stop?: boolean }[] = [
    // qemu-img and mkfs.ext4 run here: a half-made overlay or work disk must not be taken for a finished one.
    { step: 'starting.storage', at: 'the transition into the step' },
    { step: 'starting.vmm', at: 'the transition into the step' },
    // The moment that matters most: QEMU exists but the daemon has not yet recorded it as running.
    { step: 'starting.vmm', at: 'QEMU spawned', waitQemu: true },
    { step: 'starting.guestReady', at: 'the transition into the step' },
    { step: 'stopping', at: 'the transition into the step', stop: true },
  ];
  it.each(CRASH_POINTS)(
    'kill -9 of bangerd while a real VM is at $step ($at): after restart it is running and reachable, or stopped with nothing leaked',
    { timeout: 600_000 },
    async ({ step, waitQemu, stop }) => {
      const name = `crash-${(step.split('.')[1] ?? step).toLowerCase()}${waitQemu ? '-q' : ''}`;
      const created = await rig.cli(['vm', 'create', '--name', name, ...(stop ? [] : ['--no-start'])], { timeoutMs: 300_000 });
      expect(created.code, created.stderr).toBe(0);
      const c = await rig.client();
      await c.call('events.subscribe', { topics: ['vm.transition'] });
      const at = waitTransition(c, name, step, 120_000);
      void c.call(stop ? 'vm.stop' : 'vm.start', { name }).catch(() => undefined);
      await at;
      if (waitQemu) {
        // Poll /proc tightly: the step lasts only until QEMU's control socket answers.
        const until = Date.now() + 30_000;
        while (rig.vmmProcesses().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
        expect(rig.vmmProcesses().length).toBe(1);
      }
      await rig.kill9();
      count('faultsInjected', 1, `kill -9 of bangerd at ${step}${waitQemu ? ' after QEMU spawned' : ''} (real QEMU)`);

      // The next CLI call starts a fresh bangerd in the namespace; reconcile decides.
      const vm = await rig.settledShow(name, 180_000);
      console.log(`kill -9 at ${step}${waitQemu ? ' (QEMU spawned)' : ''}: the VM ended ${vm.state}`);
      await runningOrCleanlyStopped(vm, `kill -9 at ${step} (real QEMU)`);
      // And it still works: start (if demoted), ssh, delete leaves nothing.
      if (vm.state === 'stopped') expect((await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 })).code).toBe(0);
      expect((await rig.cli(['vm', 'ssh', name, '--', 'true'], { timeoutMs: 120_000 })).code).toBe(0);
      expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
      expect(rig.vmmProcesses()).toEqual([]);
      expect(rig.taps()).toEqual([]);
    },
  );

  it('fault: with stats polling off a killed QEMU was never noticed (VM "running", tap/DNS/NAT held); now kill -9 of QEMU under a running NAT VM ends stopped/error with the reason in last_error, everything released, and vm start brings back the work disk', { timeout: 600_000 }, async () => {
    const name = 'vmm-dies';
    const created = await rig.cli(['vm', 'create', '--name', name, '--nat', '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    const before = jsonData(created.stdout) as VMRecord;
    expect(before.state).toBe('running');
    expect(rig.natRules().some((r) => r.includes(before.runtime.guestIP))).toBe(true);
    expect(await rig.dig(before.runtime.dnsName)).toEqual([before.runtime.guestIP]);
    const wrote = await rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', 'echo survives-the-crash > /root/marker.txt && sync'], { timeoutMs: 120_000 });
    expect(wrote.code, wrote.stderr).toBe(0);

    const pid = before.runtime.vmmPid!;
    process.kill(pid, 'SIGKILL');
    expect(await waitGone(pid, 10_000)).toBe(true);
    count('faultsInjected', 1, 'kill -9 of QEMU under a running VM');

    // The daemon notices the exit and releases what the VM held; wait for it to rest.
    const deadline = Date.now() + 60_000;
    let after = await rig.show(name);
    while (!['stopped', 'error'].includes(after.state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await rig.show(name);
    }
    expect(['stopped', 'error']).toContain(after.state);
    console.log(`QEMU killed: ${after.state}, last_error: ${after.runtime.lastError ?? ''}`);
    expect(after.runtime.lastError ?? '').toContain(`VMM process ${pid} exited unexpectedly`);
    expect(after.runtime.lastError ?? '').toContain(after.runtime.logPath);
    const leaks = await rig.stoppedLeaks(after);
    tally('kill -9 of QEMU', [], leaks);
    expect(leaks).toEqual([]);

    const started = await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 });
    expect(started.code, started.stderr).toBe(0);
    const read = await rig.cli(['vm', 'ssh', name, '--', 'cat', '/root/marker.txt'], { timeoutMs: 120_000 });
    const lost = read.stdout === 'survives-the-crash\n' ? [] : [`${name}: work disk lost /root/marker.txt (${read.stderr.trim()})`];
    tally('kill -9 of QEMU', lost, []);
    expect(read).toMatchObject({ code: 0, stdout: 'survives-the-crash\n' });
    const again = await rig.show(name);
    expect(rig.natRules().some((r) => r.includes(again.runtime.guestIP))).toBe(true);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
    expect(rig.natRules()).toEqual([]);
    count('defectsFound', 1, 'a dead VMM went unnoticed with stats_poll_interval = "0": the only liveness check rode on the stats poll (machines/supervisor/actors.ts watchExits)');
  });

  it('kill -9 of QEMU while bangerd is down: the restarted daemon finds it dead, releases tap/DNS/NAT/handles, last_error says why, vm start brings it back', { timeout: 600_000 }, async () => {
    const name = 'vmm-dies-alone';
    const created = await rig.cli(['vm', 'create', '--name', name, '--nat', '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    const before = jsonData(created.stdout) as VMRecord;
    await rig.kill9();
    process.kill(before.runtime.vmmPid!, 'SIGKILL');
    expect(await waitGone(before.runtime.vmmPid!, 10_000)).toBe(true);
    count('faultsInjected', 2, 'kill -9 of bangerd, then of QEMU while the daemon is down');
    const after = await rig.settledShow(name, 120_000);
    expect(['stopped', 'error']).toContain(after.state);
    expect(after.runtime.lastError ?? '').not.toBe('');
    const leaks = await rig.stoppedLeaks(after);
    tally('QEMU died while bangerd was down', [], leaks);
    expect(leaks).toEqual([]);
    expect((await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'ssh', name, '--', 'true'], { timeoutMs: 120_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
    expect(rig.natRules()).toEqual([]);
  });

  it('kill -9 of QEMU under a VM adopted after a bangerd restart: noticed like any other, everything released', { timeout: 600_000 }, async () => {
    const name = 'vmm-dies-adopted';
    const created = await rig.cli(['vm', 'create', '--name', name, '--nat', '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    const before = jsonData(created.stdout) as VMRecord;
    await rig.kill9();
    const adopted = await rig.settledShow(name, 120_000);
    expect(adopted.state).toBe('running');
    expect(adopted.runtime.vmmPid).toBe(before.runtime.vmmPid);
    process.kill(before.runtime.vmmPid!, 'SIGKILL');
    expect(await waitGone(before.runtime.vmmPid!, 10_000)).toBe(true);
    count('faultsInjected', 2, 'kill -9 of bangerd, then of the adopted QEMU');
    const deadline = Date.now() + 60_000;
    let after = await rig.show(name);
    while (!['stopped', 'error'].includes(after.state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await rig.show(name);
    }
    const lost = ['stopped', 'error'].includes(after.state) ? [] : [`${name} still ${after.state} 60 s after its QEMU died`];
    const leaks = lost.length ? [] : await rig.stoppedLeaks(after);
    tally('QEMU died under an adopted VM', [], [...lost, ...leaks]);
    expect({ lost, leaks }).toEqual({ lost: [], leaks: [] });
    expect(after.runtime.lastError ?? '').toContain('exited unexpectedly');
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
  });

  it('kill -9 of QEMU while the VM waits for its guest: vm start fails with one clear error, the VM rests stopped/error, nothing leaked', { timeout: 600_000 }, async () => {
    const name = 'vmm-dies-booting';
    expect((await rig.cli(['vm', 'create', '--name', name, '--nat', '--no-start'], { timeoutMs: 120_000 })).code).toBe(0);
    const c = await rig.client();
    await c.call('events.subscribe', { topics: ['vm.transition'] });
    const at = waitTransition(c, name, 'starting.guestReady', 120_000);
    const start = rig.cli(['vm', 'start', name], { timeoutMs: 300_000 });
    await at;
    const qemu = rig.vmmProcesses();
    expect(qemu).toHaveLength(1);
    process.kill(qemu[0]!, 'SIGKILL');
    count('faultsInjected', 1, 'kill -9 of QEMU during guest-ready');
    const r = await start;
    expect(r.code, r.stderr).not.toBe(0);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('banger:'));
    expect(errLines, r.stderr).toHaveLength(1);
    console.log(`message: ${errLines[0]} | ${r.stderr.split('\n').find((l) => l.trim().startsWith('hint:'))?.trim() ?? ''}`);
    const after = await rig.settledShow(name, 60_000);
    expect(['stopped', 'error']).toContain(after.state);
    expect(after.runtime.lastError ?? '').not.toBe('');
    const leaks = await rig.stoppedLeaks(after);
    tally('QEMU died during guest-ready', [], leaks);
    expect(leaks).toEqual([]);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
  });

  it('corrupt handles.json under a running real VM, then kill -9 of bangerd: after restart the VM is running and reachable, or stopped with nothing leaked', { timeout: 600_000 }, async () => {
    const name = 'bad-handles';
    const created = await rig.cli(['vm', 'create', '--name', name, '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    const vm = jsonData(created.stdout) as VMRecord;
    await rig.kill9();
    writeFileSync(handlesPath(rig.layout, vm.id), '{"pid": "not a number", ');
    count('faultsInjected', 2, 'corrupt handles.json under a running real VM + kill -9 of bangerd');
    const after = await rig.settledShow(name, 120_000);
    await runningOrCleanlyStopped(after, 'corrupt handles.json (real VM)');
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
    expect(rig.vmmProcesses()).toEqual([]);
    expect(rig.taps()).toEqual([]);
  });

  it.each([
    // One inode (the root dir) and 64 KiB: no VM dir can be made.
    { what: 'no room for the VM dir', opts: 'size=64k,nr_inodes=1' },
    // Room for the dir and the qcow2 overlay, not for the work disk's ext4 metadata: dies inside mkfs.ext4.
    { what: 'no room for the work disk', opts: 'size=320k' },
  ])('fault: vm create with the VMs directory on a full disk ($what) failed without naming the disk (a bare ENOENT from the QEMU storage port: Node reports ENOSPC so for async recursive mkdir); now it names the disk and leaves no partial VM files, process or tap', { timeout: 300_000 }, async ({ what, opts }) => {
    const vmsDir = rig.layout.vmsDir;
    mkdirSync(vmsDir, { recursive: true });
    expect(readdirSync(vmsDir)).toEqual([]);
    // `ip netns exec` gives bangerd a private copy of the mount table when it starts: stop it so the next one sees the tmpfs.
    expect((await rig.cli(['daemon', 'stop'], { timeoutMs: 60_000 })).code).toBe(0);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${opts},mode=0700`, `bgrel-fullvm-${rig.temp.root.slice(-6)}`, vmsDir], { stdio: 'pipe' });
    try {
      count('faultsInjected', 1, `full disk under vm create (real QEMU storage, ${what})`);
      const r = await rig.cli(['vm', 'create', '--name', 'full-q'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).not.toBe(0);
      const errLines = r.stderr.split('\n').filter((l) => l.startsWith('banger:'));
      expect(errLines, r.stderr).toHaveLength(1);
      console.log(`message: ${errLines[0]} | ${r.stderr.split('\n').find((l) => l.trim().startsWith('hint:'))?.trim() ?? ''}`);
      expect(errLines[0]).toMatch(/no space|ENOSPC|disk/i);
      expect(r.stderr).toContain(vmsDir);
      expect(rig.vmmProcesses()).toEqual([]);
      expect(rig.taps()).toEqual([]);
      const list = jsonData((await rig.cli(['vm', 'list', '--json'])).stdout) as VMRecord[];
      // Either no row, or one in error whose last_error names the disk (the next start retries it).
      for (const v of list) {
        expect(v.state).toBe('error');
        expect(v.runtime.lastError ?? '').toContain(vmsDir);
      }
      // Only that VM's own dir may remain, holding finished files only (disks are made under a temp name, then renamed).
      expect(readdirSync(vmsDir).filter((d) => !list.some((v) => v.id === d))).toEqual([]);
      const partial = execFileSync('find', [vmsDir, '-name', '*.tmp-*'], { encoding: 'utf8' }).trim();
      expect(partial).toBe('');
      // Deleting the failed VM leaves the disk as it was.
      for (const v of list) expect((await rig.cli(['vm', 'delete', '--force', v.name], { timeoutMs: 120_000 })).code).toBe(0);
      expect(readdirSync(vmsDir)).toEqual([]);
      if (what === 'no room for the VM dir') count('defectsFound', 1, 'vm create on a full disk (QEMU/Firecracker storage): bare ENOENT, no disk named (src/vmm/storage.ts)');
    } finally {
      await rig.cli(['vm', 'delete', '--force', 'full-q'], { timeoutMs: 120_000 });
      await rig.cli(['daemon', 'stop'], { timeoutMs: 60_000 });
      execFileSync('umount', ['-l', vmsDir], { stdio: 'pipe' });
    }
  });

  it('vm delete --force of a running VM while vm ssh -- sleep 30 runs on it: ssh ends non-zero promptly, delete succeeds, nothing leaks, the daemon keeps serving', { timeout: 600_000 }, async () => {
    const name = 'delete-under-ssh';
    const created = await rig.cli(['vm', 'create', '--name', name, '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    const vm = jsonData(created.stdout) as VMRecord;
    const ssh = rig.spawn(['vm', 'ssh', name, '--', 'sh', '-c', 'echo started; sleep 30']);
    let out = '';
    let err = '';
    ssh.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    ssh.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const ended = new Promise<{ code: number | null; at: number }>((resolve) => ssh.on('exit', (code) => resolve({ code, at: Date.now() })));
    try {
      for (let i = 0; i < 600 && !out.includes('started'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('started');
      const t0 = Date.now();
      count('faultsInjected', 1, 'vm delete --force under a running vm ssh');
      const del = await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 60_000 });
      expect(del.code, del.stderr).toBe(0);
      const res = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      expect(res, 'vm ssh still running 20 s after the delete').not.toBeNull();
      // The VMM is killed, so the guest never closes the TCP connection: the daemon's transition ends the session.
      expect(res!.code).toBe(255);
      expect(err).toContain(`banger: ${name} is stopping; the SSH session is closed`);
      // Well before the 30 s sleep would have ended on its own.
      expect(res!.at - t0).toBeLessThan(25_000);
    } finally {
      ssh.kill('SIGKILL');
    }
    const list = await rig.cli(['vm', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((jsonData(list.stdout) as VMRecord[]).map((v) => v.name)).not.toContain(name);
    const leaks = await rig.stoppedLeaks(vm);
    tally('vm delete under ssh', [], leaks);
    expect(leaks).toEqual([]);
  });

  it('a deleted image kernel under a stopped VM: vm start fails with one line naming the fix, no daemon crash, VM stopped/error with last_error, nothing leaked', { timeout: 600_000 }, async () => {
    const name = 'lost-kernel';
    const created = await rig.cli(['vm', 'create', '--name', name, '--no-start', '--json'], { timeoutMs: 120_000 });
    expect(created.code, created.stderr).toBe(0);
    const images = jsonData((await rig.cli(['image', 'list', '--json'])).stdout) as { name: string; kernelPath: string; rootfsPath: string }[];
    const image = images.find((i) => i.name === 'default')!;
    const daemonBefore = rig.daemonPid();
    for (const [label, path] of [
      ['kernel', image.kernelPath],
      ['rootfs', image.rootfsPath],
    ] as const) {
      renameSync(path, `${path}.away`);
      try {
        count('faultsInjected', 1, `image ${label} deleted under a VM`);
        const r = await rig.cli(['vm', 'start', name], { timeoutMs: 120_000 });
        expect(r.code, r.stdout).not.toBe(0);
        // Progress lines ("  NAME: starting → storage (0.0s)") come first; then `banger: <error>` and `  hint: <fix>`.
        const errLines = r.stderr.split('\n').filter((l) => l.startsWith('banger:'));
        expect(errLines, r.stderr).toHaveLength(1);
        console.log(`message: ${errLines[0]} | ${r.stderr.split('\n').find((l) => l.trim().startsWith('hint:'))?.trim() ?? ''}`);
        expect(errLines[0]).toContain(path);
        expect(r.stderr).toMatch(/^ {2}hint: .*banger image (build|delete|import)/m);
        const vm = await rig.settledShow(name, 60_000);
        expect(['stopped', 'error']).toContain(vm.state);
        expect(vm.runtime.lastError ?? '').toContain(path);
        const leaks = await rig.stoppedLeaks(vm);
        tally(`image ${label} deleted`, [], leaks);
        expect(leaks).toEqual([]);
      } finally {
        renameSync(`${path}.away`, path);
      }
    }
    expect(rig.daemonPid()).toBe(daemonBefore);
    count('daemonCrashes', daemonBefore !== undefined && isAlive(daemonBefore) ? 0 : 1, daemonBefore !== undefined && isAlive(daemonBefore) ? undefined : 'bangerd died on a deleted image file');
    // With the files back, the VM starts.
    expect((await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
  });

  it('fault: a deleted VM directory under a stopped real VM made the next vm start fail with "host key changed … someone may be intercepting" (banger made the new disks itself); now vm start repairs it with fresh disks, no daemon crash, nothing leaked', { timeout: 600_000 }, async () => {
    const name = 'lost-vmdir';
    const created = await rig.cli(['vm', 'create', '--name', name, '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    expect((await rig.cli(['vm', 'ssh', name, '--', 'true'], { timeoutMs: 120_000 })).code).toBe(0); // pins its host key
    expect((await rig.cli(['vm', 'stop', name], { timeoutMs: 120_000 })).code).toBe(0);
    const vm = jsonData(created.stdout) as VMRecord;
    const daemonBefore = rig.daemonPid();
    rmSync(vm.runtime.vmDir, { recursive: true, force: true });
    count('faultsInjected', 1, 'VM directory deleted under a stopped real VM');
    const r = await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const after = await rig.settledShow(name, 60_000);
    expect(after.state).toBe('running');
    await runningOrCleanlyStopped(after, 'VM directory deleted (repaired)');
    expect(rig.daemonPid()).toBe(daemonBefore);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
    expect(rig.vmmProcesses()).toEqual([]);
    expect(rig.taps()).toEqual([]);
    count('defectsFound', 1, 'a deleted VM dir: the next start failed on the stale host-key pin after banger recreated the disks (src/vmm/storage.ts)');
  });
});

describe.skipIf(skipReason(missing))('image build on a full disk', () => {
  let rig: RealVmRig | undefined;
  let mnt: string | undefined;

  beforeAll(() => ensureDist(), 180_000);
  afterAll(async () => {
    try {
      await rig?.cli(['daemon', 'stop'], { timeoutMs: 30_000 });
    } finally {
      if (mnt) execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
      await rig?.cleanup();
    }
  }, 120_000);

  it('image build into a 12 MiB state disk fails naming the disk, and leaves no image dir, staging or row behind', { timeout: 600_000 }, async () => {
    rig = new RealVmRig();
    // State (the DB, images, VMs) on a small tmpfs of its own; the kernel cache stays shared (cached .deb, so no network needed).
    mnt = rig.temp.env.XDG_STATE_HOME!;
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m,mode=0700', `bgrel-fullimg-${rig.temp.root.slice(-6)}`, mnt], { stdio: 'pipe' });
    count('faultsInjected', 1, 'full disk under image build');
    const r = await rig.cli(['image', 'build', '--profile', 'minimal', '--name', 'too-big'], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).not.toBe(0);
    const errLines = r.stderr.trim().split('\n').filter((l) => /^banger:/.test(l));
    expect(errLines, r.stderr).toHaveLength(1);
    console.log(`message: ${errLines[0]} | ${r.stderr.split('\n').find((l) => l.trim().startsWith('hint:'))?.trim() ?? ''}`);
    expect(errLines[0]).toMatch(/no space|ENOSPC|disk.*full|full/i);
    expect(r.stderr).toContain(mnt);
    const images = await rig.cli(['image', 'list', '--json']);
    expect(images.code, images.stderr).toBe(0);
    expect(jsonData(images.stdout)).toEqual([]);
    const imagesDir = rig.layout.imagesDir;
    expect(existsSync(imagesDir) ? readdirSync(imagesDir) : []).toEqual([]);
    // Nothing else the build wrote is left on the disk: only the DB (and its WAL files) and empty dirs.
    const files = execFileSync('find', [mnt, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.filter((f) => !/state\.db|\.sqlite|\.db(-wal|-shm)?$|\.log$/.test(f))).toEqual([]);
  });
});
