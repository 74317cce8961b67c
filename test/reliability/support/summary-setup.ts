import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { formatSummary, MUST_BE_ZERO, readTotals } from './counters.js';
import { describeOwn, listOwnResources, newOwnResources, removeOwn, type OwnResources } from './own-resources.js';

/**
 * globalSetup for the reliability tier: hands workers a counter file, snapshots
 * the host resources these tests name, then at the end counts what is left
 * (leaks), prints the summary the issue asks for and fails the run if a
 * must-be-zero figure (VMs lost, leaks, crashes) is not zero.
 *
 * Not test/global-leak-check.ts: that one diffs every banger-named resource on
 * the host, and other engineers' suites create and remove those concurrently,
 * so on a shared host it reports their resources as ours.
 */
let dir: string | undefined;
let file: string | undefined;
let before: OwnResources | undefined;

export function setup(project: TestProject): void {
  dir = mkdtempSync(join(tmpdir(), 'banger-reliab-counters-'));
  file = join(dir, 'counters.ndjson');
  before = listOwnResources();
  project.provide('reliabilityCounters', file);
}

export function teardown(): void {
  if (!file || !dir || !before) return;
  const leaked = newOwnResources(before, listOwnResources());
  for (const l of describeOwn(leaked)) appendFileSync(file, `${JSON.stringify({ metric: 'resourcesLeaked', n: 1, note: l })}\n`);
  removeOwn(leaked);
  const totals = readTotals(file);
  process.stdout.write(`${formatSummary(totals)}\n\n`);
  rmSync(dir, { recursive: true, force: true });
  const bad = MUST_BE_ZERO.filter((m) => totals.totals[m] > 0);
  if (bad.length > 0) throw new Error(`reliability figures that must be 0 are not: ${bad.join(', ')}`);
}
