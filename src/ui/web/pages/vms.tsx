/** Route `/`: the live VM table and the create form. */
import { memo, useState, type FormEvent, type ReactNode } from 'react';
import type { Image, VMRecord } from '../../contract.js';
import { EmptyRow, FormError } from '../bits.js';
import { api, errorText } from '../api.js';
import { useActions, useAppState, useNow } from '../context.js';
import { formatCpu, formatRss, formatUptime, formatVmSize } from '../format.js';
import { Link } from '../router.js';
import { vmHref } from '../routes.js';
import { validateCreate, type CreateFields } from '../validate.js';
import { VmButtons } from '../vm-buttons.js';
import { MEMORY_MIB_LIMITS, VCPU_LIMITS } from '../../../model/limits.js';

export function StateBadge({ state }: { state: string }): ReactNode {
  return <span className={`badge state-${state}`}>{state}</span>;
}

/**
 * Re-renders itself every second (the row around it does not), to the minute:
 * 200 cells whose text changed every second cost each of 20 tabs a table
 * layout a second, which put them 0.5 s further behind a burst. The VM page shows seconds.
 */
function Uptime({ since }: { since: string }): ReactNode {
  return formatUptime(since, useNow(), { seconds: false });
}

export const imageNameOf = (images: Image[], id: string): string => images.find((i) => i.id === id)?.name ?? id.slice(0, 8);

export function VmsPage(): ReactNode {
  const state = useAppState();
  return (
    <div className="page">
      <header className="page-head">
        <h1>Virtual machines</h1>
        <span className="muted">{state.vmsLoaded ? `${state.vms.length} VM${state.vms.length === 1 ? '' : 's'}` : 'loading…'}</span>
      </header>
      <div className="table-wrap">
        <table className="table vm-table" data-testid="vm-table">
          {/* Fixed column widths: a changed cell does not re-measure 200 rows (table-layout: fixed). */}
          <colgroup>
            <col className="c-name" />
            <col className="c-state" />
            <col className="c-image" />
            <col className="c-size" />
            <col className="c-ip" />
            <col className="c-cpu" />
            <col className="c-mem" />
            <col className="c-up" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Image</th>
              <th>Size</th>
              <th>IP</th>
              <th className="num">CPU</th>
              <th className="num">Memory</th>
              <th className="num">Uptime</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.vms.map((vm) => (
              <VmRow key={vm.id} vm={vm} images={state.images} />
            ))}
            {state.vmsLoaded && state.vms.length === 0 && <EmptyRow cols={9}>No VMs yet. Create one below.</EmptyRow>}
          </tbody>
        </table>
      </div>
      <CreateForm images={state.images} />
    </div>
  );
}

/** Memoised: a `vm` event re-renders one row; the ticking uptime is a component of its own. */
const VmRow = memo(function VmRow({ vm, images }: { vm: VMRecord; images: Image[] }): ReactNode {
  return (
    <tr data-testid="vm-row" data-vm={vm.name} data-state={vm.state}>
      <td>
        <Link href={vmHref(vm.name)} className="vm-link" title={vm.name}>
          {vm.name}
        </Link>
      </td>
      <td data-col="state">
        <StateBadge state={vm.state} />
      </td>
      <td data-col="image" title={imageNameOf(images, vm.imageId)}>
        {imageNameOf(images, vm.imageId)}
      </td>
      <td data-col="size" className="nowrap" title={formatVmSize(vm)}>
        {formatVmSize(vm)}
      </td>
      <td data-col="ip" className="mono">
        {vm.runtime.guestIP || '-'}
      </td>
      <td data-col="cpu" className="num">
        {formatCpu(vm)}
      </td>
      <td data-col="memory" className="num">
        {formatRss(vm)}
      </td>
      <td data-col="uptime" className="num">
        {vm.state === 'running' ? <Uptime since={vm.updatedAt} /> : '-'}
      </td>
      <td className="row-actions">
        <VmButtons vm={vm} />
      </td>
    </tr>
  );
});

const EMPTY: CreateFields = { name: '', image: '', vcpu: '', memoryMiB: '', diskSize: '', nat: false };

function CreateForm({ images }: { images: Image[] }): ReactNode {
  const { dispatch, toast } = useActions();
  const [f, setF] = useState<CreateFields>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof CreateFields>(k: K, v: CreateFields[K]): void => {
    setF((old) => ({ ...old, [k]: v }));
    setError(null);
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const { body, errors } = validateCreate(f);
    if (!body) return setError(Object.values(errors).join('; '));
    setBusy(true);
    try {
      const vm = await api.post<VMRecord>('/api/vms', body);
      dispatch({ event: 'local.vm', data: { vm } });
      toast('info', `created ${vm.name}`);
      setF((old) => ({ ...old, name: '' }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card create-form" data-testid="create-vm-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>New VM</h2>
      <div className="form-row">
        <label className="field">
          <span>Name</span>
          <input name="name" value={f.name} onChange={(e) => set('name', e.target.value)} placeholder="auto" autoComplete="off" spellCheck={false} />
        </label>
        <label className="field">
          <span>Image</span>
          <select name="image" value={f.image} onChange={(e) => set('image', e.target.value)}>
            <option value="">default</option>
            {images.map((i) => (
              <option key={i.id} value={i.name}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field narrow">
          <span>vCPU</span>
          <input name="vcpu" type="number" min={VCPU_LIMITS.min} max={VCPU_LIMITS.max} value={f.vcpu} onChange={(e) => set('vcpu', e.target.value)} placeholder="auto" />
        </label>
        <label className="field narrow">
          <span>Memory MiB</span>
          <input name="memoryMiB" type="number" min={MEMORY_MIB_LIMITS.min} max={MEMORY_MIB_LIMITS.max} step={128} value={f.memoryMiB} onChange={(e) => set('memoryMiB', e.target.value)} placeholder="auto" />
        </label>
        <label className="field narrow">
          <span>Disk</span>
          <input name="diskSize" value={f.diskSize} onChange={(e) => set('diskSize', e.target.value)} placeholder="auto, e.g. 8G" spellCheck={false} />
        </label>
        <label className="check">
          <input name="nat" type="checkbox" checked={f.nat} onChange={(e) => set('nat', e.target.checked)} />
          <span>NAT</span>
        </label>
        <button type="submit" className="primary" data-testid="create-vm-submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
      <FormError text={error} />
    </form>
  );
}
