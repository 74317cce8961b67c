import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../helpers/build.js';
import { CliRig } from '../../helpers/rig.js';
import { parseStateDiagram, undeclaredEndpoints } from '../../unit/machines/mermaid-states.js';

/** The built CLI prints one well-formed stateDiagram-v2 per machine, as bangerd's debug.machines describes them. */
describe('banger debug machines --format mermaid (built CLI)', () => {
  let rig: CliRig | undefined;
  beforeAll(() => {
    buildDist();
    rig = new CliRig();
  }, 180_000);
  afterAll(async () => {
    await rig?.cleanup();
  });

  it('exits 0 and every edge of every machine joins declared states', async () => {
    const r = await rig!.cli(['debug', 'machines', '--format', 'mermaid'], { timeoutMs: 20_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // Machines are separated by a blank line and each starts with "%% machine: <id>".
    const blocks = r.stdout.trimEnd().split('\n\n');
    const ids = blocks.map((b) => /^%% machine: (\S+)\n/.exec(b)?.[1]);
    expect(ids).toEqual(['supervisor', 'vm', 'tapPool', 'dns', 'helperBridge']);
    for (const block of blocks) {
      const diagram = parseStateDiagram(block.slice(block.indexOf('\n') + 1));
      expect({ block: block.split('\n')[0], bad: undeclaredEndpoints(diagram) }).toEqual({ block: block.split('\n')[0], bad: [] });
      expect(diagram.edges.length).toBeGreaterThan(0);
    }
    // The graphs come from bangerd (auto-started): the CLI never loads the machines itself.
    expect(rig!.daemonPid()).toBeDefined();
  }, 30_000);
});
