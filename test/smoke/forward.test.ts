/**
 * Port forwarding with real VMs (issue 17): a guest HTTP server reached from
 * the host through a forward, also after bangerd is killed with -9; `-p` on
 * `vm run`; a UDP forward. Clients run inside the rig's namespace, where
 * bangerd (and so the forward's 127.0.0.1) lives.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortRow } from '../../src/model/index.js';
import { randomSuffix } from '../helpers/host-caps.js';
import { REPO_ROOT, waitFor, waitGone } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'curl', 'socat', 'gcc'));

describe.skipIf(skipReason(missing))('smoke: port forwards to real VMs', () => {
  let rig: SmokeRig;
  const name = `sfw-${randomSuffix(4)}`;
  let udpEcho = '';

  /** curl in the rig's namespace: the body, or null when nothing answers. */
  const fetchIn = (url: string): string | null => {
    try {
      return rig.netns.exec('curl', ['-s', '--fail', '--max-time', '5', url]);
    } catch {
      return null;
    }
  };
  const until = async (ok: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 300))) if (ok()) return true;
    return ok();
  };

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgsf-', netnsTag: 'sfwd' });
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
    // The minimal guest's busybox has no UDP server: an 840-byte static echo server goes in instead,
    // small enough for one command line (dropbear refuses long ones with "Unable to exec").
    const bin = join(rig.temp.root, 'udp-echo');
    execFileSync('gcc', ['-static', '-nostdlib', '-Os', '-s', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-Wl,--build-id=none', '-Wl,-n', '-o', bin, join(REPO_ROOT, 'test/fixtures/udp-echo.c')]);
    udpEcho = readFileSync(bin).toString('base64');
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  it('a guest HTTP server through a forward, listed by vm ports, still reachable after bangerd is killed with -9', async () => {
    const created = await rig.cli(['vm', 'create', '--name', name], { timeoutMs: 300_000 });
    expect(created.code, rig.why(created)).toBe(0);
    const httpd = await rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', 'mkdir -p /tmp/www && echo hello-forward > /tmp/www/index.html && busybox httpd -p 8080 -h /tmp/www'], { timeoutMs: 120_000 });
    expect(httpd.code, rig.why(httpd)).toBe(0);

    const fwd = await rig.cli(['vm', 'forward', name, '18080:8080']);
    expect(fwd.code, rig.why(fwd)).toBe(0);
    expect(await until(() => fetchIn('http://127.0.0.1:18080/') === 'hello-forward\n', 30_000)).toBe(true);

    const ports = await rig.cli(['vm', 'ports', name, '--json'], { timeoutMs: 60_000 });
    expect(ports.code, rig.why(ports)).toBe(0);
    expect((jsonData(ports.stdout) as PortRow[]).find((r) => r.port === 8080)).toMatchObject({
      proto: 'http',
      endpoint: `http://${name}.vm:8080/`,
      forward: '127.0.0.1:18080',
      forwardEndpoint: 'http://127.0.0.1:18080/',
    });
    const table = await rig.cli(['vm', 'ports', name], { timeoutMs: 60_000 });
    expect(table.stdout).toMatch(/^PROTO\s+ENDPOINT\s+FORWARD\s+PROCESS\s+COMMAND/m);
    expect(table.stdout).toMatch(new RegExp(`http://${name}\\.vm:8080/\\s+http://127\\.0\\.0\\.1:18080/`));

    const pid = rig.daemonPid();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    expect(await waitGone(pid!, 5000)).toBe(true);
    expect(fetchIn('http://127.0.0.1:18080/')).toBeNull();
    // Any command brings bangerd back; reconcile re-adopts the VM and its forward comes back up.
    const list = await rig.cli(['vm', 'forward', 'list', name, '--json'], { timeoutMs: 120_000 });
    expect(list.code, rig.why(list)).toBe(0);
    expect(await until(() => fetchIn('http://127.0.0.1:18080/') === 'hello-forward\n', 60_000), rig.why(list)).toBe(true);
  }, 600_000);

  it('a UDP forward: each reply comes back to the client that asked', async () => {
    const start = await rig.cli(
      ['vm', 'ssh', name, '--', 'sh', '-c', `echo ${udpEcho} | base64 -d > /tmp/udp-echo && chmod +x /tmp/udp-echo && (setsid /tmp/udp-echo 9999 </dev/null >/dev/null 2>&1 &)`],
      { timeoutMs: 120_000 },
    );
    expect(start.code, rig.why(start)).toBe(0);
    const fwd = await rig.cli(['vm', 'forward', name, '15353:9999', '--udp']);
    expect(fwd.code, rig.why(fwd)).toBe(0);
    const ask = (text: string) => {
      try {
        return rig.netns.exec('sh', ['-c', `printf ${text} | socat -T3 - UDP:127.0.0.1:15353`]);
      } catch {
        return null;
      }
    };
    expect(await until(() => ask('ping') === 'echo:ping', 30_000)).toBe(true);
    expect(ask('pong')).toBe('echo:pong');
  }, 300_000);

  it('-p on vm run: the forward is up while the command runs and gone with the --rm VM', async () => {
    const runName = `sfr-${randomSuffix(4)}`;
    const child = rig.spawn([
      'vm', 'run', '--rm', '--name', runName, '-p', '18081:8080', '--',
      'sh', '-c', 'mkdir -p /tmp/www && echo from-run > /tmp/www/index.html && busybox httpd -p 8080 -h /tmp/www && sleep 25',
    ]);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      expect(await until(() => fetchIn('http://127.0.0.1:18081/') === 'from-run\n', 240_000), out).toBe(true);
      expect(await exited, out).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(fetchIn('http://127.0.0.1:18081/')).toBeNull();
    const list = jsonData((await rig.cli(['vm', 'forward', 'list', '--json'])).stdout) as { vmName: string }[];
    expect(list.map((f) => f.vmName)).not.toContain(runName);
    expect(await waitFor(() => rig.vmmProcesses().length === 1, 30_000)).toBe(true);
  }, 600_000);
});
