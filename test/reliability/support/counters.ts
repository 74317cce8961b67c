import { appendFileSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';

/**
 * Figures the reliability suite reports at the end of `npm run test:reliability`.
 * Tests append one JSON line per observation to a file the global setup owns
 * (workers are separate processes, so a file is the simplest shared sink).
 */
export const METRICS = {
  faultsInjected: 'faults injected',
  badInputs: 'bad inputs sent',
  concurrentClients: 'concurrent clients',
  vmsLost: 'VMs lost',
  resourcesLeaked: 'resources leaked',
  daemonCrashes: 'daemon crashes',
  helperCrashes: 'helper crashes',
  defectsFound: 'defects found (regression tests)',
} as const;
export type Metric = keyof typeof METRICS;

/** Metrics that must be zero for the run to pass. */
export const MUST_BE_ZERO: readonly Metric[] = ['vmsLost', 'resourcesLeaked', 'daemonCrashes', 'helperCrashes'];

declare module 'vitest' {
  export interface ProvidedContext {
    reliabilityCounters: string;
  }
}

/** Adds `n` to `metric` (with an optional note naming what, for the summary's details). */
export function count(metric: Metric, n = 1, note?: string): void {
  if (n === 0 && note === undefined) return;
  appendFileSync(counterFile(), `${JSON.stringify({ metric, n, ...(note ? { note } : {}) })}\n`);
}

function counterFile(): string {
  // Outside the reliability config (e.g. running one file with the default config) there is no sink: use a scratch file.
  try {
    return inject('reliabilityCounters') ?? '/dev/null';
  } catch {
    return '/dev/null';
  }
}

export interface Totals {
  totals: Record<Metric, number>;
  notes: { metric: Metric; note: string }[];
}

export function readTotals(path: string): Totals {
  const totals = Object.fromEntries(Object.keys(METRICS).map((k) => [k, 0])) as Record<Metric, number>;
  const notes: Totals['notes'] = [];
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // nothing recorded
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { metric: Metric; n: number; note?: string };
    if (!(rec.metric in totals)) continue;
    totals[rec.metric] += rec.n;
    if (rec.note) notes.push({ metric: rec.metric, note: rec.note });
  }
  return { totals, notes };
}

export function formatSummary({ totals, notes }: Totals): string {
  const width = Math.max(...Object.values(METRICS).map((l) => l.length));
  const lines = ['', '── banger reliability summary ──'];
  for (const [key, label] of Object.entries(METRICS) as [Metric, string][]) {
    const mustZero = MUST_BE_ZERO.includes(key);
    const bad = mustZero && totals[key] > 0;
    lines.push(`  ${label.padEnd(width)}  ${String(totals[key]).padStart(6)}${mustZero ? (bad ? '   ✗ must be 0' : '   ✓ (must be 0)') : ''}`);
  }
  const interesting = notes.filter((n) => MUST_BE_ZERO.includes(n.metric) || n.metric === 'defectsFound');
  for (const n of interesting) lines.push(`    - ${METRICS[n.metric]}: ${n.note}`);
  return lines.join('\n');
}
