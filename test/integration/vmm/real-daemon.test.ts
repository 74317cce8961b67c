import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { socketAnswers } from '../../../src/daemon/index.js';
import type { VMRecord } from '../../../src/model/index.js';
import { RpcClient } from '../../../src/rpc/index.js';
import { randomSuffix } from '../../helpers/host-caps.js';
import { waitFor } from '../../helpers/index.js';
import { createTestNetns } from '../../helpers/netns.js';
import { DAEMON_MAIN } from '../../helpers/rig.js';
import { createTempRoot } from '../../helpers/temp-root.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(
  missingRoot(),
  missingTun(),
  existsSync(DAEMON_MAIN) ? undefined : 'needs dist/ (npm run build)',
  missingBinaries('ip', 'ssh', 'qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'),
);

/** Pids whose command line mentions `needle` (our QEMU names its sockets under the temp root). */
function pidsMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The real ports behind the actors: a real bangerd (dist/) with `vmm = "qemu"`
 * inside a throwaway network namespace creates a VM with no image named, so
 * the default image is built on first use (image.progress events), walks the
 * starting substates (storage → network → vmm → guest-ready) with QEMU/TCG,
 * answers OpenSSH with the host key it pinned, then stops and deletes it.
 */
describe.skipIf(skipReason(missing))('bangerd boots a real QEMU VM through the VMM registry', () => {
  const temp = createTempRoot('bgq-');
  // Share the kernel download with the other VM tests.
  temp.env.XDG_CACHE_HOME = process.env.BANGER_TEST_CACHE ?? join(tmpdir(), 'banger-test-cache');
  const layout = temp.layout;
  const netns = createTestNetns('realvm');
  const tag = randomSuffix(5);
  let child: ChildProcess | undefined;
  let client: RpcClient | undefined;

  afterAll(async () => {
    client?.close();
    if (child?.pid) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const pid of pidsMentioning(temp.root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    netns.delete();
    temp.remove();
  }, 60_000);

  it('create (default image built on first use) → running → ssh → stop → delete, leaving no VMM or VM files', async () => {
    mkdirSync(dirname(layout.configFile), { recursive: true });
    writeFileSync(
      layout.configFile,
      [
        'vmm = "qemu"',
        'accel = "tcg"',
        'log_level = "debug"',
        `bridge_name = "br-q${tag}"`,
        `tap_prefix = "bg${tag}"`,
        'bridge_cidr = "10.215.0.1/24"',
        'tap_pool_size = 1',
        'stats_poll_interval = "0"',
        'default_image = "default"',
      ].join('\n'),
    );
    mkdirSync(dirname(layout.daemonLog), { recursive: true });
    const out = openSync(join(temp.root, 'bangerd.out'), 'a');
    child = spawn('ip', ['netns', 'exec', netns.name, process.execPath, DAEMON_MAIN], { env: temp.env, stdio: ['ignore', out, out] });
    const deadline = Date.now() + 20_000;
    while (!(await socketAnswers(layout.daemonSocket, 500))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bangerd did not come up: ${readFileSync(join(temp.root, 'bangerd.out'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    client = await RpcClient.connect(layout.daemonSocket);
    const progress: string[] = [];
    const transitions: string[] = [];
    client.onNotification((m, p) => {
      if (m === 'image.progress') progress.push((p as { step: string }).step);
      if (m === 'vm.transition') transitions.push((p as { state?: string }).state ?? JSON.stringify(p));
    });
    await client.call('events.subscribe', { topics: ['image.progress', 'vm.transition'] });

    const vm: VMRecord = await client.call('vm.create', { name: 'real1', vcpu: 1, memoryMiB: 512, diskSize: '512M' }, { timeoutMs: 400_000 });
    expect(vm.state).toBe('running');
    expect(vm.vmm).toBe('qemu');
    expect(progress).toEqual(expect.arrayContaining(['initramfs', 'rootfs.mkfs', 'done']));
    expect((await client.call('image.list', {})).map((i) => i.name)).toEqual(['default']);

    // OpenSSH, run where the guest network is, accepts the host key bangerd pinned at guest-ready.
    const ssh = spawnSync('ip', [
      'netns', 'exec', netns.name, 'ssh', '-F', '/dev/null', '-i', layout.sshKeyPath,
      '-o', `UserKnownHostsFile=${layout.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
      `root@${vm.runtime.guestIP}`, 'uname -a; df -h /root | tail -1',
    ], { encoding: 'utf8', timeout: 60_000 });
    expect(ssh.stderr).not.toMatch(/WARNING|Host key verification failed/);
    expect(ssh.status).toBe(0);
    expect(ssh.stdout).toMatch(/^Linux real1 /);
    expect(ssh.stdout).toMatch(/\/dev\/vdb\s+4\d\d(\.\d)?M/); // the 512M work disk, grown from the seed

    expect(pidsMentioning(vm.runtime.apiSockPath)).toHaveLength(1);
    const stopped = await client.call('vm.stop', { name: 'real1' }, { timeoutMs: 90_000 });
    expect(stopped.state).toBe('stopped');
    expect(pidsMentioning(vm.runtime.apiSockPath)).toEqual([]);
    expect(existsSync(vm.runtime.systemOverlayPath)).toBe(true); // kept for the next start

    expect(await client.call('vm.delete', { name: 'real1' }, { timeoutMs: 60_000 })).toEqual({ deleted: 'real1' });
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
    expect(readFileSync(layout.knownHostsPath, 'utf8')).not.toContain('real1.vm');
    // Only the pool's one spare tap may remain (tap_pool_size = 1). The stopped VM's tap went back to the pool,
    // which trims itself to size on its own after the reply: wait for that (a loaded host showed 2 for a moment).
    const taps = () => execFileSync('ip', ['-n', netns.name, '-o', 'link', 'show'], { encoding: 'utf8' }).match(new RegExp(`: bg${tag}[^:@]*`, 'g')) ?? [];
    await waitFor(() => taps().length <= 1, 15_000);
    const left = taps();
    expect(left.length, left.join(' ')).toBeLessThanOrEqual(1);
    expect(transitions.length).toBeGreaterThan(0);
  }, 600_000);
});
