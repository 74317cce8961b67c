import type { VMRecord } from '../../../src/model/index.js';
import type { RpcClient } from '../../../src/rpc/index.js';
import { isAlive } from '../../helpers/index.js';
import type { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { count } from './counters.js';

/** Polls vm.list until no VM is mid-operation (reconcile and its teardowns done). */
export async function settled(c: RpcClient, timeoutMs: number): Promise<VMRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let vms: VMRecord[] = [];
  while (Date.now() < deadline) {
    vms = await c.call('vm.list', {});
    if (vms.every((v) => ['running', 'stopped', 'created', 'error'].includes(v.state))) return vms;
    await new Promise((r) => setTimeout(r, 100));
  }
  return vms;
}

/**
 * The reliability invariant after a fault: every VM that existed still exists
 * and is running (its VMM alive) or stopped; the only stand-in processes are
 * the running VMs'; taps are the running VMs' plus at most the pool. Problems
 * are returned (and counted: VMs lost, resources leaked) rather than thrown, so
 * one check reports everything it saw.
 */
export async function invariantProblems(d: NetnsDaemon, vms: VMRecord[], expect: { names: string[]; pool: number; label: string }): Promise<string[]> {
  const problems: string[] = [];
  const byName = new Map(vms.map((v) => [v.name, v]));
  let lost = 0;
  for (const name of expect.names) {
    const v = byName.get(name);
    if (!v) {
      problems.push(`${name} is gone`);
      lost++;
    } else if (v.state !== 'running' && v.state !== 'stopped') {
      problems.push(`${name} is ${v.state}: ${v.runtime.lastError ?? ''}`);
      lost++;
    } else if (v.state === 'running' && (v.runtime.vmmPid === undefined || !isAlive(v.runtime.vmmPid))) {
      problems.push(`${name} is running but its VMM (pid ${v.runtime.vmmPid}) is not alive`);
      lost++;
    }
  }
  const running = vms.filter((v) => v.state === 'running');
  const wanted = new Set(running.map((v) => v.runtime.vmmPid));
  const stray = d.standinPids().filter((p) => !wanted.has(p));
  if (stray.length) problems.push(`stand-in processes nobody owns: ${stray.join(', ')}`);
  const held = new Set(running.map((v) => v.runtime.tapDevice).filter(Boolean));
  // Surplus taps are deleted asynchronously after a restart: give them a moment.
  let extra: string[] = [];
  for (let i = 0; i < 100; i++) {
    extra = d.taps().filter((t) => !held.has(t));
    if (extra.length <= expect.pool) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const leakedTaps = Math.max(0, extra.length - expect.pool);
  if (leakedTaps) problems.push(`taps beyond the pool: ${extra.join(', ')}`);
  count('vmsLost', lost, lost ? `${expect.label}: ${problems.join('; ')}` : undefined);
  count('resourcesLeaked', stray.length + leakedTaps, stray.length + leakedTaps ? `${expect.label}: ${problems.join('; ')}` : undefined);
  return problems;
}
