import { describe, expect, it } from 'vitest';
import { parseFormat, run as runMachines } from '../../../../src/cli/commands/debug/machines.js';
import { parsePort } from '../../../../src/cli/serve.js';
import { assertTerminal, tuiCrashError } from '../../../../src/cli/commands/tui/open.js';
import { reportError } from '../../../../src/cli/report-error.js';
import type { CliContext } from '../../../../src/cli/commands/index.js';
import { type BangerError } from '../../../../src/errors/index.js';
import type { MachineGraph } from '../../../../src/model/index.js';
import { machineToGraph } from '../../../../machines/graph.js';
import { dnsMachine, helperBridgeMachine, supervisorMachine, tapPoolMachine, vmMachine } from '../../../../machines/index.js';

// The graphs bangerd's debug.machines answers with.
const cli = {
  daemon: async () => ({
    call: async (method: string) => {
      expect(method).toBe('debug.machines');
      return [supervisorMachine, vmMachine, tapPoolMachine, dnsMachine, helperBridgeMachine].map((m) => machineToGraph(m));
    },
    close: () => undefined,
  }),
} as unknown as CliContext;

describe('banger debug machines', () => {
  it('prints every machine bangerd runs as mermaid by default', async () => {
    const out = await runMachines({ args: [], opts: { format: 'mermaid' }, cli });
    for (const id of ['supervisor', 'vm', 'tapPool', 'dns', 'helperBridge']) expect(out.human).toContain(`%% machine: ${id}\nstateDiagram-v2`);
    expect(out.human).toMatch(/vm_starting_storage/);
  });

  it('prints JSON graphs with nodes and edges', async () => {
    const out = await runMachines({ args: [], opts: { format: 'json' }, cli });
    const graphs = JSON.parse(out.human) as MachineGraph[];
    const vm = graphs.find((g) => g.id === 'vm')!;
    expect(vm.nodes.some((n) => n.id === 'vm.starting' && n.compound)).toBe(true);
    expect(vm.edges.length).toBeGreaterThan(5);
  });

  it('refuses an unknown format with the fix', () => {
    expect(() => parseFormat('xml')).toThrow(/unknown format "xml"/);
    try {
      parseFormat('xml');
    } catch (err) {
      expect((err as BangerError).hint).toBe('use --format mermaid or --format json');
      expect((err as BangerError).exitCode).toBe(2);
    }
  });
});

describe('banger debug viz --port', () => {
  it.each([
    ['0', 0],
    ['8080', 8080],
    [undefined, 0],
  ])('accepts %s', (v, n) => expect(parsePort(v)).toBe(n));
  it.each(['-1', '70000', 'abc', '80.5'])('refuses %s', (v) => expect(() => parsePort(v)).toThrow(/invalid port/));
});

describe('banger tui', () => {
  it('refuses with one line when stdout is not a TTY', () => {
    expect(() => assertTerminal({ stdoutIsTty: false, stdinIsTty: true })).toThrow('the TUI needs an interactive terminal, but stdout is not a TTY');
    expect(() => assertTerminal({ stdoutIsTty: true, stdinIsTty: false })).toThrow(/stdin is not a TTY/);
    expect(() => assertTerminal({ stdoutIsTty: true, stdinIsTty: true })).not.toThrow();
  });
});

describe('a group with a default command', () => {
  const groups = [
    {
      name: 'tui',
      describe: 'g',
      commands: [
        { name: 'open', describe: 'o', isDefault: true, load: async () => ({ describe: 'o', run: async () => ({ data: 'open', human: 'ran open' }) }) },
        { name: 'other', describe: 'x', load: async () => ({ describe: 'x', run: async () => ({ data: 'other', human: 'ran other' }) }) },
      ],
    },
  ];
  const runWith = async (argv: string[]) => {
    const { runCli } = await import('../../../../src/cli/program.js');
    let out = '';
    let err = '';
    const code = await runCli(argv, { env: { HOME: '/nonexistent' }, groups, io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) } });
    return { code, out, err };
  };

  it('runs the default command when the group is given alone', async () => {
    expect(await runWith(['tui'])).toEqual({ code: 0, out: 'ran open\n', err: '' });
  });

  it('still runs a named command of that group', async () => {
    expect(await runWith(['tui', 'other'])).toEqual({ code: 0, out: 'ran other\n', err: '' });
    expect(await runWith(['tui', 'open'])).toEqual({ code: 0, out: 'ran open\n', err: '' });
  });
});

describe('banger tui crash report', () => {
  const crash = (): Error => {
    const err = new Error('cannot read properties of undefined');
    err.stack = 'Error: cannot read properties of undefined\n    at VmTable (tui/components/VmTable.js:12:3)';
    return err;
  };

  it('is one line with a hint, exit 1', () => {
    let stderr = '';
    const code = reportError(tuiCrashError(crash()), { json: false, debug: false }, { stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(code).toBe(1);
    expect(stderr).toBe('banger: the TUI crashed: cannot read properties of undefined\n  hint: this is a bug in banger; rerun with --debug to print the stack\n');
  });

  it('prints the stack of the crash itself with --debug', () => {
    let stderr = '';
    reportError(tuiCrashError(crash()), { json: false, debug: true }, { stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(stderr).toContain('caused by: Error: cannot read properties of undefined\n    at VmTable (tui/components/VmTable.js:12:3)');
  });

  it('takes non-Error throws too', () => {
    expect(tuiCrashError('plain string').message).toBe('the TUI crashed: plain string');
  });
});
