/**
 * `<vmDir>/handles.json`: a VM's transient handles (pid, tap, loops, dm,
 * socket). Written atomically (temp file + rename, so a crash leaves the old
 * file or the new one, never half of one) and read back with validation, so
 * reconcile can tell "no file" and "garbage" apart and fall back to the row.
 * Sync on purpose: it is called inside vm transitions, next to the sync store.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { VMHandles } from '../model/index.js';
import type { Layout } from './layout.js';
import { handlesPath } from './layout.js';

export const HANDLES_VERSION = 1;

export type ReadHandlesResult = { handles: VMHandles; reason?: undefined } | { handles: null; reason: string };

const STRING_FIELDS = ['tapDevice', 'baseLoop', 'cowLoop', 'dmName', 'dmDev', 'apiSockPath'] as const;
const INT_FIELDS = ['pid', 'pidStartTime'] as const;

/** Validates parsed JSON; returns handles or the first problem found. */
export function parseHandles(raw: unknown): ReadHandlesResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { handles: null, reason: 'is not a JSON object' };
  const obj = raw as Record<string, unknown>;
  if (obj.version !== HANDLES_VERSION) return { handles: null, reason: `has version ${JSON.stringify(obj.version)}, expected ${HANDLES_VERSION}` };
  const h: VMHandles = {};
  for (const k of STRING_FIELDS) {
    const v = obj[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 4096) return { handles: null, reason: `has an invalid ${k}` };
    h[k] = v;
  }
  for (const k of INT_FIELDS) {
    const v = obj[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) return { handles: null, reason: `has an invalid ${k}` };
    h[k] = v;
  }
  return { handles: h };
}

export function writeHandlesFile(path: string, handles: VMHandles): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const text = `${JSON.stringify({ version: HANDLES_VERSION, ...handles }, null, 2)}\n`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
  } catch (err) {
    // The VM dir normally exists (storage made it); create it only when it does not, saving a syscall per write.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, text, { mode: 0o600 });
  }
  renameSync(tmp, path);
}

export function readHandlesFile(path: string): ReadHandlesResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { handles: null, reason: code === 'ENOENT' ? 'is missing' : `could not be read (${code ?? String(err)})` };
  }
  try {
    return parseHandles(JSON.parse(text));
  } catch {
    return { handles: null, reason: 'is not valid JSON' };
  }
}

/** The HandlesPort for the actor system, rooted at the layout's VM dirs. Never throws. */
export function createHandlesStore(layout: Layout, onError?: (err: unknown, vmId: string) => void) {
  return {
    write(vmId: string, handles: VMHandles): boolean {
      try {
        writeHandlesFile(handlesPath(layout, vmId), handles);
        return true;
      } catch (err) {
        onError?.(err, vmId);
        return false;
      }
    },
    read(vmId: string): ReadHandlesResult {
      return readHandlesFile(handlesPath(layout, vmId));
    },
    remove(vmId: string): boolean {
      try {
        rmSync(handlesPath(layout, vmId), { force: true });
        return true;
      } catch (err) {
        onError?.(err, vmId);
        return false;
      }
    },
  };
}
