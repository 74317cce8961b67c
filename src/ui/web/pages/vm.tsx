/** Route `/vms/NAME`: one VM's spec, runtime, live charts, serial log, ports, snapshots and its state machine. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { PortRow, SnapshotRecord, VmDetail, VMRecord } from '../../contract.js';
import type { PositionedGraph } from '../../../debug/viz/types.js';
import { api, ApiFailure, errorText, vmPath } from '../api.js';
import { useNow, useShared } from '../context.js';
import { formatDate, formatMiB, formatSize, formatUptime, isLive } from '../format.js';
import { appendLog } from '../log-tail.js';
import { MachineGraph } from '../machine-graph.js';
import { loadMachines } from '../machines-data.js';
import { Link } from '../router.js';
import { Sparkline } from '../sparkline.js';
import { VmButtons } from '../vm-buttons.js';
import { StateBadge } from './vms.js';

export function VmPage({ name }: { name: string }): ReactNode {
  const { state } = useShared();
  const [detail, setDetail] = useState<VmDetail | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const live = state.vms.find((v) => v.name === name);
  const vm: VMRecord | undefined = live ?? detail?.vm;

  const refresh = useCallback(() => {
    api
      .get<VmDetail>(vmPath(name))
      .then((d) => {
        setDetail(d);
        setMissing(null);
      })
      .catch((e: unknown) => setMissing(e instanceof ApiFailure && e.status === 404 ? `No VM named ${name}.` : errorText(e)));
  }, [name]);
  // Reload the detail (snapshots) whenever the row changes state.
  useEffect(refresh, [refresh, live?.state]);

  if (!vm) {
    return (
      <div className="page">
        <p className={missing ? 'error' : 'muted'}>{missing ?? 'loading…'}</p>
        <Link href="/">← all VMs</Link>
      </div>
    );
  }
  const removed = state.vmsLoaded && !live;
  return (
    <div className="page" data-testid="vm-detail" data-vm={vm.name} data-state={vm.state}>
      <header className="page-head">
        <Link href="/" className="muted">
          VMs /
        </Link>
        <h1>{vm.name}</h1>
        <StateBadge state={removed ? 'deleted' : vm.state} />
        <div className="grow" />
        {!removed && <VmButtons vm={vm} afterDelete="/" onChange={refresh} />}
      </header>
      {vm.runtime.lastError && vm.state === 'error' && <div className="error banner">{vm.runtime.lastError}</div>}
      <div className="grid">
        <Spec vm={vm} imageName={detail?.image?.name} />
        <Runtime vm={vm} />
        <Charts vm={vm} />
      </div>
      <div className="grid two">
        <LogPanel name={vm.name} />
        <div className="stack">
          <Ports vm={vm} />
          <Snapshots snapshots={detail?.snapshots ?? []} onChange={refresh} />
        </div>
      </div>
      <VmMachine vm={vm} />
    </div>
  );
}

function Dl({ rows }: { rows: Array<[string, ReactNode]> }): ReactNode {
  return (
    <dl className="kv">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Spec({ vm, imageName }: { vm: VMRecord; imageName: string | undefined }): ReactNode {
  return (
    <section className="card" data-testid="vm-spec">
      <h2>Spec</h2>
      <Dl
        rows={[
          ['vCPU', vm.spec.vcpuCount],
          ['memory', formatMiB(vm.spec.memoryMiB)],
          ['work disk', formatSize(vm.spec.workDiskSizeBytes)],
          ['system overlay', formatSize(vm.spec.systemOverlaySizeBytes)],
          ['NAT', vm.spec.natEnabled ? 'on' : 'off'],
          ['image', imageName ?? vm.imageId.slice(0, 8)],
          ['VMM', vm.vmm],
          ['created', formatDate(vm.createdAt)],
        ]}
      />
    </section>
  );
}

function Runtime({ vm }: { vm: VMRecord }): ReactNode {
  const now = useNow();
  const r = vm.runtime;
  return (
    <section className="card" data-testid="vm-runtime">
      <h2>Runtime</h2>
      <Dl
        rows={[
          ['IP', <span className="mono">{r.guestIP || '-'}</span>],
          ['DNS', <span className="mono">{r.dnsName}</span>],
          ['uptime', vm.state === 'running' ? formatUptime(vm.updatedAt, now) : '-'],
          ['started', r.startPath ?? '-'],
          ['VMM pid', r.vmmPid ?? '-'],
          ['disk use', vm.stats.workDiskBytes !== undefined ? `${formatSize(vm.stats.workDiskBytes)} work · ${formatSize(vm.stats.systemOverlayBytes ?? 0)} system` : '-'],
          ['last error', r.lastError ?? '-'],
        ]}
      />
    </section>
  );
}

function Charts({ vm }: { vm: VMRecord }): ReactNode {
  const { state } = useShared();
  const points = state.stats[vm.id] ?? [];
  const cpu = points.filter((p) => p.cpu !== undefined).map((p) => p.cpu!);
  const rss = points.filter((p) => p.rss !== undefined).map((p) => p.rss!);
  const live = isLive(vm);
  return (
    <section className="card charts">
      <h2>Load</h2>
      <Sparkline testId="vm-chart-cpu" label="CPU" values={cpu} max={100} current={live && vm.stats.cpuPercent !== undefined ? `${vm.stats.cpuPercent.toFixed(1)}%` : '-'} />
      <Sparkline
        testId="vm-chart-memory"
        label="Memory"
        values={rss}
        max={vm.spec.memoryMiB * 1024 * 1024}
        current={live && vm.stats.rssBytes !== undefined ? `${formatSize(vm.stats.rssBytes)} of ${formatMiB(vm.spec.memoryMiB)}` : '-'}
      />
    </section>
  );
}

function LogPanel({ name }: { name: string }): ReactNode {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('connecting…');
  const pre = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    setText('');
    const es = new EventSource(vmPath(name, '/log/stream'));
    es.onopen = () => setStatus('live');
    es.onerror = () => setStatus('reconnecting…');
    let first = true;
    es.addEventListener('log', (ev: MessageEvent<string>) => {
      try {
        const chunk = (JSON.parse(ev.data) as { text: string }).text;
        // Each (re)connect starts with the tail again: replace rather than duplicate it.
        setText((old) => (first ? appendLog('', chunk) : appendLog(old, chunk)));
        first = false;
      } catch {
        // ignore a malformed frame
      }
    });
    es.addEventListener('open', () => {
      first = true;
    });
    return () => es.close();
  }, [name]);
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <section className="card log">
      <h2>
        Serial log <span className="muted small">{status}</span>
      </h2>
      <pre
        ref={pre}
        data-testid="vm-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {text}
      </pre>
    </section>
  );
}

function Ports({ vm }: { vm: VMRecord }): ReactNode {
  const [rows, setRows] = useState<PortRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = vm.state === 'running';
  useEffect(() => {
    if (!running) {
      setRows(null);
      return;
    }
    let stop = false;
    const load = (): void => {
      api
        .get<PortRow[]>(vmPath(vm.name, '/ports'))
        .then((r) => {
          if (!stop) {
            setRows(r);
            setError(null);
          }
        })
        .catch((e: unknown) => !stop && setError(errorText(e)));
    };
    load();
    const t = setInterval(load, 4000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [vm.name, running]);
  return (
    <section className="card" data-testid="vm-ports">
      <h2>Listening ports</h2>
      {!running && <p className="muted">Shown while the VM runs.</p>}
      {running && error && <p className="error">{error}</p>}
      {running && rows && rows.length === 0 && <p className="muted">Nothing listening.</p>}
      {running && rows && rows.length > 0 && (
        <table className="table compact">
          <tbody>
            {rows.map((p) => (
              <tr key={`${p.proto}/${p.port}/${p.endpoint}`}>
                <td className="num">
                  {p.loopbackOnly ? (
                    <span title="bound to the guest's loopback: not reachable from the host">{p.port}</span>
                  ) : (
                    <a data-port={p.port} href={`http://${vm.runtime.guestIP}:${p.port}/`} target="_blank" rel="noopener noreferrer">
                      {p.port}
                    </a>
                  )}
                </td>
                <td>{p.proto}</td>
                <td className="mono ellipsis" title={p.command}>
                  {p.process || p.command}
                </td>
                <td className="muted">{p.loopbackOnly ? 'loopback only' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Snapshots({ snapshots, onChange }: { snapshots: SnapshotRecord[]; onChange: () => void }): ReactNode {
  const { confirm, toast } = useShared();
  const del = async (s: SnapshotRecord): Promise<void> => {
    const r = await confirm({ title: `Delete snapshot ${s.name}?`, body: 'Its files are removed. A snapshot other snapshots or VMs are built on is refused.', ok: 'Delete', danger: true });
    if (!r.ok) return;
    try {
      await api.del(`/api/snapshots/${encodeURIComponent(s.name)}`);
      toast('info', `deleted snapshot ${s.name}`);
    } catch (e) {
      toast('error', `delete snapshot ${s.name}: ${errorText(e)}`);
    }
    onChange();
  };
  return (
    <section className="card" data-testid="vm-snapshots">
      <h2>Snapshots</h2>
      {snapshots.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="table compact">
          <tbody>
            {snapshots.map((s) => (
              <tr key={s.id} data-testid="snapshot-row" data-snapshot={s.name}>
                <td>{s.name}</td>
                <td className="muted">
                  {s.kind} · {s.purpose}
                </td>
                <td className="num">{formatSize(s.sizeBytes)}</td>
                <td className="muted nowrap">{formatDate(s.createdAt)}</td>
                <td>
                  <button type="button" className="small danger-text" data-action="delete" onClick={() => void del(s)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function VmMachine({ vm }: { vm: VMRecord }): ReactNode {
  const { state } = useShared();
  const [graph, setGraph] = useState<PositionedGraph | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadMachines()
      .then((gs) => setGraph(gs.find((g) => g.id === 'vm') ?? null))
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  // The live actor's full state path when the machines stream has it, else the stored state.
  const actorStates = state.actors[`vm:${vm.id}`]?.states;
  const active = new Set(actorStates && actorStates.length ? actorStates : [`vm.${vm.state}`]);
  return (
    <section className="card machine-card">
      <h2>State machine</h2>
      {error && <p className="error">{error}</p>}
      {graph && (
        <div className="machine-scroll">
          <MachineGraph graph={graph} active={active} testId="vm-machine" />
        </div>
      )}
    </section>
  );
}
