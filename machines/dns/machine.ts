/**
 * dns: owns the NAME.vm table (JSON context, visible to inspect) and the UDP
 * server (an invoked callback actor that keeps its own copy for lookups).
 * vm actors add a record on entering `running` and remove it on leaving.
 */
import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { DnsContext, DnsEvent, DnsInput } from './events.js';

export const dnsMachine = setup({
  types: {
    context: {} as DnsContext,
    events: {} as DnsEvent,
    input: {} as DnsInput,
  },
  actors: {
    // Placeholder: reports that no server is wired; records are still kept.
    serveDns: fromCallback<DnsEvent, DnsInput & { records: Record<string, string> }>(({ sendBack }) => {
      sendBack({ type: 'dns.failed', message: 'dns server not provided' });
    }),
  },
}).createMachine({
  id: 'dns',
  context: ({ input }) => ({ ...input, records: {}, boundPort: null, lastError: null }),
  invoke: {
    id: 'server',
    src: 'serveDns',
    input: ({ context }) => ({ host: context.host, port: context.port, records: context.records }),
  },
  on: {
    'dns.add': {
      actions: [
        assign({ records: ({ context, event }) => ({ ...context.records, [event.name]: event.ip }) }),
        sendTo('server', ({ event }) => event),
      ],
    },
    'dns.remove': {
      actions: [
        assign({
          records: ({ context, event }) => {
            const next = { ...context.records };
            delete next[event.name];
            return next;
          },
        }),
        sendTo('server', ({ event }) => event),
      ],
    },
    'dns.listening': { actions: assign({ boundPort: ({ event }) => event.port, lastError: null }) },
    'dns.failed': { actions: assign({ lastError: ({ event }) => event.message }) },
  },
});

export type DnsMachine = typeof dnsMachine;
