import { describe, expect, it } from 'vitest';
import { describeLeaks, newResources } from '../../helpers/host-leaks.js';

describe('leak diff', () => {
  it('counts only resources that appeared after the snapshot', () => {
    const before = { links: ['bgtap0'], netns: ['banger-x'], iptables: [], loops: [], tunAcl: [] };
    const after = { links: ['bgtap0', 'bgtap9'], netns: [], iptables: ['-A FORWARD banger:1'], loops: [], tunAcl: [] };
    const d = newResources(before, after);
    expect(d).toEqual({ links: ['bgtap9'], netns: [], iptables: ['-A FORWARD banger:1'], loops: [], tunAcl: [] });
    expect(describeLeaks(d)).toBe('links: bgtap9; iptables: -A FORWARD banger:1');
    expect(describeLeaks(newResources(before, before))).toBeNull();
  });
});
