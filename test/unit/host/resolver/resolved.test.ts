import { describe, expect, it } from 'vitest';
import { createRecordingRunner } from '../../../../src/host/exec/index.js';
import { buildRouteCommands, detectResolved, manualQueryHint, routeVmDomain, unrouteVmDomain } from '../../../../src/host/resolver/index.js';

const probe = (paths: string[]) => ({ exists: (p: string) => paths.includes(p) });
const both = probe(['/run/systemd/system', '/run/systemd/resolve/io.systemd.Resolve']);

describe('systemd-resolved routing', () => {
  it('detects systemd as PID 1 and resolved running, naming what is missing', () => {
    expect(detectResolved(both)).toEqual({ available: true });
    expect(detectResolved(probe([]))).toMatchObject({ available: false, reason: expect.stringMatching(/systemd is not the init system/) });
    expect(detectResolved(probe(['/run/systemd/system']))).toMatchObject({ available: false, reason: expect.stringMatching(/resolved is not running/) });
  });

  it('builds resolvectl calls routing only ~vm to the bridge', async () => {
    expect(buildRouteCommands('br-banger', '172.16.0.1:5353')).toEqual([
      ['dns', 'br-banger', '172.16.0.1:5353'],
      ['domain', 'br-banger', '~vm'],
      ['default-route', 'br-banger', 'false'],
    ]);
    const runner = createRecordingRunner();
    await routeVmDomain(runner, 'br-banger', '172.16.0.1:5353', both);
    expect(runner.calls.map((c) => c.cmd)).toEqual(['resolvectl', 'resolvectl', 'resolvectl']);
    await unrouteVmDomain(runner, 'br-banger', both);
    expect(runner.calls.at(-1)).toEqual({ cmd: 'resolvectl', args: ['revert', 'br-banger'] });
  });

  it('without resolved changes nothing and says how to query directly', async () => {
    const runner = createRecordingRunner();
    await expect(routeVmDomain(runner, 'br-banger', '172.16.0.1:5353', probe([]))).rejects.toMatchObject({ code: 'resolver.unavailable', hint: manualQueryHint('172.16.0.1:5353') });
    expect(await unrouteVmDomain(runner, 'br-banger', probe([]))).toEqual({ unrouted: false });
    expect(runner.calls).toEqual([]);
    expect(manualQueryHint('172.16.0.1:5353')).toContain('dig @172.16.0.1 -p 5353 NAME.vm');
  });
});
