import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliRig } from '../../helpers/index.js';

/**
 * The CLI side of banger ssh-proxy. Input errors are reported on stderr before
 * any daemon is contacted; the end-to-end pipe into a running VM is exercised
 * by the smoke suite (it needs a real guest), the byte pipe itself by the unit test.
 */
let rig: CliRig;
beforeEach(() => (rig = new CliRig()));
afterEach(async () => rig.cleanup(), 20_000);

describe('banger ssh-proxy (real CLI)', () => {
  it('a host outside .vm is a one-line usage error on stderr, stdout stays clean, no daemon is started', { timeout: 30_000 }, async () => {
    const r = await rig.cli(['ssh-proxy', 'github.com', '22']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('banger: "github.com" is not a banger VM host name\n  hint: use NAME.vm, e.g. ssh devbox.vm\n');
    expect(existsSync(rig.layout.daemonSocket)).toBe(false);
  });

  it('a bad port is a usage error; missing arguments are commander usage errors', { timeout: 30_000 }, async () => {
    const port = await rig.cli(['ssh-proxy', 'devbox.vm', 'ssh']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('"ssh" is not a TCP port');
    const missing = await rig.cli(['ssh-proxy', 'devbox.vm']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'port'");
    expect(missing.stdout).toBe('');
  });
});
