import { fromCallback } from 'xstate';
import type { DnsServerFactory, Logger } from '../ports.js';
import type { DnsEvent, DnsInput } from './events.js';
import { dnsMachine } from './machine.js';

export function provideDns(startDnsServer: DnsServerFactory, logger?: Logger) {
  return dnsMachine.provide({
    actors: {
      serveDns: fromCallback<DnsEvent, DnsInput & { records: Record<string, string> }>(({ input, sendBack, receive }) => {
        const table = new Map(Object.entries(input.records));
        let server: Awaited<ReturnType<DnsServerFactory>> | null = null;
        let stopped = false;
        receive((event) => {
          if (event.type === 'dns.add') table.set(event.name, event.ip);
          else if (event.type === 'dns.remove') table.delete(event.name);
        });
        startDnsServer({
          host: input.host,
          port: input.port,
          lookup: (name) => table.get(name),
          onError: (err) => logger?.warn({ err: err.message }, 'dns server error'),
        }).then(
          (s) => {
            server = s;
            if (stopped) void s.close();
            else sendBack({ type: 'dns.listening', host: s.host, port: s.port });
          },
          (err: unknown) => sendBack({ type: 'dns.failed', message: err instanceof Error ? err.message : String(err) }),
        );
        return () => {
          stopped = true;
          void server?.close();
        };
      }),
    },
  });
}
