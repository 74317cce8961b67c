import { destination, pino, type Logger } from 'pino';
import { describeZodError, HelperRefusedError, toBangerError } from '../src/errors/index.js';
import { createExecFileRunner, type CommandRunner } from '../src/host/exec/index.js';
import { createTapBatcher, instanceTag } from '../src/host/network/index.js';
import { OP_HANDLERS, realHost, type HostPort, type OpContext, type OpHandler } from './ops/index.js';
import { HELPER_OPS, type HelperOpName, type HelperOpParams, type HelperOpResult, type PrivilegedOps } from '../src/model/helper-ops.js';
import { normaliseRoots, policyProblem, refuse, validateOpParams, type HelperPolicy } from './validate/index.js';
import { HELPER_VERSION } from './version.js';

export interface ExecutorOptions {
  policy: HelperPolicy;
  /** @default the execFile runner */
  runner?: CommandRunner;
  /** @default the real host */
  host?: HostPort;
  /** Receives one line per operation. @default pino to stderr */
  logger?: Logger;
  /** What the helper found at start, reported by helper.ping. */
  facts?: HelperFacts;
}

/** Host facts the helper established at start (see helper/tun-access.ts). */
export interface HelperFacts {
  /** How the owner reaches /dev/net/tun: open, granted, shared, root or failed. */
  tun?: string;
}

/** Who asked: the verified peer uid for socket calls, our own uid in-process. */
export interface CallerInfo {
  uid: number;
  /** Connection id for socket calls (log correlation). */
  conn?: number;
  /** The calling bangerd's instance id (src/host/network/instance.ts), from helper.hello or in-process options. */
  instance?: string;
}

/** The alias a caller's links carry; a caller that named no instance gets one per owner uid. */
export function callerTag(caller: CallerInfo, policy: HelperPolicy): string {
  return instanceTag(caller.instance ?? `uid${policy.ownerUid}`);
}

/**
 * Runs one operation end to end: known op → shape (zod) → meaning
 * (validate/) → handler → log line. Shared by the socket server and the
 * in-process mode, so both refuse exactly the same things.
 */
export interface OpExecutor {
  execute(op: string, params: unknown, caller: CallerInfo): Promise<unknown>;
  readonly policy: HelperPolicy;
}

export function createOpExecutor(opts: ExecutorOptions): OpExecutor {
  const policy: HelperPolicy = { ...opts.policy, roots: normaliseRoots(opts.policy.roots) };
  const problem = policyProblem(policy);
  if (problem) throw new HelperRefusedError(`helper policy is invalid: ${problem}`, { code: 'policy.invalid', hint: 'fix the banger-helper flags (see banger system status)' });
  const runner = opts.runner ?? createExecFileRunner();
  const ctx: Omit<OpContext, 'tag'> = { runner, taps: createTapBatcher(runner), policy, host: opts.host ?? realHost, version: HELPER_VERSION, facts: opts.facts ?? {} };
  const logger = opts.logger ?? pino({ name: 'banger-helper' }, destination(2));

  return {
    policy,
    async execute(op, rawParams, caller) {
      const started = performance.now();
      const log = (outcome: 'ok' | 'refused' | 'failed', extra: Record<string, unknown>) =>
        logger[outcome === 'ok' ? 'info' : 'warn'](
          { callerUid: caller.uid, ...(caller.conn !== undefined ? { conn: caller.conn } : {}), op, params: rawParams, outcome, durationMs: Math.round((performance.now() - started) * 10) / 10, ...extra },
          `helper op ${op} ${outcome}`,
        );
      try {
        if (!Object.hasOwn(HELPER_OPS, op)) throw refuse('op.unknown', `unknown helper operation ${JSON.stringify(op)}`, `use one of: ${Object.keys(HELPER_OPS).join(', ')}`);
        const name = op as HelperOpName;
        const parsed = HELPER_OPS[name].safeParse(rawParams ?? {});
        if (!parsed.success) {
          throw refuse('arg.schema', `bad params for ${op}: ${describeZodError(parsed.error, rawParams ?? {}, 1)}`, 'see src/model/helper-ops.ts for the operation\'s parameters');
        }
        const params = validateOpParams(name, parsed.data as HelperOpParams<typeof name>, policy);
        // The handler table is keyed by op, so this lookup pairs each op with its own params type.
        const handler = OP_HANDLERS[name] as OpHandler<typeof name>;
        const result = await handler({ ...ctx, tag: callerTag(caller, policy) }, params);
        log('ok', { result });
        return result;
      } catch (err) {
        const e = toBangerError(err);
        log(e instanceof HelperRefusedError ? 'refused' : 'failed', { code: e.code, error: e.message });
        throw e;
      }
    },
  };
}

/**
 * PrivilegedOps without a socket, for a bangerd that already runs as root
 * (CI, this machine): same validation, same handlers, same log lines.
 */
export function createInProcessOps(opts: ExecutorOptions & { instance?: string }): PrivilegedOps {
  const executor = createOpExecutor(opts);
  const uid = process.getuid?.() ?? -1;
  const caller: CallerInfo = { uid, ...(opts.instance ? { instance: opts.instance } : {}) };
  return {
    call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>> {
      return executor.execute(op, params, caller) as Promise<HelperOpResult<O>>;
    },
  };
}
