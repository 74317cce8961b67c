import { describe, expect, it } from 'vitest';
import { firecrackerSetupProblems, type FsFacts, type FsProbe } from '../../../src/vmm/firecracker/setup-check.js';

const dir = (uid = 0, mode = 0o755, dev = 1): FsFacts => ({ dev, uid, mode: 0o040000 | mode, isFile: false, isDirectory: true, executable: false });
const file = (uid = 0, mode = 0o755): FsFacts => ({ dev: 1, uid, mode: 0o100000 | mode, isFile: true, isDirectory: false, executable: (mode & 0o111) !== 0 });

function probe(files: Record<string, FsFacts>, path: Record<string, string> = {}): FsProbe {
  const all: Record<string, FsFacts> = { '/': dir(), '/usr': dir(), '/usr/local': dir(), '/usr/local/bin': dir(), '/srv': dir(), '/home': dir(), '/home/u': dir(1000), '/tmp': dir(0, 0o1777), ...files };
  return { stat: (p) => all[p], realpath: (p) => (all[p] ? p : undefined), onPath: (c) => path[c] };
}

const base = { jailerChrootBase: '/srv/jailer' };

describe('firecrackerSetupProblems (for doctor)', () => {
  it('nothing to report for a good setup, with or without the jailer', () => {
    expect(firecrackerSetupProblems(base, probe({}, { firecracker: '/usr/bin/firecracker' }))).toEqual([]);
    const p = probe({ '/usr/local/bin/firecracker': file(), '/usr/local/bin/jailer': file() });
    expect(firecrackerSetupProblems({ ...base, firecrackerBin: '/usr/local/bin/firecracker', jailerBin: '/usr/local/bin/jailer' }, p)).toEqual([]);
  });

  it('names a missing or unusable firecracker with its fix', () => {
    const [a] = firecrackerSetupProblems(base, probe({}));
    expect(a).toMatchObject({ id: 'firecracker-binary', severity: 'fail', detail: expect.stringMatching(/not on PATH/), fix: expect.stringMatching(/firecracker_bin/) });
    const [b] = firecrackerSetupProblems({ ...base, firecrackerBin: '/opt/fc' }, probe({}));
    expect(b?.detail).toMatch(/does not exist/);
    const [c] = firecrackerSetupProblems({ ...base, firecrackerBin: '/usr/local/bin/firecracker' }, probe({ '/usr/local/bin/firecracker': file(0, 0o644) }));
    expect(c?.fix).toMatch(/chmod 0755/);
    const [d] = firecrackerSetupProblems({ ...base, firecrackerBin: '/usr/local/bin/fc', jailerBin: '/usr/local/bin/jailer' }, probe({ '/usr/local/bin/fc': file(), '/usr/local/bin/jailer': file() }));
    expect(d?.detail).toMatch(/contains "firecracker"/);
  });

  it('names a jailer root could not trust: absent, not root-owned, group/world-writable, in a user-writable dir', () => {
    const fc = { '/usr/local/bin/firecracker': file() };
    const s = (jailerBin: string) => ({ ...base, firecrackerBin: '/usr/local/bin/firecracker', jailerBin });
    expect(firecrackerSetupProblems(s('/usr/local/bin/jailer'), probe(fc))[0]?.detail).toMatch(/does not exist/);
    expect(firecrackerSetupProblems(s('/usr/local/bin/jailer'), probe({ ...fc, '/usr/local/bin/jailer': file(1000) }))[0]?.detail).toMatch(/owned by uid 1000/);
    expect(firecrackerSetupProblems(s('/usr/local/bin/jailer'), probe({ ...fc, '/usr/local/bin/jailer': file(0, 0o777) }))[0]?.fix).toMatch(/chown root:root/);
    const inHome = firecrackerSetupProblems(s('/home/u/jailer'), probe({ ...fc, '/home/u/jailer': file() }))[0];
    expect(inHome).toMatchObject({ id: 'jailer-binary', detail: expect.stringMatching(/\/home\/u .*writable/) });
  });

  it('names a chroot base that is not root-owned, or inside a user-writable dir; an absent one is fine', () => {
    const ok = { '/usr/local/bin/firecracker': file(), '/usr/local/bin/jailer': file() };
    const s = (jailerChrootBase: string) => ({ jailerChrootBase, firecrackerBin: '/usr/local/bin/firecracker', jailerBin: '/usr/local/bin/jailer' });
    expect(firecrackerSetupProblems(s('/srv/jailer'), probe(ok))).toEqual([]);
    expect(firecrackerSetupProblems(s('/srv/jailer'), probe({ ...ok, '/srv/jailer': dir(1000) }))[0]?.id).toBe('jailer-chroot-base');
    expect(firecrackerSetupProblems(s('/tmp/jail'), probe(ok))[0]?.detail).toMatch(/inside \/tmp/);
    // On another filesystem than the state dir: works, with bind mounts and copied snapshots.
    const other = firecrackerSetupProblems({ ...s('/srv/jailer'), stateDir: '/home/u/.local/state/banger' }, probe({ ...ok, '/srv': dir(0, 0o755, 2) }));
    expect(other).toEqual([expect.objectContaining({ id: 'jailer-chroot-base', severity: 'warn', detail: expect.stringMatching(/bind mounted/) })]);
    expect(firecrackerSetupProblems({ ...s('/srv/jailer'), stateDir: '/home/u/.local/state/banger' }, probe(ok))).toEqual([]);
    // Without a jailer the base is not looked at.
    expect(firecrackerSetupProblems({ jailerChrootBase: '/tmp/jail', firecrackerBin: '/usr/local/bin/firecracker' }, probe(ok))).toEqual([]);
  });
});
