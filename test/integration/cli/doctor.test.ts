import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/doctor/index.js';
import { openStore } from '../../../src/store/index.js';
import { chooseAccel } from '../../../src/vmm/accel.js';
import { CliRig, processesUnder } from '../../helpers/index.js';
import { jsonData } from '../../helpers/cli-json.js';

/** One doctor row as `--json` prints it. */
type Row = CheckResult;

let rig: CliRig;
beforeEach(() => (rig = new CliRig()));
afterEach(async () => rig.cleanup(), 20_000);

const doctor = async (...extra: string[]) => {
  const r = await rig.cli(['doctor', '--json', ...extra]);
  const out = jsonData<{ passed: boolean; checks: Row[] }>(r.stdout);
  return { ...r, ...out, row: (id: string) => out.checks.find((c) => c.id === id)! };
};

describe('banger doctor (real CLI, this host, fresh XDG dirs)', () => {
  it('reports every check; exit code follows the fails; creates no database and starts no daemon', { timeout: 30_000 }, async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(r.checks.map((c) => c.id)).toEqual([
      'architecture', 'accelerator', 'vmm', 'kvm-firecracker', 'kvm-qemu', 'host-tools', 'ip-forward', 'helper', 'tun', 'network', 'database', 'default-image', 'images', 'disk', 'snapshots', 'ssh-include', 'vm-defaults',
    ]);
    for (const c of r.checks) {
      expect(['pass', 'warn', 'fail']).toContain(c.status);
      if (c.status !== 'pass') expect(c.fix, c.id).toBeTruthy();
    }
    expect(r.code).toBe(r.checks.some((c) => c.status === 'fail') ? 1 : 0);
    expect(r.passed).toBe(r.code === 0);

    // The state database is reported missing as a PASS, and doctor did not create it.
    expect(r.row('database')).toMatchObject({ status: 'pass', detail: `no database at ${rig.layout.dbPath} yet (created when the daemon first starts)` });
    expect(existsSync(rig.layout.dbPath)).toBe(false);
    expect(existsSync(rig.layout.stateDir)).toBe(false);
    // No daemon: no socket, no lock, no process pointing into our temp root.
    expect(existsSync(rig.layout.daemonSocket)).toBe(false);
    expect(existsSync(rig.layout.daemonLock)).toBe(false);
    expect(processesUnder(rig.temp.root)).toEqual([]);

    // The accelerator row agrees with the VMM layer's own decision on this host.
    const expected = await chooseAccel('auto');
    expect(r.row('accelerator').facts).toMatchObject({ decision: expected.accel, reason: expected.reason, source: 'probe' });
    expect(r.row('vm-defaults').detail).toMatch(/^vcpu=\d+ \((auto|builtin)\), memory=\d+(\.\d)?[MG] \((auto|builtin)\), disk_size=8G \(builtin\), overlay_size=8G \(builtin\)$/);

    const human = await rig.cli(['doctor']);
    expect(human.code).toBe(r.code);
    expect(human.stdout).toMatch(/^(PASS|WARN|FAIL) {2}architecture/m);
  });

  it.runIf(existsSync('/sys/module/kvm_pvm') && existsSync('/dev/kvm'))(
    'on this kvm_pvm machine: accelerator reports kvm_pvm → TCG with its reason [runs only where kvm_pvm is loaded]',
    { timeout: 30_000 },
    async () => {
      const acc = (await doctor()).row('accelerator');
      expect(acc.status).toBe('warn');
      expect(acc.facts).toEqual({
        decision: 'tcg',
        kvm: 'kvm_pvm',
        reason: '/dev/kvm is provided by kvm_pvm, under which stock guest kernels hang; using TCG (pc machine, slower)',
        source: 'probe',
      });
      expect(acc.detail).toContain('TCG');
      expect(acc.fix).toContain('kvm_pvm hangs stock guest kernels');
    },
  );

  it('an existing database is read, not written; config provenance and a broken config.toml show up', { timeout: 30_000 }, async () => {
    openStore(rig.layout.dbPath).close();
    const files = () => readdirSync(rig.layout.stateDir).sort();
    const before = { names: files(), bytes: readFileSync(rig.layout.dbPath), mtime: statSync(rig.layout.dbPath).mtimeMs };
    mkdirSync(rig.layout.configDir, { recursive: true });
    writeFileSync(rig.layout.configFile, '[vm_defaults]\nvcpu = 2\nmemory = "1G"\n');
    const ok = await doctor();
    expect(ok.row('database')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/schema v\d+, 0 VMs, 0 images$/) });
    expect(ok.row('vm-defaults').detail).toMatch(/^vcpu=2 \(config\), memory=1G \(config\), /);
    // A WAL reader needs SQLite's -shm/-wal companions (empty here); the database file itself is untouched.
    expect(files().filter((f) => !/^banger\.db-(shm|wal)$/.test(f))).toEqual(before.names);
    expect(readFileSync(rig.layout.dbPath).equals(before.bytes)).toBe(true);
    expect(statSync(rig.layout.dbPath).mtimeMs).toBe(before.mtime);

    writeFileSync(rig.layout.configFile, '[vm_defaults]\nvcpus = 2\n');
    const bad = await doctor();
    expect(bad.code).toBe(1);
    expect(bad.passed).toBe(false);
    expect(bad.row('vm-defaults')).toMatchObject({ status: 'fail', detail: expect.stringContaining('unknown key "vm_defaults.vcpus"') });
    const human = await rig.cli(['doctor']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^FAIL {2}VM defaults/m);
    expect(human.stdout).toMatch(/\d+ failed, \d+ warnings$/m);
  });
});
