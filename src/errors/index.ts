/**
 * One error family for the whole product. Every error a user can see is a
 * BangerError: a stable `code`, a one-line `message`, an optional `hint` that
 * names the fix, and the process exit code the CLI should use.
 *
 * Over JSON-RPC the error travels as `{ code: -32000, message, data: { kind, code, hint } }`
 * and is rehydrated by the client with `fromRpcError`.
 */

export type ErrorKind =
  | 'usage'
  | 'not_found'
  | 'busy'
  | 'conflict'
  | 'invalid'
  | 'helper_refused'
  | 'vmm'
  | 'guest'
  | 'host'
  | 'daemon_unavailable'
  | 'internal';

export interface BangerErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Machine-readable sub-code, e.g. "vm.busy" or "tap.name_invalid". */
  code?: string;
}

export class BangerError extends Error {
  readonly kind: ErrorKind = 'internal';
  readonly exitCode: number = 1;
  readonly hint: string | undefined;
  readonly code: string;

  constructor(message: string, opts: BangerErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
    this.code = opts.code ?? 'error';
  }

  /** JSON shape used by `--json` output and RPC error data. */
  toJSON(): { kind: ErrorKind; code: string; message: string; hint?: string } {
    return { kind: this.kind, code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Bad command-line usage. Exit code 2. */
export class UsageError extends BangerError {
  override readonly kind = 'usage';
  override readonly exitCode = 2;
}

/** Input that parses but is not acceptable (out of range, bad name). Exit code 1. */
export class InvalidInputError extends BangerError {
  override readonly kind = 'invalid';
}

export class NotFoundError extends BangerError {
  override readonly kind = 'not_found';
}

/** The target is in the middle of another operation. */
export class BusyError extends BangerError {
  override readonly kind = 'busy';
}

/** The request conflicts with existing state (duplicate name, wrong state). */
export class ConflictError extends BangerError {
  override readonly kind = 'conflict';
}

/** The root helper refused an operation (validation) or could not perform it. */
export class HelperRefusedError extends BangerError {
  override readonly kind = 'helper_refused';
}

export class VmmError extends BangerError {
  override readonly kind = 'vmm';
}

export class GuestError extends BangerError {
  override readonly kind = 'guest';
}

/** A host resource (disk, network, tool) failed or is missing. */
export class HostError extends BangerError {
  override readonly kind = 'host';
}

export class DaemonUnavailableError extends BangerError {
  override readonly kind = 'daemon_unavailable';
}

export class InternalError extends BangerError {
  override readonly kind = 'internal';
}

const BY_KIND: Record<ErrorKind, new (message: string, opts?: BangerErrorOptions) => BangerError> = {
  usage: UsageError,
  invalid: InvalidInputError,
  not_found: NotFoundError,
  busy: BusyError,
  conflict: ConflictError,
  helper_refused: HelperRefusedError,
  vmm: VmmError,
  guest: GuestError,
  host: HostError,
  daemon_unavailable: DaemonUnavailableError,
  internal: InternalError,
};

/** JSON-RPC application error code used for every BangerError. */
export const RPC_APP_ERROR = -32000;

export interface RpcErrorData {
  kind: ErrorKind;
  code: string;
  hint?: string;
}

/** Converts anything thrown into a BangerError (unknown errors become InternalError). */
export function toBangerError(err: unknown): BangerError {
  if (err instanceof BangerError) return err;
  if (err instanceof Error) return new InternalError(err.message, { cause: err });
  return new InternalError(String(err));
}

/** Rebuilds a typed error from a JSON-RPC error object received over the wire. */
export function fromRpcError(error: { code: number; message: string; data?: unknown }): BangerError {
  const data = error.data as Partial<RpcErrorData> | undefined;
  if (data && typeof data.kind === 'string' && data.kind in BY_KIND) {
    const Ctor = BY_KIND[data.kind];
    return new Ctor(error.message, { hint: data.hint, code: data.code });
  }
  if (error.code === -32602) return new UsageError(error.message, { code: 'rpc.invalid_params' });
  return new InternalError(error.message, { code: `rpc.${error.code}` });
}

/** Formats an error for a terminal: `banger: message` then `  hint: ...`. */
export function formatErrorLines(err: BangerError, prog = 'banger'): string[] {
  const lines = [`${prog}: ${err.message}`];
  if (err.hint) lines.push(`  hint: ${err.hint}`);
  return lines;
}

export { describeIssue, describeValue, describeZodError, formatIssuePath, issueHint } from './zod-issues.js';
