/**
 * dns: owns the NAME.vm table (JSON context, visible to inspect), the UDP
 * server (an invoked callback actor, listening on loopback and, once the tap
 * pool reports the bridge, on the bridge address for guests) and the host
 * publisher (the hosts-file block). vm actors add a record on entering
 * `running` and remove it on leaving; at shutdown both children take back
 * what they put on the host before the actor stops.
 */
import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { DnsContext, DnsEvent, DnsInput } from './events.js';

type ChildInput = DnsInput & { records: Record<string, string> };

const forward = ({ event }: { event: DnsEvent }) => event;

export const dnsMachine = setup({
  types: {
    context: {} as DnsContext,
    events: {} as DnsEvent,
    input: {} as DnsInput,
  },
  actors: {
    // Placeholders: report that nothing is wired; records are still kept.
    serveDns: fromCallback<DnsEvent, ChildInput>(({ sendBack, receive }) => {
      sendBack({ type: 'dns.failed', message: 'dns server not provided' });
      receive((e) => e.type === 'dns.withdraw' && sendBack({ type: 'dns.serverWithdrawn' }));
    }),
    publishHost: fromCallback<DnsEvent, ChildInput>(({ sendBack, receive }) => {
      receive((e) => e.type === 'dns.withdraw' && sendBack({ type: 'dns.hostWithdrawn' }));
    }),
  },
  guards: {
    hostWithdrawn: ({ context }) => context.withdrawn.host,
    serverWithdrawn: ({ context }) => context.withdrawn.server,
  },
}).createMachine({
  id: 'dns',
  context: ({ input }) => ({ ...input, records: {}, boundPort: null, lastError: null, guestPort: null, published: null, hostError: null, withdrawn: { server: false, host: false } }),
  invoke: [
    { id: 'server', src: 'serveDns', input: ({ context }) => ({ ...context, records: context.records }) },
    { id: 'host', src: 'publishHost', input: ({ context }) => ({ ...context, records: context.records }) },
  ],
  on: {
    'dns.add': {
      actions: [assign({ records: ({ context, event }) => ({ ...context.records, [event.name]: event.ip }) }), sendTo('server', forward), sendTo('host', forward)],
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
        sendTo('server', forward),
        sendTo('host', forward),
      ],
    },
    'dns.listening': { actions: assign({ boundPort: ({ event }) => event.port, lastError: null }) },
    'dns.failed': { actions: assign({ lastError: ({ event }) => event.message }) },
    'dns.guestListening': { actions: assign({ guestPort: ({ event }) => event.port }) },
    'dns.guestFailed': { actions: assign({ hostError: ({ event }) => event.message }) },
    'dns.published': { actions: assign({ published: ({ event }) => event.count, hostError: null }) },
    'dns.publishFailed': { actions: assign({ hostError: ({ event }) => event.message }) },
  },
  initial: 'serving',
  states: {
    serving: {
      on: {
        'dns.bridgeUp': { actions: sendTo('server', forward) },
        'dns.shutdown': 'withdrawing',
      },
    },
    withdrawing: {
      entry: [sendTo('server', { type: 'dns.withdraw' }), sendTo('host', { type: 'dns.withdraw' })],
      on: {
        'dns.serverWithdrawn': [
          { guard: 'hostWithdrawn', target: 'closed' },
          { actions: assign({ withdrawn: ({ context }) => ({ ...context.withdrawn, server: true }) }) },
        ],
        'dns.hostWithdrawn': [
          { guard: 'serverWithdrawn', target: 'closed' },
          { actions: assign({ withdrawn: ({ context }) => ({ ...context.withdrawn, host: true }) }) },
        ],
      },
      // A helper that never answers must not hold shutdown forever (drain has its own bound too).
      after: { 20_000: 'closed' },
    },
    closed: { type: 'final' },
  },
});
