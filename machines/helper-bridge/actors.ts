import { fromPromise } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { HelperOpName, HelperOpParams, HelperOpResult, PrivilegedOps } from '../../src/model/helper-ops.js';
import { HelperRefusedError, InvalidInputError, UsageError } from '../../src/errors/index.js';
import { ask, safeReply } from '../ask.js';
import type { Reply } from '../ask.js';
import type { HelperCall, RetryPolicy } from './events.js';
import { helperBridgeMachine } from './machine.js';

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 50 };

/** Refusals and bad input will fail the same way again; everything else (socket hiccup, busy device) may not. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof HelperRefusedError || err instanceof InvalidInputError || err instanceof UsageError) return false;
  if (err instanceof Error && err.name === 'AbortError') return false;
  return true;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs one call with retries; never rejects (the outcome goes to `reply`). */
export async function runHelperCall(ops: PrivilegedOps, call: HelperCall, policy: RetryPolicy): Promise<{ ok: boolean; attempts: number; message?: string }> {
  // Each HelperCall variant pairs its op with its reply type; erase the pairing once here.
  const reply = call.reply as Reply<unknown>;
  let lastErr: unknown;
  let attempt = 1;
  for (; attempt <= policy.attempts; attempt++) {
    try {
      // The union of ops is correlated with params by HelperCall's construction.
      const value = await ops.call(call.op as HelperOpName, call.params as never);
      safeReply(reply, { ok: true, value });
      return { ok: true, attempts: attempt };
    } catch (err) {
      lastErr = err;
      if (!isRetryable(err) || attempt === policy.attempts) break;
      await sleep(policy.baseDelayMs * 2 ** (attempt - 1));
    }
  }
  safeReply(reply, { ok: false, error: lastErr });
  const message = lastErr instanceof Error ? lastErr.message : String(lastErr);
  return { ok: false, attempts: Math.min(attempt, policy.attempts), message };
}

export function provideHelperBridge(ops: PrivilegedOps, policy: RetryPolicy = DEFAULT_RETRY) {
  return helperBridgeMachine.provide({
    actors: {
      callHelper: fromPromise<void, HelperCall>(async ({ input, self }) => {
        const r = await runHelperCall(ops, input, policy);
        const parent = self._parent;
        if (r.ok) parent?.send({ type: 'helper.succeeded', op: input.op, attempts: r.attempts });
        else parent?.send({ type: 'helper.failed', op: input.op, attempts: r.attempts, message: r.message ?? 'failed' });
      }),
    },
  });
}

/** Typed privileged call through the bridge actor found in the system. */
export function callPrivileged<O extends HelperOpName>(
  bridge: AnyActorRef | undefined,
  op: O,
  params: HelperOpParams<O>,
): Promise<HelperOpResult<O>> {
  return ask<HelperOpResult<O>>(bridge, `helper ${op}`, (reply) => ({ type: 'helper.call', op, params, reply }) as HelperCall);
}

