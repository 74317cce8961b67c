import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import type { VMRecord } from '../../../src/model/index.js';
import { handlesPath } from '../../../src/host/layout.js';
import { RpcClient } from '../../../src/rpc/index.js';
import { isAlive, waitGone } from '../../helpers/index.js';
import { SmokeRig } from '../../smoke/smoke-rig.js';
import { OWN_PREFIX } from './own-resources.js';
import { jsonData } from '../../helpers/cli-json.js';

/**
 * The smoke rig (built CLI, bangerd auto-started inside a throwaway netns,
 * real QEMU) named so the reliability summary counts what it leaves behind
 * (/tmp/bgrel-*, netns banger-rel-*), with no spare taps in the pool: every
 * tap in the namespace then belongs to a running VM, so a leaked one shows.
 * Stats polling is off.
 */
export class RealVmRig extends SmokeRig {
  private clients: RpcClient[] = [];

  constructor() {
    // Stats polling off: noticing a dead VMM must not depend on it (it once did; see real-vm-faults).
    super({ tempPrefix: OWN_PREFIX, netnsTag: 'rel', extraConfig: ['tap_pool_size = 0', 'stats_poll_interval = "0"'] });
  }

  /** An RPC client on the daemon socket (a file, reachable from outside the namespace). Closed by kill9/cleanup. */
  async client(): Promise<RpcClient> {
    const c = await RpcClient.connect(this.layout.daemonSocket);
    this.clients.push(c);
    return c;
  }

  closeClients(): void {
    for (const c of this.clients) c.close();
    this.clients = [];
  }

  /** kill -9 of bangerd; waits until it is gone. */
  async kill9(): Promise<number> {
    const pid = this.daemonPid();
    if (pid === undefined) throw new Error('no bangerd pid in the lock file');
    process.kill(pid, 'SIGKILL');
    if (!(await waitGone(pid, 10_000))) throw new Error(`bangerd ${pid} survived SIGKILL`);
    this.closeClients();
    return pid;
  }

  async show(name: string): Promise<VMRecord> {
    const r = await this.cli(['vm', 'show', name, '--json'], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`vm show ${name}: ${r.stderr}`);
    return jsonData(r.stdout) as VMRecord;
  }

  /** Polls `vm show` until the VM rests (not starting/stopping). */
  async settledShow(name: string, timeoutMs: number): Promise<VMRecord> {
    const deadline = Date.now() + timeoutMs;
    let vm = await this.show(name);
    while (!['running', 'stopped', 'created', 'error'].includes(vm.state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      vm = await this.show(name);
    }
    return vm;
  }

  taps(): string[] {
    return this.links().filter((l) => /^bg/.test(l));
  }

  handlesFileExists(vm: VMRecord): boolean {
    return existsSync(handlesPath(this.layout, vm.id));
  }

  /** Answers of the daemon's DNS server (in the namespace) for NAME.vm; [] when it has no record. */
  dig(dnsName: string): Promise<string[]> {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', this.netns.name, 'dig', '+short', '+time=2', '+tries=1', '-p', '5353', '@127.0.0.1', dnsName, 'A'], { timeout: 15_000 }, (_err, stdout) =>
        resolve(stdout.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l.trim()))),
      );
    });
  }

  /**
   * What a stopped VM must not hold: its QEMU process, a tap in the namespace,
   * a DNS record, NAT rules, handles.json. Returns the problems found.
   */
  async stoppedLeaks(vm: VMRecord): Promise<string[]> {
    const problems: string[] = [];
    const qemu = this.vmmProcesses().filter((p) => isAlive(p));
    if (qemu.length) problems.push(`qemu processes left: ${qemu.join(', ')}`);
    const taps = this.taps();
    if (taps.length) problems.push(`taps left: ${taps.join(', ')}`);
    const dns = await this.dig(vm.runtime.dnsName);
    if (dns.length) problems.push(`DNS still answers ${vm.runtime.dnsName} → ${dns.join(', ')}`);
    const nat = this.natRules().filter((r) => r.includes(vm.runtime.guestIP));
    if (nat.length) problems.push(`NAT rules left: ${nat.join(' | ')}`);
    if (this.handlesFileExists(vm)) problems.push(`handles.json left at ${handlesPath(this.layout, vm.id)}`);
    return problems;
  }

  override async cleanup(): Promise<void> {
    this.closeClients();
    await super.cleanup();
  }
}
