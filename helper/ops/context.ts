import { existsSync, readFileSync } from 'node:fs';
import type { CommandRunner } from '../../src/host/exec/index.js';
import type { TapBatcher } from '../../src/host/network/index.js';
import type { HelperPolicy } from '../validate/index.js';

/** Host facts and file operations the ops need beyond commands; replaced in unit tests. */
export interface HostPort {
  exists(path: string): boolean;
  /** File contents, or null when unreadable. */
  readText(path: string): string | null;
}

export const realHost: HostPort = {
  exists: existsSync,
  readText: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
};

export interface OpContext {
  runner: CommandRunner;
  /** Tap create/delete over `runner`, coalesced into `ip -batch` runs (one per executor). */
  taps: TapBatcher;
  policy: HelperPolicy;
  host: HostPort;
  version: string;
  /** The calling instance's link alias (executor.ts callerTag): taps and the bridge carry it. */
  tag: string;
  /** Facts established at helper start (tun access), reported by helper.ping. */
  facts: { tun?: string };
}
