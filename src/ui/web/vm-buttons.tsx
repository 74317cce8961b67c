/** A VM's action buttons (table rows and the VM page): enabled per state, confirming the disruptive ones. */
import { useState, type ReactNode } from 'react';
import type { ForkBody, SnapshotBody, SnapshotRecord, VMRecord } from '../contract.js';
import { api, errorText, vmPath } from './api.js';
import { useShared } from './context.js';
import { navigate } from './router.js';
import { snapshotNameProblem, vmNameProblem } from './validate.js';
import { actionAllowed, VM_ACTIONS, type VmAction } from './vm-actions.js';

const LABEL: Record<VmAction, string> = {
  start: 'Start',
  stop: 'Stop',
  restart: 'Restart',
  pause: 'Pause',
  resume: 'Resume',
  snapshot: 'Snapshot',
  fork: 'Fork',
  delete: 'Delete',
};

export function VmButtons({ vm, afterDelete, onChange }: { vm: VMRecord; afterDelete?: string; onChange?: () => void }): ReactNode {
  const { confirm, toast, dispatch } = useShared();
  const [busy, setBusy] = useState<VmAction | null>(null);

  const run = async (action: VmAction): Promise<void> => {
    let call: () => Promise<void>;
    const setRow = (v: VMRecord): void => dispatch({ event: 'local.vm', data: { vm: v } });
    switch (action) {
      case 'stop': {
        const r = await confirm({ title: `Stop ${vm.name}?`, body: 'The guest is shut down; its disks are kept.', ok: 'Stop', danger: true });
        if (!r.ok) return;
        call = async () => setRow(await api.post<VMRecord>(vmPath(vm.name, '/stop')));
        break;
      }
      case 'delete': {
        const r = await confirm({ title: `Delete ${vm.name}?`, body: 'The VM and its disks are removed. This cannot be undone.', ok: 'Delete', danger: true });
        if (!r.ok) return;
        call = async () => {
          await api.del(vmPath(vm.name));
          toast('info', `deleted ${vm.name}`);
          if (afterDelete) navigate(afterDelete);
        };
        break;
      }
      case 'snapshot': {
        const r = await confirm({
          title: `Snapshot ${vm.name}`,
          body: vm.state === 'stopped' ? 'Freezes its disks.' : 'Freezes its disks and memory; the guest pauses briefly.',
          ok: 'Take snapshot',
          input: { testId: 'snapshot-name', label: 'Name (optional)', placeholder: 'auto', validate: snapshotNameProblem },
        });
        if (!r.ok) return;
        const body: SnapshotBody = r.value ? { snapshot: r.value } : {};
        call = async () => {
          const snap = await api.post<SnapshotRecord>(vmPath(vm.name, '/snapshot'), body);
          toast('info', `snapshot ${snap.name} of ${vm.name} taken`);
        };
        break;
      }
      case 'fork': {
        const r = await confirm({
          title: `Fork ${vm.name}`,
          body: 'A new VM starts from this one’s current disks (and memory, if it is running).',
          ok: 'Fork',
          input: { testId: 'fork-name', label: 'New VM name', placeholder: `${vm.name}-fork`, required: true, validate: vmNameProblem },
        });
        if (!r.ok) return;
        const body: ForkBody = { name: r.value };
        call = async () => {
          const made = await api.post<VMRecord>(vmPath(vm.name, '/fork'), body);
          setRow(made);
          toast('info', `forked ${vm.name} as ${made.name}`);
        };
        break;
      }
      default:
        call = async () => setRow(await api.post<VMRecord>(vmPath(vm.name, `/${action}`)));
    }
    setBusy(action);
    try {
      await call();
      onChange?.();
    } catch (e) {
      toast('error', `${action} ${vm.name}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="actions">
      {VM_ACTIONS.map((a) => (
        <button
          key={a}
          type="button"
          className={`small${a === 'delete' ? ' danger-text' : ''}${busy === a ? ' busy' : ''}`}
          data-action={a}
          disabled={busy !== null || !actionAllowed(a, vm.state)}
          onClick={() => void run(a)}
        >
          {LABEL[a]}
        </button>
      ))}
    </div>
  );
}
