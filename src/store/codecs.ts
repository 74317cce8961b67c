import { z } from 'zod';
import { describeIssue, formatIssuePath, InternalError } from '../errors/index.js';
import { VM_STATES, type VMRuntime, type VMSpec, type VMStats } from '../model/index.js';

/**
 * Schemas for the JSON columns. Rows are validated on read so a hand-edited or
 * corrupt row fails loudly with its table and id instead of leaking `undefined`
 * into the daemon.
 */

const nonNegInt = z.number().int().nonnegative();

export const VmSpecSchema = z.object({
  vcpuCount: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  systemOverlaySizeBytes: nonNegInt,
  workDiskSizeBytes: nonNegInt,
  natEnabled: z.boolean(),
}) satisfies z.ZodType<VMSpec>;

export const VmRuntimeSchema = z.object({
  guestIP: z.string(),
  dnsName: z.string(),
  vmDir: z.string(),
  systemOverlayPath: z.string(),
  workDiskPath: z.string(),
  logPath: z.string(),
  apiSockPath: z.string(),
  agentSockPath: z.string(),
  vsockCID: z.number().int().optional(),
  metricsPath: z.string().optional(),
  tapDevice: z.string().optional(),
  baseLoop: z.string().optional(),
  cowLoop: z.string().optional(),
  dmName: z.string().optional(),
  vmmPid: z.number().int().optional(),
  lastError: z.string().optional(),
  baseSnapshotId: z.string().optional(),
  restoreFrom: z.string().optional(),
  startPath: z.enum(['cold', 'warm', 'restore']).optional(),
  runningSince: z.string().optional(),
}) satisfies z.ZodType<VMRuntime>;

export const VmStatsSchema = z.object({
  collectedAt: z.string().optional(),
  cpuPercent: z.number().optional(),
  rssBytes: z.number().optional(),
  systemOverlayBytes: z.number().optional(),
  workDiskBytes: z.number().optional(),
}) satisfies z.ZodType<VMStats>;

export const VmStateSchema = z.enum(VM_STATES);
export const VmmNameSchema = z.enum(['firecracker', 'qemu', 'standin']);
export const ImageProfileSchema = z.enum(['debian', 'dev', 'minimal', 'imported']);

/** Parses a JSON column with its schema; failures name the row and column. */
export function decodeColumn<T>(schema: z.ZodType<T>, raw: string, where: { table: string; id: string; column: string }): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw corrupt(where, 'is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw corrupt(where, `is invalid at ${formatIssuePath(issue.path) || '(root)'}: ${describeIssue(issue, value)}`);
  }
  return parsed.data;
}

export function decodeEnum<T>(schema: z.ZodType<T>, raw: unknown, where: { table: string; id: string; column: string }): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw corrupt(where, `has unknown value ${JSON.stringify(raw)}`);
  return parsed.data;
}

function corrupt(where: { table: string; id: string; column: string }, what: string): InternalError {
  return new InternalError(`${where.table} row ${where.id}: column ${where.column} ${what}`, {
    code: 'store.corrupt_row',
    hint: 'the database was edited by hand or is damaged; restore it from a backup or delete the row',
  });
}
