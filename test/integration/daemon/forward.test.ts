import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardView, VMRecord } from '../../../src/model/index.js';
import { openStore } from '../../../src/store/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, randomSuffix, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { waitFor } from '../../helpers/rig.js';
import { jsonData } from '../../helpers/cli-json.js';

const missing = requiresNetns();

/**
 * Stand-in guests have no network of their own, so the test plays the guest:
 * a second namespace on the VM's bridge (through a veth, where a real VM has
 * its tap) holding the VM's guest IP, with a real server on it. What bangerd's
 * forwarder connects to is a real socket at the guest's address.
 */
const GUEST_SERVER = `
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
const ip = process.argv[2];
createServer((s) => { s.on('error', () => {}); s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\ncontent-type: text/plain\\r\\n\\r\\nhello from ' + ip)); }).listen(8080, ip);
const u = createSocket('udp4');
u.on('message', (m, r) => u.send('echo:' + m, r.port, r.address));
u.bind(9999, ip);
`;
const HOLDER = `import { createServer } from 'node:net'; createServer().listen(Number(process.argv[2]), '127.0.0.1');`;
const UDP_ASK = `
import { createSocket } from 'node:dgram';
const c = createSocket('udp4');
const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, 3000);
c.on('message', (m) => { console.log(String(m)); clearTimeout(t); c.close(); });
c.send(process.argv[3], Number(process.argv[2]), '127.0.0.1');
`;

