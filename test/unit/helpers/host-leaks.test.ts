import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeLeaks, listHostsFileBlocks, newResources } from '../../helpers/host-leaks.js';

describe('leak diff', () => {
  it('counts only resources that appeared after the snapshot', () => {
    const before = { links: ['bgtap0'], netns: ['banger-x'], iptables: [], loops: [], tunAcl: [] };
    const after = { links: ['bgtap0', 'bgtap9'], netns: [], iptables: ['-A FORWARD banger:1'], loops: [], tunAcl: [] };
    const d = newResources(before, after);
    expect(d).toEqual({ links: ['bgtap9'], netns: [], iptables: ['-A FORWARD banger:1'], loops: [], tunAcl: [], hostsBlocks: [], netnsEtc: [] });
    expect(describeLeaks(d)).toBe('links: bgtap9; iptables: -A FORWARD banger:1');
    expect(describeLeaks(newResources(before, before))).toBeNull();
  });

  it("counts a banger block that appeared in the host hosts file, and a test namespace's /etc/netns dir", () => {
    const before = { links: [], netns: [], iptables: [], loops: [], tunAcl: [], hostsBlocks: ['0123456789ab'], netnsEtc: [] };
    const after = { ...before, hostsBlocks: ['0123456789ab', 'ba9876543210'], netnsEtc: ['banger-smoke-abc123'] };
    expect(describeLeaks(newResources(before, after))).toBe('hostsBlocks: ba9876543210; netnsEtc: banger-smoke-abc123');
  });

  it('reads blocks from a hosts file', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'bg-leak-')), 'hosts');
    try {
      writeFileSync(f, '127.0.0.1 localhost\n# >>> banger 0123456789ab >>>\n10.0.0.2 a.vm\n# <<< banger 0123456789ab <<<\n');
      expect(listHostsFileBlocks(f)).toEqual(['0123456789ab']);
      expect(listHostsFileBlocks(join(f, 'missing'))).toEqual([]);
    } finally {
      rmSync(dirname(f), { recursive: true, force: true });
    }
  });
});
