import { describe, expect, it } from 'vitest';
import { parseReference } from '../../../../src/images/pull/reference.js';
import { defaultPullName, layerProgress } from '../../../../src/images/pull/service-pull.js';

describe('image pull in the images service', () => {
  it.each([
    ['debian:bookworm', 'debian-bookworm'],
    ['debian', 'debian-latest'],
    ['ghcr.io/o/tool:v1.2', 'tool-v1.2'],
    [`ghcr.io/o/r@sha256:${'0123456789ab'.repeat(5)}abcd`, 'r-0123456789ab'],
    [`quay.io/${'a'.repeat(70)}:t`, 'a'.repeat(63)],
  ])('names %s %s by default', (ref, name) => {
    expect(defaultPullName(parseReference(ref))).toBe(name);
  });

  it('reports each layer at most once per tenth, and its end', () => {
    const steps: string[] = [];
    const report = layerProgress((s, d) => steps.push(`${s} ${d}`));
    const digest = `sha256:${'c'.repeat(64)}`;
    for (let done = 0; done <= 1000; done += 7) report({ digest, done, total: 1000, layer: 0, layers: 2 });
    report({ digest, done: 1000, total: 1000, layer: 0, layers: 2 });
    report({ digest: `sha256:${'d'.repeat(64)}`, done: 0, total: 0, layer: -1, layers: 2 });
    expect(steps).toHaveLength(12);
    expect(steps[0]).toBe(`pull.layer layer 1/2 cccccccccccc 0/1000 bytes`);
    expect(steps[9]).toMatch(/^pull\.layer layer 1\/2 cccccccccccc 9\d\d\/1000 bytes$/);
    expect(steps[10]).toBe(`pull.layer layer 1/2 cccccccccccc 1000/1000 bytes`);
    expect(steps[11]).toBe(`pull.layer config dddddddddddd 0/0 bytes`);
  });
});
