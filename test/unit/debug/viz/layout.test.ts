import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { machineToGraph } from '../../../../machines/graph.js';
import { layoutGraph } from '../../../../src/debug/viz/index.js';
import { ROOT_KEY } from '../../../../src/debug/viz/layout.js';

const withRoot = createMachine({
  id: 'pool',
  initial: 'idle',
  on: { shutdown: '.draining', ping: {} },
  states: {
    idle: { on: { go: 'busy', tick: {} } },
    busy: { on: { done: 'idle' } },
    draining: { type: 'final' },
  },
});

describe('layoutGraph', () => {
  it('draws root-level transitions from an "any state" node', () => {
    const g = layoutGraph(machineToGraph(withRoot));
    const root = g.nodes.find((n) => n.id === 'pool')!;
    expect(root).toMatchObject({ root: true, key: ROOT_KEY, compound: false });
    const shutdown = g.edges.find((e) => e.label === 'shutdown')!;
    expect(shutdown).toMatchObject({ source: 'pool', target: 'pool.draining' });
    expect(shutdown.points!.length).toBeGreaterThanOrEqual(2);
    expect(shutdown.labelAt).toBeDefined();
    // Targetless handlers stay as self-loops, without a route.
    expect(g.edges.find((e) => e.label === 'ping')).toMatchObject({ source: 'pool', target: 'pool' });
    expect(g.edges.find((e) => e.label === 'tick')?.points).toBeUndefined();
  });

  it('routes ordinary edges and adds no root node when nothing leaves the root', () => {
    const g = layoutGraph(machineToGraph(createMachine({ id: 'm', initial: 'a', states: { a: { on: { x: 'b' } }, b: {} } })));
    expect(g.nodes.map((n) => n.id).sort()).toEqual(['m.a', 'm.b']);
    const x = g.edges.find((e) => e.label === 'x')!;
    const a = g.nodes.find((n) => n.id === 'm.a')!;
    expect(x.points![0]!.x).toBeGreaterThanOrEqual(a.x);
  });
});
