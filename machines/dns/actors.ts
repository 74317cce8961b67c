import { fromCallback } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { HOSTS_MAX_ENTRIES } from '../../src/model/helper-ops.js';
import { callPrivileged } from '../helper-bridge/actors.js';
import type { DnsServerFactory, Logger } from '../ports.js';
import type { DnsEvent, DnsInput } from './events.js';
import { dnsMachine } from './machine.js';

type ChildInput = DnsInput & { records: Record<string, string> };
type DnsServerHandle = Awaited<ReturnType<DnsServerFactory>>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Ports below this are bound only by root; the helper redirects only to ports at or above it. */
const FIRST_UNPRIVILEGED_PORT = 1024;

export function provideDns(startDnsServer: DnsServerFactory, logger?: Logger) {
  return dnsMachine.provide({
    actors: {
      serveDns: serveDns(startDnsServer, logger),
      publishHost: publishHost(logger),
    },
  });
}

/**
 * The UDP server: loopback first (`dns_listen`), then, on `dns.bridgeUp`, the
 * bridge address at the same port, port 53 redirected to it, and the `vm`
 * domain routed to it through systemd-resolved when that is the host mode.
 * Guest-side steps run one after another, so `dns.withdraw` takes back
 * exactly what was done, after anything still in flight.
 */
function serveDns(startDnsServer: DnsServerFactory, logger?: Logger) {
  return fromCallback<DnsEvent, ChildInput>(({ input, sendBack, receive, system }) => {
    const table = new Map(Object.entries(input.records));
    const lookup = (name: string) => table.get(name);
    const onError = (err: Error) => logger?.warn({ err: err.message }, 'dns server error');
    const servers: DnsServerHandle[] = [];
    let stopped = false;
    const keep = (s: DnsServerHandle) => {
      if (stopped) void s.close();
      else servers.push(s);
      return !stopped;
    };

    const loopback: Promise<DnsServerHandle | null> = startDnsServer({ host: input.host, port: input.port, lookup, onError }).then(
      (s) => {
        if (!keep(s)) return null;
        sendBack({ type: 'dns.listening', host: s.host, port: s.port });
        return s;
      },
      (err: unknown) => {
        sendBack({ type: 'dns.failed', message: message(err) });
        return null;
      },
    );

    const done = { bound: null as DnsServerHandle | null, redirected: false, routed: false, started: false };
    let steps: Promise<void> = loopback.then(() => undefined);
    const step = (what: string, fn: () => Promise<void>) => {
      steps = steps.then(fn).catch((err: unknown) => {
        logger?.warn({ err: message(err), step: what }, 'dns: guest-side step failed');
        sendBack({ type: 'dns.guestFailed', message: `${what}: ${message(err)}` });
      });
    };
    const helper = (): AnyActorRef | undefined => system.get('helperBridge');

    const startGuests = (guests: NonNullable<DnsInput['guests']>) => {
      step('listen on the bridge', async () => {
        const lo = await loopback;
        const port = input.port || lo?.port || 0;
        let s: DnsServerHandle;
        try {
          s = await startDnsServer({ host: guests.address, port, lookup, onError });
        } catch (err) {
          if (port === 0) throw err;
          // The port is taken on that address (another program): any port works, the redirect points at it.
          logger?.warn({ err: message(err), address: guests.address, port }, 'dns: guest port taken; using an ephemeral one');
          s = await startDnsServer({ host: guests.address, port: 0, lookup, onError });
        }
        if (!keep(s)) return;
        done.bound = s;
        sendBack({ type: 'dns.guestListening', host: s.host, port: s.port });
      });
      step('redirect port 53', async () => {
        const port = done.bound?.port;
        if (port === undefined || port === 53) return;
        if (port < FIRST_UNPRIVILEGED_PORT) throw new Error(`cannot redirect guests' port 53 to privileged port ${port}; use an unprivileged dns_listen port`);
        await callPrivileged(helper(), 'dns.redirect', { bridge: guests.bridge, port });
        done.redirected = true;
      });
      if (input.hostDns === 'resolved') {
        step('route .vm through systemd-resolved', async () => {
          if (!done.bound) return;
          await callPrivileged(helper(), 'resolver.route', { bridge: guests.bridge, server: `${guests.address}:${done.bound.port}` });
          done.routed = true;
        });
      }
    };

    const withdraw = (guests: DnsInput['guests']) => {
      steps = steps
        .then(async () => {
          if (!guests) return;
          if (done.routed) await callPrivileged(helper(), 'resolver.unroute', { bridge: guests.bridge });
          if (done.redirected) await callPrivileged(helper(), 'dns.unredirect', { bridge: guests.bridge });
        })
        .catch((err: unknown) => logger?.warn({ err: message(err) }, 'dns: could not take back the guest-side setup'))
        .finally(() => sendBack({ type: 'dns.serverWithdrawn' }));
    };

    receive((event) => {
      if (event.type === 'dns.add') table.set(event.name, event.ip);
      else if (event.type === 'dns.remove') table.delete(event.name);
      else if (event.type === 'dns.bridgeUp' && input.guests && !done.started && !stopped) {
        done.started = true;
        startGuests(input.guests);
      } else if (event.type === 'dns.withdraw') withdraw(input.guests);
    });

    return () => {
      stopped = true;
      for (const s of servers) void s.close();
    };
  });
}

