/**
 * Pan/zoom math for the machines canvas, pure. A view maps world to screen:
 * screen = world * k + (x, y).
 */
export interface View {
  x: number;
  y: number;
  k: number;
}
export interface Size {
  width: number;
  height: number;
}
export interface Point {
  x: number;
  y: number;
}

export const MIN_K = 0.1;
export const MAX_K = 4;
/** One zoom button press or wheel notch. */
export const STEP = 1.25;

export const clampK = (k: number): number => Math.min(MAX_K, Math.max(MIN_K, k));

/** The view that shows all of `content` centred in `viewport` with `pad` px around; never enlarges past 1.5×. */
export function fit(content: Size, viewport: Size, pad = 16): View {
  if (content.width <= 0 || content.height <= 0 || viewport.width <= 0 || viewport.height <= 0) return { x: 0, y: 0, k: 1 };
  const k = clampK(Math.min((viewport.width - 2 * pad) / content.width, (viewport.height - 2 * pad) / content.height, 1.5));
  return { k, x: (viewport.width - content.width * k) / 2, y: (viewport.height - content.height * k) / 2 };
}

/** Zoom by `factor` keeping the screen point `at` over the same world point. */
export function zoomAt(v: View, factor: number, at: Point): View {
  const k = clampK(v.k * factor);
  const r = k / v.k;
  return { k, x: at.x - (at.x - v.x) * r, y: at.y - (at.y - v.y) * r };
}

export const pan = (v: View, dx: number, dy: number): View => ({ ...v, x: v.x + dx, y: v.y + dy });

export const toWorld = (v: View, p: Point): Point => ({ x: (p.x - v.x) / v.k, y: (p.y - v.y) / v.k });

/** A wheel's deltaY as a zoom factor: one notch (≈100px) is one STEP, trackpads' small deltas zoom smoothly. */
export const wheelFactor = (deltaY: number): number => Math.pow(STEP, -Math.max(-3, Math.min(3, deltaY / 100)));

/**
 * Places boxes (machine graphs) in rows so the whole is about as wide for its
 * height as the viewport: tries each row width and keeps the one whose fit
 * scale is largest. Returns each box's offset and the total size.
 */
export function arrange(boxes: Size[], viewport: Size, gap = 32): { at: Point[]; size: Size } {
  if (boxes.length === 0) return { at: [], size: { width: 0, height: 0 } };
  const shelf = (maxRow: number): { at: Point[]; size: Size } => {
    const at: Point[] = [];
    let x = 0;
    let y = 0;
    let rowH = 0;
    let width = 0;
    for (const b of boxes) {
      if (x > 0 && x + b.width > maxRow) {
        y += rowH + gap;
        x = 0;
        rowH = 0;
      }
      at.push({ x, y });
      x += b.width + gap;
      rowH = Math.max(rowH, b.height);
      width = Math.max(width, x - gap);
    }
    return { at, size: { width, height: y + rowH } };
  };
  const widest = Math.max(...boxes.map((b) => b.width));
  const total = boxes.reduce((n, b) => n + b.width + gap, 0);
  let best = shelf(total);
  const scale = (c: Size): number => Math.min(viewport.width / c.width, viewport.height / c.height);
  let bestK = scale(best.size);
  // Candidate row widths, from one box per row to all in one row.
  for (let w = widest; w < total; w += Math.max(40, (total - widest) / 40)) {
    const cand = shelf(w);
    const k = scale(cand.size);
    if (k > bestK + 1e-9) {
      best = cand;
      bestK = k;
    }
  }
  return best;
}
