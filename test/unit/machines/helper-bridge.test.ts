/** helper-bridge: every privileged call through one mailbox, typed errors intact, bounded retries. */
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { DEFAULT_RETRY, callPrivileged, isRetryable, provideHelperBridge } from '../../../machines/helper-bridge/actors.js';
import type { HelperBridgeContext } from '../../../machines/helper-bridge/events.js';
import { HelperRefusedError, InvalidInputError, HostError } from '../../../src/errors/index.js';
import { FakeHelper } from '../../fakes/index.js';
import type { FakeHelperOptions } from '../../fakes/index.js';

function startBridge(opts: FakeHelperOptions = {}, retry = { attempts: 3, baseDelayMs: 1 }) {
  const helper = new FakeHelper(opts);
  const events: string[] = [];
  const inspect = (ev: InspectionEvent) => {
    if (ev.type === '@xstate.event' && !(ev.actorRef as AnyActorRef)._parent) events.push(ev.event.type); // the bridge itself, not its call actors
  };
  const bridge: AnyActorRef = createActor(provideHelperBridge(helper, retry), { inspect }).start();
  const ctx = () => (bridge.getSnapshot() as { context: HelperBridgeContext }).context;
  return { helper, bridge, ctx, events };
}

describe('helper-bridge', () => {
  it('runs a call and replies with its typed result; counters settle', { timeout: 5000 }, async () => {
    const { bridge, ctx, helper, events } = startBridge();
    const r = await callPrivileged(bridge, 'tap.create', { name: 'bgt9', bridge: 'br' });
    expect(r).toEqual({ created: true });
    await waitFor(bridge, () => ctx().inFlight === 0, { timeout: 1000 });
    expect(ctx()).toMatchObject({ calls: 1, failures: 0, lastFailure: null });
    expect(helper.calls).toEqual([{ op: 'tap.create', params: { name: 'bgt9', bridge: 'br' } }]);
    // Everything arrives in the one mailbox: the request, then the call actor's report.
    expect(events.filter((e) => !e.startsWith('xstate.'))).toEqual(['helper.call', 'helper.succeeded']);
    bridge.stop();
  });

  it('passes a helper refusal through as the same typed error, without retrying it', { timeout: 5000 }, async () => {
    const refusal = new HelperRefusedError('tap name "eth0" is outside the policy prefix', { hint: 'use a bgtap name', code: 'policy.tap' });
    const { bridge, ctx, helper } = startBridge({ failOn: (op) => (op === 'tap.create' ? refusal : undefined) });
    const err = await callPrivileged(bridge, 'tap.create', { name: 'eth0', bridge: 'br' }).catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(err).toBeInstanceOf(HelperRefusedError);
    expect(err).toMatchObject({ hint: 'use a bgtap name', code: 'policy.tap' });
    expect(helper.count('tap.create')).toBe(1);
    await waitFor(bridge, () => ctx().inFlight === 0, { timeout: 1000 });
    expect(ctx()).toMatchObject({ failures: 1, lastFailure: { op: 'tap.create', message: refusal.message } });
    bridge.stop();
  });

  it('retries transient failures with backoff and succeeds', { timeout: 5000 }, async () => {
    let fails = 2;
    const { bridge, helper } = startBridge({ failOn: () => (fails-- > 0 ? new Error('ECONNRESET') : undefined) });
    await expect(callPrivileged(bridge, 'nat.up', { guestIP: '172.16.0.2', tap: 'bgt0', bridge: 'br' })).resolves.toEqual({ added: 2, ipForwardEnabled: false });
    expect(helper.count('nat.up')).toBe(3);
    bridge.stop();
  });

  it('gives up after the policy and rejects with the last error, reporting the real attempt count', { timeout: 5000 }, async () => {
    const failed: Array<{ attempts: number }> = [];
    const helper = new FakeHelper({ failOn: () => new HostError('iptables: locked') });
    const bridge = createActor(provideHelperBridge(helper, { attempts: 3, baseDelayMs: 1 }), {
      inspect: (ev) => {
        if (ev.type === '@xstate.event' && ev.event.type === 'helper.failed') failed.push(ev.event as unknown as { attempts: number });
      },
    }).start();
    await expect(callPrivileged(bridge, 'nat.down', { guestIP: '172.16.0.2', tap: 'bgt0', bridge: 'br' })).rejects.toBeInstanceOf(HostError);
    expect(helper.count('nat.down')).toBe(3);
    // A refusal is not retried: its report must say 1 attempt, not the policy's 3.
    helper.setFailOn(() => new HelperRefusedError('no'));
    await expect(callPrivileged(bridge, 'tap.delete', { name: 'bgt0' })).rejects.toBeInstanceOf(HelperRefusedError);
    await waitFor(bridge, () => failed.length === 2, { timeout: 1000 });
    expect(failed.map((f) => f.attempts)).toEqual([3, 1]);
    bridge.stop();
  });

  it('a slow call does not hold up the next one', { timeout: 5000 }, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const helper = new FakeHelper();
    const slow = {
      call: async (op: never, params: never) => {
        if ((op as string) === 'tap.create') await gate;
        return helper.call(op, params);
      },
    };
    const bridge = createActor(provideHelperBridge(slow as unknown as FakeHelper, DEFAULT_RETRY)).start();
    const first = callPrivileged(bridge, 'tap.create', { name: 'bgt1', bridge: 'br' });
    await expect(callPrivileged(bridge, 'nat.down', { guestIP: '172.16.0.2', tap: 'bgt1', bridge: 'br' })).resolves.toEqual({ removed: 0 });
    expect((bridge.getSnapshot() as { context: HelperBridgeContext }).context.inFlight).toBe(1);
    release();
    await expect(first).resolves.toEqual({ created: true });
    bridge.stop();
  });

  it('rejects at once with a typed error when the bridge is not running', { timeout: 5000 }, async () => {
    await expect(callPrivileged(undefined, 'helper.ping', {})).rejects.toMatchObject({ name: 'InternalError', code: 'actor.missing' });
  });

  it('classifies retryable errors', () => {
    expect(isRetryable(new Error('EPIPE'))).toBe(true);
    expect(isRetryable(new HostError('busy'))).toBe(true);
    expect(isRetryable(new HelperRefusedError('no'))).toBe(false);
    expect(isRetryable(new InvalidInputError('bad'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(false);
  });
});
