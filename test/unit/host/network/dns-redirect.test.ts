import { describe, expect, it } from 'vitest';
import { createRecordingRunner } from '../../../../src/host/exec/index.js';
import { buildDnsRedirectRule, dnsRedirectComment, dnsRedirectDown, dnsRedirectUp, listBangerRules, natComment, natDown } from '../../../../src/host/network/index.js';

const target = { bridge: 'br-banger', bridgeIP: '172.16.0.1', port: 5353 };
const saved = (port: number) =>
  `-A PREROUTING -d 172.16.0.1/32 -i br-banger -p udp -m udp --dport 53 -m comment --comment "banger:dns:br-banger" -j REDIRECT --to-ports ${port}\n`;

describe('DNS redirect rule builder', () => {
  it('redirects UDP 53 for the bridge address arriving on the bridge to the port, tagged banger:dns:<bridge>', () => {
    const r = buildDnsRedirectRule(target);
    expect(`${r.table}/${r.chain}`).toBe('nat/PREROUTING');
    expect(r.spec.join(' ')).toBe('-i br-banger -d 172.16.0.1/32 -p udp --dport 53 -m comment --comment banger:dns:br-banger -j REDIRECT --to-ports 5353');
    // Seen by leak checks (banger: prefix), never taken for a guest's NAT rule.
    expect(dnsRedirectComment('br-banger').startsWith('banger:')).toBe(true);
    expect(dnsRedirectComment('br-banger')).not.toBe(natComment('172.16.0.1'));
  });
});

describe('DNS redirect apply/remove commands', () => {
  it('up adds the rule once; a second up with the rule in place adds nothing', async () => {
    let rules = '';
    const runner = createRecordingRunner((c) => {
      if (c.cmd === 'iptables-save') return { stdout: c.args[1] === 'nat' ? rules : '' };
      if (c.args.includes('-C')) return { exitCode: rules ? 0 : 1 };
      if (c.args.includes('-A')) rules = saved(5353);
      return {};
    });
    expect(await dnsRedirectUp(runner, target)).toEqual({ added: 1 });
    expect(runner.calls.filter((c) => c.args.includes('-A')).map((c) => c.args.join(' '))).toEqual([
      '-w 5 -t nat -A PREROUTING -i br-banger -d 172.16.0.1/32 -p udp --dport 53 -m comment --comment banger:dns:br-banger -j REDIRECT --to-ports 5353',
    ]);
    runner.calls.length = 0;
    expect(await dnsRedirectUp(runner, target)).toEqual({ added: 0 });
    expect(runner.calls.some((c) => c.args.includes('-A') || c.args.includes('-D'))).toBe(false);
  });

  it("up replaces a rule a killed daemon left for another port (two would shadow each other)", async () => {
    const runner = createRecordingRunner((c) => {
      if (c.cmd === 'iptables-save') return { stdout: c.args[1] === 'nat' ? saved(40000) : '' };
      if (c.args.includes('-C')) return { exitCode: 1 };
      return {};
    });
    expect(await dnsRedirectUp(runner, target)).toEqual({ added: 1 });
    const writes = runner.calls.filter((c) => c.args.includes('-D') || c.args.includes('-A')).map((c) => c.args[4]);
    expect(writes).toEqual(['-D', '-A']);
    expect(runner.calls.find((c) => c.args.includes('-D'))!.args.slice(-2)).toEqual(['--to-ports', '40000']);
  });

  it('down removes exactly this bridge\'s redirect, whatever its port; natDown never touches it', async () => {
    const nat =
      saved(5353) +
      '-A PREROUTING -d 10.9.0.1/32 -i br-other -p udp -m udp --dport 53 -m comment --comment "banger:dns:br-other" -j REDIRECT --to-ports 5353\n' +
      '-A POSTROUTING -s 172.16.0.2/32 -m comment --comment "banger:172.16.0.2" -j MASQUERADE\n';
    const runner = createRecordingRunner((c) => (c.cmd === 'iptables-save' ? { stdout: c.args[1] === 'nat' ? nat : '' } : {}));
    expect((await listBangerRules(runner)).map((r) => r.comment)).toEqual(['banger:dns:br-banger', 'banger:dns:br-other', 'banger:172.16.0.2']);
    runner.calls.length = 0;
    expect(await dnsRedirectDown(runner, 'br-banger')).toEqual({ removed: 1 });
    const del = runner.calls.filter((c) => c.args.includes('-D'));
    expect(del.map((c) => c.args.join(' '))).toEqual([
      '-w 5 -t nat -D PREROUTING -d 172.16.0.1/32 -i br-banger -p udp -m udp --dport 53 -m comment --comment banger:dns:br-banger -j REDIRECT --to-ports 5353',
    ]);
    runner.calls.length = 0;
    expect(await natDown(runner, { guestIP: '172.16.0.1' })).toEqual({ removed: 0 });
  });
});
