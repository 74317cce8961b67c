import { describe, expect, it } from 'vitest';
import { arrange, centerOn, clampK, fit, MAX_K, MIN_K, pan, STEP, toWorld, wheelFactor, zoomAt } from '../../../../src/ui/web/panzoom.js';

describe('pan/zoom math', () => {
  it('fits content inside the viewport, centred, with padding', () => {
    const v = fit({ width: 2000, height: 500 }, { width: 1000, height: 800 }, 0);
    expect(v.k).toBeCloseTo(0.5);
    expect(v.x).toBeCloseTo(0);
    expect(v.y).toBeCloseTo((800 - 250) / 2);
    const padded = fit({ width: 2000, height: 500 }, { width: 1000, height: 800 }, 20);
    expect(padded.k).toBeCloseTo(960 / 2000);
  });

  it('does not blow small content up past 1.5×, nor below MIN_K', () => {
    expect(fit({ width: 10, height: 10 }, { width: 1000, height: 1000 }).k).toBe(1.5);
    expect(fit({ width: 1e6, height: 10 }, { width: 100, height: 100 }).k).toBe(MIN_K);
  });

  it('survives an unmeasured viewport', () => {
    expect(fit({ width: 100, height: 100 }, { width: 0, height: 0 })).toEqual({ x: 0, y: 0, k: 1 });
  });

  it('zooms around a point: the world point under it stays put', () => {
    const v = { x: 30, y: -20, k: 0.8 };
    const at = { x: 400, y: 300 };
    const before = toWorld(v, at);
    const z = zoomAt(v, STEP, at);
    expect(z.k).toBeCloseTo(0.8 * STEP);
    const after = toWorld(z, at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('clamps the scale, and a clamped zoom does not drift', () => {
    expect(clampK(100)).toBe(MAX_K);
    expect(clampK(0)).toBe(MIN_K);
    const v = { x: 10, y: 10, k: MAX_K };
    expect(zoomAt(v, 2, { x: 500, y: 500 })).toEqual(v);
  });

  it('pans by screen pixels and centres on a world point', () => {
    expect(pan({ x: 1, y: 2, k: 3 }, 10, -5)).toEqual({ x: 11, y: -3, k: 3 });
    const c = centerOn({ x: 100, y: 50 }, { width: 800, height: 600 }, 2);
    expect(c).toEqual({ k: 2, x: 400 - 200, y: 300 - 100 });
  });

  it('turns wheel deltas into bounded zoom factors: down zooms out, up zooms in', () => {
    expect(wheelFactor(100)).toBeCloseTo(1 / STEP);
    expect(wheelFactor(-100)).toBeCloseTo(STEP);
    expect(wheelFactor(10_000)).toBeCloseTo(STEP ** -3);
  });

  it('arranges boxes without overlap, shaped for the viewport', () => {
    const boxes = [
      { width: 600, height: 200 },
      { width: 3800, height: 1400 },
      { width: 700, height: 450 },
      { width: 650, height: 200 },
      { width: 170, height: 100 },
    ];
    const wide = arrange(boxes, { width: 1600, height: 800 });
    const rects = boxes.map((b, i) => ({ ...wide.at[i]!, ...b }));
    for (const a of rects) {
      expect(a.x + a.width).toBeLessThanOrEqual(wide.size.width + 1e-9);
      expect(a.y + a.height).toBeLessThanOrEqual(wide.size.height + 1e-9);
      for (const b of rects) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap).toBe(false);
      }
    }
    // Better than one long row or one tall column for a landscape viewport.
    const scale = (s: { width: number; height: number }): number => Math.min(1600 / s.width, 800 / s.height);
    const row = boxes.reduce((n, b) => n + b.width + 32, -32);
    expect(scale(wide.size)).toBeGreaterThanOrEqual(scale({ width: row, height: 1400 }));
    expect(arrange([], { width: 10, height: 10 })).toEqual({ at: [], size: { width: 0, height: 0 } });
  });
});
