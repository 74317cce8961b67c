/**
 * Maps XState inspection events to small JSON records for the TUI, the
 * visualizer (`debug.inspect` notifications) and tests. Only types and state
 * names leave: event payloads may hold reply callbacks, never serialised.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { InspectRecord, VmTransition } from '../src/model/index.js';

/** `{ starting: 'network' }` → `starting.network`. */
export function stateName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [k, v] = entries[0]!;
      const rest = stateName(v);
      return rest ? `${k}.${rest}` : k;
    }
    return entries.map(([k, v]) => `${k}.${stateName(v) ?? ''}`).join('|');
  }
  return null;
}

function actorId(ref: unknown): string {
  return (ref as AnyActorRef | undefined)?.id ?? '?';
}

function snapshotState(snapshot: unknown): string | null {
  const s = snapshot as { value?: unknown; status?: string } | undefined;
  return stateName(s?.value) ?? s?.status ?? null;
}

/** An actor's state as it is announced; xstate throws if the snapshot is read while the actor initialises. */
function initialState(ref: unknown): string | null {
  try {
    return snapshotState((ref as AnyActorRef).getSnapshot?.());
  } catch {
    return null;
  }
}

export function toInspectRecord(ev: InspectionEvent, at: number): InspectRecord | null {
  switch (ev.type) {
    case '@xstate.actor':
      return { actor: actorId(ev.actorRef), type: 'actor', state: initialState(ev.actorRef), event: null, at };
    case '@xstate.event': {
      const r: InspectRecord = { actor: actorId(ev.actorRef), type: 'event', state: null, event: ev.event.type, at };
      if (ev.sourceRef) r.source = actorId(ev.sourceRef);
      return r;
    }
    case '@xstate.snapshot':
      return { actor: actorId(ev.actorRef), type: 'snapshot', state: snapshotState(ev.snapshot), event: ev.event.type, at };
    default:
      return null;
  }
}

/**
 * Turns vm snapshot records into VmTransitions (one per state change).
 * Stateful: remembers each vm actor's last state.
 */
export function createTransitionTracker(emit: (t: VmTransition) => void) {
  const last = new Map<string, string>();
  return (ev: InspectionEvent, at: number) => {
    if (ev.type !== '@xstate.snapshot') return;
    const id = actorId(ev.actorRef);
    if (!id.startsWith('vm:')) return;
    const snap = ev.snapshot as { value?: unknown; status?: string; context?: { vmId?: string; name?: string; failure?: { step: string; message: string } | null } };
    const to = stateName(snap.value);
    if (!to) return;
    const from = last.get(id) ?? 'none';
    if (snap.status === 'done' || snap.status === 'stopped') last.delete(id);
    else last.set(id, to);
    if (from === to) return;
    const t: VmTransition = {
      vmId: snap.context?.vmId ?? id.slice(3),
      name: snap.context?.name ?? '?',
      from,
      to,
      event: ev.event.type,
      at: new Date(at).toISOString(),
    };
    if (to === 'error' && snap.context?.failure) t.error = `${snap.context.failure.step}: ${snap.context.failure.message}`;
    emit(t);
  };
}
