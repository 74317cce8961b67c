import type { BangerError, ErrorKind } from '../errors/index.js';
import { CLI_JSON_API_VERSION } from './json-api.js';

/**
 * The `--json` envelope (docs/cli/json.md, docs/cli/banger-cli.schema.json):
 * every invocation prints exactly one of these on stdout. Built only here, so
 * no command can print a shape of its own.
 */
export interface JsonError {
  kind: ErrorKind;
  code: string;
  message: string;
  hint?: string;
}

/** One name of a NAME... command (`vm stop a b`): its own outcome. */
export type TargetResult = { target: string; ok: true; data: unknown } | { target: string; ok: false; error: BangerError };

export type Envelope =
  | { apiVersion: typeof CLI_JSON_API_VERSION; command: string; ok: true; data: unknown }
  | { apiVersion: typeof CLI_JSON_API_VERSION; command: string; ok: false; error: JsonError }
  | { apiVersion: typeof CLI_JSON_API_VERSION; command: string; ok: boolean; results: TargetResultJson[] };

type TargetResultJson = { target: string; ok: true; data: unknown } | { target: string; ok: false; error: JsonError };

export function successEnvelope(command: string, data: unknown): Envelope {
  // `undefined` would drop the key from the JSON: a command with nothing to say answers null.
  return { apiVersion: CLI_JSON_API_VERSION, command, ok: true, data: data === undefined ? null : data };
}

export function errorEnvelope(command: string, err: BangerError): Envelope {
  return { apiVersion: CLI_JSON_API_VERSION, command, ok: false, error: err.toJSON() };
}

export function resultsEnvelope(command: string, results: readonly TargetResult[]): Envelope {
  return {
    apiVersion: CLI_JSON_API_VERSION,
    command,
    ok: results.every((r) => r.ok),
    results: results.map((r) => (r.ok ? { target: r.target, ok: true, data: r.data === undefined ? null : r.data } : { target: r.target, ok: false, error: r.error.toJSON() })),
  };
}

/**
 * One line per document: `JSON.parse`, `jq` and line tools (`grep -q '"installed":true'`,
 * `while read`) all take it as it is; `jq .` indents it for a person.
 */
export function serialize(envelope: Envelope): string {
  return `${JSON.stringify(envelope)}\n`;
}