describe.skipIf(missing !== null)(gated('port forwards in a real bangerd with stand-in VMs', missing), () => {
  let d: NetnsDaemon;
  const children: ChildProcess[] = [];
  const sfx = randomSuffix(4);
  const vmA = `fa-${sfx}`;
  const vmB = `fb-${sfx}`;

  let guest: TestNetns | undefined;
  const inNetns = (script: string, args: string[], netns = d.netns.name): ChildProcess => {
    const file = join(d.temp.root, `${randomSuffix(6)}.mjs`);
    writeFileSync(file, script);
    const c = spawn('ip', ['netns', 'exec', netns, process.execPath, file, ...args], { stdio: 'ignore' });
    children.push(c);
    return c;
  };
  /** curl inside the namespace: the body, or null when nothing answers. */
  const fetchIn = (url: string): string | null => {
    try {
      return d.netns.exec('curl', ['-s', '--max-time', '3', url]);
    } catch {
      return null;
    }
  };
  const udpIn = (port: number, text: string): string | null => {
    const file = join(d.temp.root, 'udp-ask.mjs');
    writeFileSync(file, UDP_ASK);
    try {
      return d.netns.exec(process.execPath, [file, String(port), text]).trim();
    } catch {
      return null;
    }
  };
  const cli = async (...args: string[]) => d.cli(args);
  const forwards = async (name?: string): Promise<ForwardView[]> => jsonData((await cli('vm', 'forward', 'list', ...(name ? [name] : []), '--json')).stdout) as ForwardView[];
  /** A refusal: non-zero, one `banger:` line and a hint, and the forward table exactly as before. */
  const refused = async (args: string[], message: RegExp, code = 1) => {
    const before = await forwards();
    const r = await cli(...args);
    expect(r.code, r.stdout + r.stderr).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^banger: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^ {2}hint: /);
    expect(lines).toHaveLength(2);
    expect(await forwards()).toEqual(before);
  };

  beforeAll(async () => {
    buildDist();
    d = new NetnsDaemon({ tempPrefix: 'bgfwd-', netnsTag: 'fwd' });
    await d.start();
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    guest?.delete();
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  let a: VMRecord;

  it('vm forward: a TCP and a UDP forward reach the server at the guest IP', async () => {
    const created = await cli('vm', 'create', '--name', vmA, '--json');
    expect(created.code, created.stderr).toBe(0);
    a = jsonData(created.stdout) as VMRecord;
    guest = createTestNetns('fwg');
    const veth = `vf${sfx}`;
    d.netns.exec('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', guest.name]);
    d.netns.exec('ip', ['link', 'set', veth, 'master', d.bridge, 'up']);
    guest.exec('ip', ['addr', 'add', `${a.runtime.guestIP}/${d.cidr.split('/')[1]}`, 'dev', 'eth0']);
    guest.exec('ip', ['link', 'set', 'eth0', 'up']);
    inNetns(GUEST_SERVER, [a.runtime.guestIP], guest.name);
    expect(await waitFor(() => fetchIn(`http://${a.runtime.guestIP}:8080/`) !== null, 10_000)).toBe(true);

    const t = await cli('vm', 'forward', vmA, '18080:8080');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain(`127.0.0.1:18080 -> 8080/tcp forwarded to ${vmA} (listening now)`);
    expect(fetchIn('http://127.0.0.1:18080/')).toBe(`hello from ${a.runtime.guestIP}`);

    const u = await cli('vm', 'forward', vmA, '15353:9999', '--udp');
    expect(u.code, u.stderr).toBe(0);
    expect(udpIn(15353, 'ping')).toBe('echo:ping');

    const list = await forwards(vmA);
    expect(list.map((f) => [f.proto, f.hostIp, f.hostPort, f.guestPort, f.active, f.vmName])).toEqual([
      ['udp', '127.0.0.1', 15353, 9999, true, vmA],
      ['tcp', '127.0.0.1', 18080, 8080, true, vmA],
    ]);
  }, 60_000);

  it('bad input: one line with a hint each, nothing recorded', async () => {
    await refused(['vm', 'forward', vmA, 'abc'], /malformed port forward "abc"/, 2);
    await refused(['vm', 'forward', vmA, '70000:80'], /host port 70000 is out of range \(1-65535\)/);
    await refused(['vm', 'forward', vmA, '18081:0'], /guest port 0 is out of range/);
    await refused(['vm', 'forward', vmA, '10.99.99.99:18081:80'], /host address 10\.99\.99\.99 is not an address of this host/);
    await refused(['vm', 'forward', vmA, '18080:9000'], new RegExp(`host port 127\\.0\\.0\\.1:18080/tcp is already forwarded to VM ${vmA} \\(port 8080\\)`));
    // A wildcard bind overlaps the loopback one.
    await refused(['vm', 'forward', vmA, '0.0.0.0:18080:9000'], /already forwarded to VM/);
    const holder = inNetns(HOLDER, ['18090']);
    expect(await waitFor(() => d.netns.exec('ss', ['-ltn']).includes(':18090'), 10_000)).toBe(true);
    // bangerd runs as root here, so /proc shows it the holder (`ip netns exec` execs node: same pid).
    await refused(['vm', 'forward', vmA, '18090:8080'], new RegExp(`host port 127\\.0\\.0\\.1:18090/tcp is in use by node \\(pid ${holder.pid}\\)`));
    await refused(['vm', 'forward', 'delete', vmA, '18099'], /VM fa-\w+ has no tcp forward on host port 18099/);
    await refused(['vm', 'forward', 'nosuchvm', '18085:80'], /nosuchvm/);
  }, 60_000);

  it('-p on vm create: checked before the VM is made, recorded with it, bound once it runs', async () => {
    // The second -p collides with A's forward: no VM B, no forward.
    await refused(['vm', 'create', '--name', vmB, '-p', '18082:8080', '-p', '18080:8080'], /already forwarded to VM/);
    expect((await cli('vm', 'show', vmB)).code).not.toBe(0);
    const r = await cli('vm', 'create', '--name', vmB, '--no-start', '-p', '18083:8080', '-p', '15354:9999/udp');
    expect(r.code, r.stderr).toBe(0);
    expect((await forwards(vmB)).map((f) => [f.proto, f.hostPort, f.active])).toEqual([
      ['udp', 15354, false],
      ['tcp', 18083, false],
    ]);
    expect((await cli('vm', 'start', vmB)).code).toBe(0);
    expect(await waitFor(() => d.netns.exec('ss', ['-ltn']).includes('127.0.0.1:18083'), 10_000)).toBe(true);
    expect((await forwards(vmB)).every((f) => f.active)).toBe(true);
  }, 60_000);

  it('follows the VM: down when it stops, up when it starts again', async () => {
    expect((await cli('vm', 'stop', vmA)).code).toBe(0);
    expect(await waitFor(() => fetchIn('http://127.0.0.1:18080/') === null, 10_000)).toBe(true);
    expect((await forwards(vmA)).map((f) => f.active)).toEqual([false, false]);
    expect((await cli('vm', 'start', vmA)).code).toBe(0);
    expect(await waitFor(() => fetchIn('http://127.0.0.1:18080/') !== null, 10_000)).toBe(true);
  }, 60_000);

  it('restored after bangerd is killed with -9 and started again', async () => {
    await d.kill9();
    expect(fetchIn('http://127.0.0.1:18080/')).toBeNull();
    await d.start();
    expect(await waitFor(() => fetchIn('http://127.0.0.1:18080/') === `hello from ${a.runtime.guestIP}`, 20_000), d.output()).toBe(true);
    expect(udpIn(15353, 'again')).toBe('echo:again');
  }, 60_000);

  it('vm forward delete removes one forward; vm delete removes the rest with the VM', async () => {
    const del = await cli('vm', 'forward', 'delete', vmA, '15353', '--udp');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain(`127.0.0.1:15353 -> 9999/udp of ${vmA} removed`);
    expect(udpIn(15353, 'gone')).toBeNull();
    expect((await cli('vm', 'delete', vmA)).code).toBe(0);
    expect(await waitFor(() => fetchIn('http://127.0.0.1:18080/') === null, 10_000)).toBe(true);
    expect((await forwards()).map((f) => f.vmName)).toEqual([vmB, vmB]);
    // The rows are gone from the database too (cascade), not just hidden.
    const store = openStore(d.layout.dbPath);
    try {
      expect(store.forwards.list().every((f) => f.vmId !== a.id)).toBe(true);
    } finally {
      store.close();
    }
    // And the port is free for anyone.
    expect((await cli('vm', 'forward', vmB, '18080:8080')).code).toBe(0);
  }, 60_000);
});
