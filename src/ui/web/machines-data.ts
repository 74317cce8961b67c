/** /api/machines, fetched once per page load: the graphs are the daemon's code, they do not change while it runs. */
import type { PositionedGraph } from '../../debug/viz/types.js';
import { api } from './api.js';

let pending: Promise<PositionedGraph[]> | undefined;

export function loadMachines(): Promise<PositionedGraph[]> {
  pending ??= api.get<PositionedGraph[]>('/api/machines').catch((e: unknown) => {
    pending = undefined; // try again next time
    throw e;
  });
  return pending;
}
