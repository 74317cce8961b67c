import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decideAccel, probeKvm } from '../../../src/vmm/accel.js';

describe('accelerator decision', () => {
  it.each([
    ['auto', 'usable', 'kvm', /usable; using KVM/],
    ['auto', 'pvm', 'tcg', /kvm_pvm.*hang; using TCG/],
    ['auto', 'absent', 'tcg', /does not exist; using TCG/],
    ['auto', 'no-access', 'tcg', /kvm group/],
    ['tcg', 'usable', 'tcg', /accel = tcg in config/],
    ['kvm', 'pvm', 'kvm', /accel = kvm in config although .*kvm_pvm/],
  ] as const)('%s with %s KVM → %s', (setting, kvm, accel, reason) => {
    const d = decideAccel(setting, kvm);
    expect(d.accel).toBe(accel);
    expect(d.reason).toMatch(reason);
    expect(d.overridden).toBe(setting !== 'auto');
  });
});

describe('probeKvm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banger-accel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports absent when the device is missing or not a character device', async () => {
    expect(await probeKvm({ devKvm: join(dir, 'kvm'), sysModuleDir: dir })).toBe('absent');
    expect(await probeKvm({ devKvm: dir, sysModuleDir: dir })).toBe('absent');
  });
  it('reports pvm when kvm_pvm is loaded', async () => {
    mkdirSync(join(dir, 'mods', 'kvm_pvm'), { recursive: true });
    // /dev/null stands in for a character device.
    expect(await probeKvm({ devKvm: '/dev/null', sysModuleDir: join(dir, 'mods') })).toBe('pvm');
    expect(await probeKvm({ devKvm: '/dev/null', sysModuleDir: dir })).toBe('usable');
  });
});
