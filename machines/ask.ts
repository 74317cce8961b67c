/**
 * Request/reply between actors. XState v5 has no built-in ask: the request
 * event carries a `reply` callback that the owning actor calls exactly once.
 * The callback is the only non-JSON thing in these events; inspect records
 * drop it (see inspect.ts).
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { InternalError } from '../src/errors/index.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export type Reply<T> = (outcome: Outcome<T>) => void;

/** Sends `make(reply)` to `ref` and resolves with what it replies. Rejects if `ref` is absent or does not answer in time. */
export function ask<T>(ref: AnyActorRef | undefined, what: string, make: (reply: Reply<T>) => AnyEventObject, timeoutMs = 60_000): Promise<T> {
  if (!ref) return Promise.reject(new InternalError(`${what}: the actor is not running`, { code: 'actor.missing' }));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new InternalError(`${what}: no reply after ${timeoutMs} ms`, { code: 'actor.timeout' }));
    }, timeoutMs);
    timer.unref?.();
    const reply: Reply<T> = (o) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (o.ok) resolve(o.value);
      else reject(o.error);
    };
    try {
      ref.send(make(reply));
    } catch (err) {
      reply({ ok: false, error: err });
    }
  });
}

/** Calls a reply without ever throwing (used inside actions). */
export function safeReply<T>(reply: Reply<T> | undefined, outcome: Outcome<T>): void {
  try {
    reply?.(outcome);
  } catch {
    // a throwing reply callback must not take the replying actor down
  }
}
