import { describe, expect, it } from 'vitest';
import { parseHelperArgs } from '../../../helper/index.js';

describe('banger-helper flags', () => {
  it('parses a full command line with defaults', () => {
    const c = parseHelperArgs(['--owner-uid', '1000', '--owner-gid', '1000', '--root', '/home/u/.local/state/banger', '--root', '/run/user/1000/banger']);
    expect(c.policy).toEqual({ ownerUid: 1000, ownerGid: 1000, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: ['/home/u/.local/state/banger', '/run/user/1000/banger'] });
    expect(c.socketPath).toBe('/run/banger/helper.sock');
  });

  it('takes the hosts file hosts.sync edits from --hosts-file (default /etc/hosts, through the policy)', () => {
    const base = ['--owner-uid', '1', '--owner-gid', '1', '--root', '/x'];
    expect(parseHelperArgs(base).policy.hostsFile).toBeUndefined();
    expect(parseHelperArgs([...base, '--hosts-file', '/etc/netns/ns1/hosts']).policy.hostsFile).toBe('/etc/netns/ns1/hosts');
  });

  it('takes the jailer chroot base from --jailer-base (none: no jail operations, #19)', () => {
    const base = ['--owner-uid', '1', '--owner-gid', '1', '--root', '/x'];
    expect(parseHelperArgs(base).policy.jailBase).toBeUndefined();
    expect(parseHelperArgs([...base, '--jailer-base', '/srv/jailer']).policy.jailBase).toBe('/srv/jailer');
  });

  it.each([
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/x', '--jailer-base', 'srv/jailer'], /jailer base/],
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/x', '--jailer-base', '/srv/../jailer'], /jailer base/],
    [['--owner-gid', '1', '--root', '/x'], /--owner-uid must be a number/],
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/x', '--bridge', 'banger0'], /bridge name/],
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/x', '--tap-prefix', 'tap'], /tap prefix/],
    [['--owner-uid', '1', '--owner-gid', '1'], /layout root/],
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/'], /absolute and not \//],
    [['--bogus'], /Unknown option/],
    [['--owner-uid', '1', '--owner-gid', '1', '--root', '/x', '--hosts-file', 'hosts'], /absolute file path/],
  ])('rejects %j with a one-line reason', (argv, msg) => {
    expect(() => parseHelperArgs(argv)).toThrow(msg);
  });
});
