/**
 * FakeHelper: PrivilegedOps that records calls and models the host state the
 * real helper changes (bridges, taps, NAT rules, loops, dm targets), so tests
 * can assert "nothing leaked". Succeeds by default; `failOn` injects failures.
 * With `stateFile`, the modelled host state persists across processes (the
 * kill -9 test's "host" outlives its daemon).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { HelperOpName, HelperOpParams, HelperOpResult, PrivilegedOps } from '../../src/model/helper-ops.js';

export interface HostModel {
  bridges: string[];
  taps: string[];
  nat: string[];
  loops: string[];
  dm: string[];
  /** `bridge:port` of each DNS redirect. */
  dnsRedirects?: string[];
  /** hosts-file block per instance (absent: no block). */
  hosts?: Record<string, Array<{ name: string; ip: string }>>;
}

export interface FakeHelperOptions {
  /** Return an error to make that call fail (after recording it). */
  failOn?: (op: HelperOpName, params: unknown) => Error | undefined;
  /** Simulated latency per call. */
  delayMs?: number;
  stateFile?: string;
}

export class FakeHelper implements PrivilegedOps {
  readonly calls: Array<{ op: HelperOpName; params: unknown }> = [];
  private loopSeq = 0;
  constructor(private readonly opts: FakeHelperOptions = {}) {}

  /** Changes fault injection mid-test (undefined: every call succeeds again). */
  setFailOn(failOn: FakeHelperOptions['failOn']): void {
    if (failOn) this.opts.failOn = failOn;
    else delete this.opts.failOn;
  }

  state(): HostModel {
    if (this.opts.stateFile && existsSync(this.opts.stateFile)) return JSON.parse(readFileSync(this.opts.stateFile, 'utf8')) as HostModel;
    return this.mem;
  }
  private mem: HostModel = { bridges: [], taps: [], nat: [], loops: [], dm: [] };
  private save(s: HostModel): void {
    if (this.opts.stateFile) {
      const tmp = `${this.opts.stateFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(s));
      renameSync(tmp, this.opts.stateFile);
    } else this.mem = s;
  }

  count(op: HelperOpName): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>> {
    this.calls.push({ op, params });
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const err = this.opts.failOn?.(op, params);
    if (err) throw err;
    const s = this.state();
    const p = params as Record<string, string>;
    const add = (list: string[], v: string) => (list.includes(v) ? false : (list.push(v), true));
    const del = (list: string[], v: string) => {
      const i = list.indexOf(v);
      if (i >= 0) list.splice(i, 1);
      return i >= 0;
    };
    let result: unknown;
    switch (op) {
      case 'bridge.ensure':
        result = { created: add(s.bridges, p.name!) };
        break;
      case 'tap.create':
        result = { created: add(s.taps, p.name!) };
        break;
      case 'tap.delete':
        result = { deleted: del(s.taps, p.name!) };
        break;
      case 'nat.up':
        result = { added: add(s.nat, `${p.guestIP}:${p.tap}`) ? 2 : 0, ipForwardEnabled: false };
        break;
      case 'dns.redirect': {
        const list = (s.dnsRedirects ??= []);
        const key = `${p.bridge}:${(params as { port: number }).port}`;
        const had = list.includes(key);
        s.dnsRedirects = [...list.filter((r) => !r.startsWith(`${p.bridge}:`)), key];
        result = { added: had ? 0 : 1 };
        break;
      }
      case 'dns.unredirect': {
        const list = s.dnsRedirects ?? [];
        s.dnsRedirects = list.filter((r) => !r.startsWith(`${p.bridge}:`));
        result = { removed: list.length - s.dnsRedirects.length };
        break;
      }
      case 'hosts.sync': {
        const { instance, entries } = params as HelperOpParams<'hosts.sync'>;
        const hosts = (s.hosts ??= {});
        const before = JSON.stringify(hosts[instance] ?? []);
        if (entries.length) hosts[instance] = entries;
        else delete hosts[instance];
        const changed = before !== JSON.stringify(entries);
        result = { changed, mode: changed ? 'rename' : 'none' };
        break;
      }
      case 'nat.down':
        result = { removed: del(s.nat, `${p.guestIP}:${p.tap}`) ? 2 : 0 };
        break;
      case 'loop.attach': {
        const device = `/dev/loop${100 + this.loopSeq++}`;
        s.loops.push(device);
        result = { device };
        break;
      }
      case 'loop.detach':
        result = { detached: del(s.loops, p.device!) };
        break;
      case 'dm.snapshotCreate':
        add(s.dm, p.name!);
        result = { device: `/dev/mapper/${p.name}` };
        break;
      case 'dm.snapshotRemove':
        result = { removed: del(s.dm, p.name!) };
        break;
      case 'helper.ping':
        result = { version: 'fake', uid: 0, ownerUid: 0 };
        break;
      default:
        result = {};
    }
    this.save(s);
    return result as HelperOpResult<O>;
  }
}
