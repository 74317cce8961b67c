import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { edgeLabel, graphToMermaid, machineToGraph } from '../../../machines/graph.js';

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
});
