import { describe, expect, it } from 'vitest';
import { HostError } from '../../../../src/errors/index.js';
import { assertUnshareReady, parseSubids, unshareProblems, type UnshareFacts } from '../../../../src/images/debian/unshare.js';

const ready: UnshareFacts = {
  user: 'alice',
  mmdebstrap: true,
  newuidmap: true,
  newgidmap: true,
  subuid: { start: 100000, count: 65536 },
  subgid: { start: 100000, count: 65536 },
};

describe('parseSubids', () => {
  it("takes the user's first line, by name as mmdebstrap does", () => {
    const text = 'bob:100000:65536\nalice:165536:65536\nalice:300000:65536\n1001:400000:65536\n';
    expect(parseSubids(text, 'alice')).toEqual({ start: 165536, count: 65536 });
    expect(parseSubids(text, 'carol')).toBeUndefined();
    expect(parseSubids('', 'alice')).toBeUndefined();
    expect(parseSubids('alice:x:65536\n', 'alice')).toBeUndefined();
  });
});

describe('unshareProblems', () => {
  it('nothing in the way', () => {
    expect(unshareProblems(ready)).toEqual([]);
    expect(() => assertUnshareReady(ready)).not.toThrow();
  });

  it('names each missing part with its own fix', () => {
    expect(unshareProblems({ ...ready, mmdebstrap: false })).toEqual([{ what: 'mmdebstrap is not installed', fix: 'apt-get install mmdebstrap' }]);
    expect(unshareProblems({ ...ready, newgidmap: false })).toEqual([{ what: 'newuidmap/newgidmap are not installed', fix: 'apt-get install uidmap' }]);
    const { subuid: _u, ...noSubuid } = ready;
    expect(unshareProblems(noSubuid)).toEqual([
      { what: 'alice has no range of 65536 ids in /etc/subuid', fix: 'usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice (as root)' },
    ]);
    expect(unshareProblems({ ...ready, subuid: { start: 1, count: 1000 }, subgid: { start: 1, count: 10 } })[0]!.what).toBe('alice has no range of 65536 ids in /etc/subuid and /etc/subgid');
    expect(unshareProblems({ ...ready, userns: { why: 'no userns', fix: 'sysctl x' } })).toEqual([{ what: 'no userns', fix: 'sysctl x' }]);
  });

  it('assertUnshareReady throws one line naming everything, and a hint with every fix', () => {
    const err = (() => {
      try {
        assertUnshareReady({ ...ready, mmdebstrap: false, newuidmap: false, subgid: undefined });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).message).toBe('the debian profile cannot build as alice: mmdebstrap and newuidmap/newgidmap are not installed; alice has no range of 65536 ids in /etc/subgid');
    expect((err as HostError).hint).toBe(
      'apt-get install mmdebstrap uidmap; usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice (as root); or build --profile minimal, or run bangerd as root',
    );
    expect((err as HostError).message).not.toContain('\n');
  });
});