/**
 * The hosts-file block (host mode `hosts`): the table goes to the helper's
 * `hosts.sync` after a quiet time, one publish at a time, the latest table
 * winning; a failed publish is retried with backoff. The first publish, right
 * after start, rewrites whatever a killed bangerd left. `dns.withdraw`
 * publishes the empty table (no block) after anything in flight.
 */
function publishHost(logger?: Logger) {
  return fromCallback<DnsEvent, ChildInput>(({ input, sendBack, receive, system }) => {
    const instance = input.instance;
    if (input.hostDns !== 'hosts' || !instance) {
      receive((e) => e.type === 'dns.withdraw' && sendBack({ type: 'dns.hostWithdrawn' }));
      return () => {};
    }
    const table = new Map(Object.entries(input.records));
    const delayMs = input.publishDelayMs ?? 250;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let chain: Promise<unknown> = Promise.resolve();
    let withdrawing = false;
    let last: string | null = null;
    let retryMs = 1000;

    const entries = () =>
      [...table]
        .sort(([a], [b]) => a.localeCompare(b))
        .slice(0, HOSTS_MAX_ENTRIES)
        .map(([name, ip]) => ({ name: `${name}.vm`, ip }));

    const publish = async (list: Array<{ name: string; ip: string }>): Promise<boolean> => {
      const key = JSON.stringify(list);
      if (key === last) return true;
      try {
        await callPrivileged(system.get('helperBridge'), 'hosts.sync', { instance, entries: list });
        last = key;
        retryMs = 1000;
        sendBack({ type: 'dns.published', count: list.length });
        return true;
      } catch (err) {
        logger?.warn({ err: message(err), names: list.length }, 'dns: publishing NAME.vm to the hosts file failed');
        sendBack({ type: 'dns.publishFailed', message: message(err) });
        return false;
      }
    };

    const schedule = (ms: number) => {
      if (withdrawing) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        chain = chain.then(async () => {
          if (withdrawing) return;
          if (table.size > HOSTS_MAX_ENTRIES) logger?.warn({ names: table.size, published: HOSTS_MAX_ENTRIES }, 'dns: more VMs than the hosts block holds');
          if (!(await publish(entries()))) {
            schedule(retryMs);
            retryMs = Math.min(retryMs * 2, 60_000);
          }
        });
      }, ms);
      timer.unref?.();
    };
    schedule(delayMs);

    receive((event) => {
      if (event.type === 'dns.add') {
        table.set(event.name, event.ip);
        schedule(delayMs);
      } else if (event.type === 'dns.remove') {
        table.delete(event.name);
        schedule(delayMs);
      } else if (event.type === 'dns.withdraw' && !withdrawing) {
        withdrawing = true;
        clearTimeout(timer);
        chain = chain.then(() => publish([])).finally(() => sendBack({ type: 'dns.hostWithdrawn' }));
      }
    });

    return () => {
      withdrawing = true;
      clearTimeout(timer);
    };
  });
}
