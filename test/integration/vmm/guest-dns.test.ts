/**
 * Guest DNS, NAT and NAME.vm on the host, with a real QEMU VM (minimal image)
 * under a real bangerd started by the CLI inside a throwaway namespace.
 *
 *   outside netns  198.51.100.1/24 (+ .53 DNS for outside.test, + .80 HTTP)
 *        │ veth
 *   daemon netns   198.51.100.2/24, default route via .1; bangerd, br-banger 172.16.0.1/24
 *        │ tap
 *   guest          172.16.0.x, resolv.conf → 172.16.0.1 (port 53 redirected to bangerd's 5353)
 *
 * bangerd has default_dns = the outside DNS, so a --nat guest resolves
 * www.outside.test through bangerd and fetches a page through NAT; traffic
 * never leaves the two namespaces. From the daemon's namespace ("the host")
 * NAME.vm resolves through its hosts file and a web server in the guest
 * opens by name. After delete and daemon stop that hosts file is
 * byte-identical to before.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VMRecord } from '../../../src/model/index.js';
import { CLI_MAIN, REPO_ROOT, waitFor, waitGone } from '../../helpers/rig.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../../helpers/vmm-capabilities.js';
import { SmokeRig } from '../../smoke/smoke-rig.js';
import { jsonData } from '../../helpers/cli-json.js';

const missing = firstMissing(
  missingRoot(),
  missingTun(),
  existsSync(CLI_MAIN) ? undefined : 'needs dist/ (npm run build)',
  missingBinaries('ip', 'iptables', 'qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox', 'getent', 'curl'),
);

const OUTSIDE_GW = '198.51.100.1';
const DAEMON_SIDE = '198.51.100.2';
const OUTSIDE_DNS = '198.51.100.53';
const OUTSIDE_HTTP = '198.51.100.80';
const OUTSIDE_NAME = 'www.outside.test';
const GATEWAY = '172.16.0.1'; // bridge_cidr default
const VM = 'gdns';

describe.skipIf(skipReason(missing))('a --nat guest resolves and reaches the outside through bangerd; the host reaches NAME.vm', () => {
  let rig: SmokeRig;
  let outside: TestNetns;
  let world: ChildProcess | undefined;
  const worldOut: string[] = [];
  let hostsBefore = '';
  let vm: VMRecord;

  const inDaemonNs = (cmd: string, args: string[], timeout = 30_000) =>
    execFileSync('ip', ['netns', 'exec', rig.netns.name, cmd, ...args], { encoding: 'utf8', stdio: 'pipe', timeout });
  const queries = () => worldOut.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { query?: string; ready?: boolean });
  const ssh = async (cmd: string[], timeoutMs = 60_000) => rig.cli(['vm', 'ssh', VM, '--', ...cmd], { timeoutMs });

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bggd-', netnsTag: 'gdns', extraConfig: [`default_dns = ["${OUTSIDE_DNS}"]`, 'stats_poll_interval = "0"', 'tap_pool_size = 1'] });
    outside = createTestNetns('gout');
    hostsBefore = readFileSync(rig.netns.hostsFile, 'utf8');
    // The kernel comes from the shared cache (or apt, with the host's network); then the daemon stops.
    const built = await rig.buildDefaultImage();
    if (built.code !== 0) throw new Error(`image build failed: ${built.stderr}`);

    // A veth between the two namespaces only: neither end ever exists in the host's namespace.
    const sfx = randomBytes(3).toString('hex');
    const inner = `gdi${sfx}`;
    const outer = `gdo${sfx}`;
    execFileSync('ip', ['link', 'add', 'name', inner, 'netns', rig.netns.name, 'type', 'veth', 'peer', 'name', outer, 'netns', outside.name], { stdio: 'pipe' });
    for (const a of [`${OUTSIDE_GW}/24`, `${OUTSIDE_DNS}/24`, `${OUTSIDE_HTTP}/24`]) outside.exec('ip', ['addr', 'add', a, 'dev', outer]);
    outside.exec('ip', ['link', 'set', outer, 'up']);
    inDaemonNs('ip', ['addr', 'add', `${DAEMON_SIDE}/24`, 'dev', inner]);
    inDaemonNs('ip', ['link', 'set', inner, 'up']);
    inDaemonNs('ip', ['route', 'add', 'default', 'via', OUTSIDE_GW]);

    world = spawn('ip', ['netns', 'exec', outside.name, process.execPath, join(REPO_ROOT, 'test/fixtures/outside-world.mjs'), OUTSIDE_DNS, OUTSIDE_HTTP, OUTSIDE_NAME], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    world.stdout?.setEncoding('utf8').on('data', (d: string) => worldOut.push(d));
    if (!(await waitFor(() => queries().some((q) => q.ready), 15_000))) throw new Error('the outside world did not come up');
  }, 900_000);

  afterAll(async () => {
    if (world?.pid) {
      world.kill('SIGKILL');
      await waitGone(world.pid, 5000);
    }
    await rig?.cleanup();
    outside?.delete();
  }, 180_000);

  it('creates a --nat VM: ip_forward comes on in the daemon namespace and the guest points its resolver at the gateway', async () => {
    const forwardBefore = inDaemonNs('sysctl', ['-n', 'net.ipv4.ip_forward']).trim();
    const created = await rig.cli(['vm', 'create', '--name', VM, '--nat', '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    vm = jsonData(created.stdout) as VMRecord;
    expect(vm.state).toBe('running');
    expect(forwardBefore).toBe('0'); // a fresh namespace starts with forwarding off...
    expect(inDaemonNs('sysctl', ['-n', 'net.ipv4.ip_forward']).trim()).toBe('1'); // ...and nat.up turned it on
    const resolv = await ssh(['cat', '/etc/resolv.conf']);
    expect(resolv.code, resolv.stderr).toBe(0);
    expect(resolv.stdout).toBe(`nameserver ${GATEWAY}\n`);
  }, 360_000);

  it('the guest resolves an outside name through bangerd (forwarded to default_dns) and fetches a page through NAT', async () => {
    // No -T: Debian's static busybox 1.35 wget segfaults with it (on the host too).
    const page = await ssh(['wget', '-qO-', `http://${OUTSIDE_NAME}/`], 90_000);
    expect(page.stderr).toBe('');
    expect(page).toMatchObject({ code: 0, stdout: 'hello from the outside world\n' });
    // The question reached the outside DNS server: bangerd forwarded it there.
    expect(queries().some((q) => q.query === OUTSIDE_NAME)).toBe(true);
    // NAME.vm from inside the guest, through the same resolver (answered by bangerd itself).
    const self = await ssh(['nslookup', `${VM}.vm`], 60_000);
    expect(self.code, self.stderr).toBe(0);
    expect(self.stdout).toContain(vm.runtime.guestIP);
  }, 180_000);

  it('on the host side, getent resolves NAME.vm and a web server in the guest opens by name', async () => {
    expect(inDaemonNs('getent', ['hosts', `${VM}.vm`])).toMatch(new RegExp(`^${vm.runtime.guestIP.replace(/\./g, '\\.')}\\s+${VM}\\.vm`));
    const serve = await ssh(['sh', '-c', 'mkdir -p /root/www && echo served-by-the-guest > /root/www/index.html && busybox httpd -p 8080 -h /root/www']);
    expect(serve.code, serve.stderr).toBe(0);
    let body = '';
    for (let i = 0; i < 40 && body !== 'served-by-the-guest\n'; i++) {
      try {
        body = inDaemonNs('curl', ['-sS', '--max-time', '5', `http://${VM}.vm:8080/`], 15_000);
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(body).toBe('served-by-the-guest\n');
    // vm ports offers the same address as a URL.
    let rows: { endpoint: string; proto: string }[] = [];
    for (let i = 0; i < 20 && !rows.some((r) => r.endpoint === `http://${VM}.vm:8080/`); i++) {
      const ports = await rig.cli(['vm', 'ports', VM, '--json'], { timeoutMs: 60_000 });
      expect(ports.code, ports.stderr).toBe(0);
      rows = jsonData(ports.stdout) as typeof rows;
      if (!rows.some((r) => r.endpoint === `http://${VM}.vm:8080/`)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows.find((r) => r.endpoint === `http://${VM}.vm:8080/`)).toMatchObject({ proto: 'http' });
  }, 180_000);

  it('after delete and daemon stop, the hosts file is byte-identical to before and no banger rule is left', async () => {
    const del = await rig.cli(['vm', 'delete', '--force', VM], { timeoutMs: 120_000 });
    expect(del.code, del.stderr).toBe(0);
    expect((await rig.cli(['daemon', 'stop'], { timeoutMs: 60_000 })).code).toBe(0);
    expect(readFileSync(rig.netns.hostsFile, 'utf8')).toBe(hostsBefore);
    expect(inDaemonNs('iptables-save', []).split('\n').filter((l) => l.includes('banger:'))).toEqual([]);
  }, 180_000);
});
