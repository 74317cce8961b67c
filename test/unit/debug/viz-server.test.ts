import { createMachine } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { machineToGraph } from '../../../machines/graph.js';
import { layoutGraph, startVizServer, type VizEvent, type VizServer } from '../../../src/debug/viz/index.js';

const demo = createMachine({
  id: 'vm',
  initial: 'created',
  states: {
    created: { on: { 'vm.start': 'starting' } },
    starting: { initial: 'storage', states: { storage: { on: { ok: 'network' } }, network: {} }, on: { 'vm.stop': 'stopped' } },
    stopped: {},
  },
});

describe('visualizer', () => {
  let server: VizServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('lays out nested states inside their parent', () => {
    const g = layoutGraph(machineToGraph(demo));
    const parent = g.nodes.find((n) => n.id === 'vm.starting')!;
    const child = g.nodes.find((n) => n.id === 'vm.starting.storage')!;
    expect(parent.compound).toBe(true);
    expect(child.x).toBeGreaterThanOrEqual(parent.x);
    expect(child.x + child.width).toBeLessThanOrEqual(parent.x + parent.width + 0.5);
    expect(child.y).toBeGreaterThanOrEqual(parent.y);
    expect(child.initial).toBe(true);
    expect(g.width).toBeGreaterThan(0);
  });

  it('serves the page, graphs, actors and a live SSE transition stream on loopback', async () => {
    let push: ((e: VizEvent) => void) | undefined;
    server = await startVizServer({
      graphs: async () => [machineToGraph(demo)],
      actors: async () => [{ actorId: 'vm:1', machineId: 'vm', label: 'dev', states: ['vm.created'] }],
      subscribe: (fn) => {
        push = fn;
        return () => (push = undefined);
      },
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<title>banger · state machines</title>');
    const graphs = (await (await fetch(`${server.url}api/graphs`)).json()) as Array<{ id: string; nodes: unknown[] }>;
    expect(graphs[0]!.id).toBe('vm');
    const actors = (await (await fetch(`${server.url}api/actors`)).json()) as unknown[];
    expect(actors).toHaveLength(1);

    const res = await fetch(`${server.url}events`);
    const reader = res.body!.getReader();
    const event: VizEvent = { actorId: 'vm:1', machineId: 'vm', label: 'dev', from: ['vm.created'], to: ['vm.starting', 'vm.starting.storage'], event: 'vm.start', at: new Date().toISOString() };
    // Give the server a tick to register the client before pushing.
    await new Promise((r) => setTimeout(r, 50));
    push!(event);
    let text = '';
    while (!text.includes('event: transition')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(`data: ${JSON.stringify(event)}`);
    await reader.cancel();
  });
});
