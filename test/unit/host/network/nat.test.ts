import { describe, expect, it } from 'vitest';
import { createRecordingRunner } from '../../../../src/host/exec/index.js';
import { buildNatRules, natDown, natUp, parseSavedRules } from '../../../../src/host/network/index.js';

const target = { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' };

describe('NAT rule builder', () => {
  it('builds MASQUERADE + two FORWARD rules, each tagged banger:<ip>', () => {
    const rules = buildNatRules(target);
    expect(rules.map((r) => `${r.table}/${r.chain}`)).toEqual(['nat/POSTROUTING', 'filter/FORWARD', 'filter/FORWARD']);
    for (const r of rules) expect(r.spec.join(' ')).toContain('-m comment --comment banger:172.16.0.2');
    expect(rules[0]?.spec.join(' ')).toBe('-s 172.16.0.2/32 ! -o br-banger -m comment --comment banger:172.16.0.2 -j MASQUERADE');
  });

  it('parses iptables-save lines, quoted comments included', () => {
    const text = '*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 172.16.0.2/32 ! -o br-banger -m comment --comment "banger:172.16.0.2" -j MASQUERADE\nCOMMIT\n';
    expect(parseSavedRules('nat', text)).toEqual([
      { table: 'nat', chain: 'POSTROUTING', args: ['-s', '172.16.0.2/32', '!', '-o', 'br-banger', '-m', 'comment', '--comment', 'banger:172.16.0.2', '-j', 'MASQUERADE'], comment: 'banger:172.16.0.2' },
    ]);
  });
});

describe('NAT apply/remove commands', () => {
  it('up checks each rule and appends only the missing ones', async () => {
    // -C says: first rule present, the others missing.
    let checks = 0;
    const runner = createRecordingRunner((c) => (c.args.includes('-C') ? { exitCode: checks++ === 0 ? 0 : 1 } : {}));
    expect(await natUp(runner, target)).toEqual({ added: 2 });
    expect(runner.calls.filter((c) => c.args.includes('-A')).map((c) => c.args.slice(0, 6).join(' '))).toEqual([
      '-w 5 -t filter -A FORWARD',
      '-w 5 -t filter -A FORWARD',
    ]);
    for (const c of runner.calls) expect(c.cmd).toBe('iptables');
  });

  it('down deletes exactly the rules whose comment matches, using the saved spec', async () => {
    const save = (table: string) =>
      table === 'nat'
        ? '-A POSTROUTING -s 172.16.0.2/32 -m comment --comment banger:172.16.0.2 -j MASQUERADE\n-A POSTROUTING -s 172.16.0.20/32 -m comment --comment banger:172.16.0.20 -j MASQUERADE\n'
        : '-A FORWARD -s 10.0.0.1/32 -j ACCEPT\n';
    const runner = createRecordingRunner((c) => (c.cmd === 'iptables-save' ? { stdout: save(c.args[1] ?? '') } : {}));
    expect(await natDown(runner, target)).toEqual({ removed: 1 });
    const deletes = runner.calls.filter((c) => c.args.includes('-D'));
    expect(deletes).toEqual([{ cmd: 'iptables', args: ['-w', '5', '-t', 'nat', '-D', 'POSTROUTING', '-s', '172.16.0.2/32', '-m', 'comment', '--comment', 'banger:172.16.0.2', '-j', 'MASQUERADE'] }]);
  });
});
