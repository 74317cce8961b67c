import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { edgeLabel, machineToGraph } from '../../../machines/graph.js';
import { graphToMermaid } from '../../../src/cli/commands/debug/mermaid.js';
import { dnsMachine, helperBridgeMachine, supervisorMachine, tapPoolMachine, vmMachine } from '../../../machines/index.js';
import { parseStateDiagram, undeclaredEndpoints } from './mermaid-states.js';

const demo = createMachine({
  id: 'demo',
  initial: 'idle',
  states: {
    idle: { on: { go: 'busy' } },
    busy: {
      initial: 'one',
      states: {
        one: { invoke: { src: 'stepOne', onDone: 'two', onError: '#demo.failed' } },
        two: { on: { next: '#demo.done' } },
      },
    },
    failed: {},
    done: { type: 'final' },
  },
});

describe('machineToGraph', () => {
  it('turns a definition into nested nodes and labelled edges', () => {
    const g = machineToGraph(demo);
    expect(g.id).toBe('demo');
    const busy = g.nodes.find((n) => n.id === 'demo.busy')!;
    expect(busy).toMatchObject({ compound: true, initial: 'demo.busy.one', parent: 'demo' });
    expect(g.nodes.find((n) => n.id === 'demo.busy.one')!.invokes).toEqual(['stepOne']);
    expect(g.nodes.find((n) => n.id === 'demo.done')!.final).toBe(true);
    expect(g.edges).toContainEqual({ source: 'demo.idle', target: 'demo.busy', label: 'go' });
    expect(g.edges.some((e) => e.source === 'demo.busy.one' && e.target === 'demo.failed' && e.label.startsWith('error'))).toBe(true);
  });

  it('renders mermaid', () => {
    const text = graphToMermaid(machineToGraph(demo));
    expect(text.split('\n')[0]).toBe('stateDiagram-v2');
    expect(text).toContain('state "busy" as demo_busy {');
    expect(text).toContain('demo_idle --> demo_busy: go');
  });

  it('shortens invoke event labels', () => {
    expect(edgeLabel('xstate.done.actor.0.vm.starting.storage')).toBe('done vm.starting.storage');
    expect(edgeLabel('xstate.error.actor.createOverlay')).toBe('error createOverlay');
  });

  it('draws root-level transitions from a declared "any state" node, not from the machine id', () => {
    const rooted = createMachine({
      id: 'pool',
      initial: 'idle',
      on: { shutdown: '.closing', poke: {} },
      states: { idle: {}, closing: { type: 'final' } },
    });
    const text = graphToMermaid(machineToGraph(rooted));
    expect(text).toContain('state "any state" as pool__any');
    expect(text).toContain('pool__any --> pool_closing: shutdown');
    expect(text).toContain('pool__any --> pool__any: poke');
    expect(text).not.toMatch(/^\s*pool --> /m);
    expect(undeclaredEndpoints(parseStateDiagram(text))).toEqual([]);
  });

  it('draws a machine without child states as its one state', () => {
    const flat = createMachine({ id: 'flat', on: { ping: {} } });
    const d = parseStateDiagram(graphToMermaid(machineToGraph(flat)));
    expect([...d.states.keys()]).toEqual(['flat']);
    expect(d.edges).toEqual([
      { from: '[*]', to: 'flat', label: '', line: 2 },
      { from: 'flat', to: 'flat', label: 'ping', line: 4 },
    ]);
  });

  it.each([
    ['supervisor', supervisorMachine],
    ['vm', vmMachine],
    ['tap-pool', tapPoolMachine],
    ['dns', dnsMachine],
    ['helper-bridge', helperBridgeMachine],
  ])('%s: every mermaid edge starts and ends at a declared state or [*]', (_name, machine) => {
    const g = machineToGraph(machine);
    const d = parseStateDiagram(graphToMermaid(g));
    expect(undeclaredEndpoints(d)).toEqual([]);
    // Nothing dropped: one mermaid edge per graph edge, plus the [*] markers.
    expect(d.edges.filter((e) => e.from !== '[*]' && e.to !== '[*]')).toHaveLength(g.edges.length);
    // Every non-root state of the definition is declared.
    const safe = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');
    for (const n of g.nodes) if (n.id !== g.root) expect(d.states.has(safe(n.id))).toBe(true);
  });
});
