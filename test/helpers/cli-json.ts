import { CLI_JSON_API_VERSION } from '../../src/cli/json-api.js';

/**
 * Reading the CLI's --json envelope (docs/cli/json.md) in tests: the success
 * envelope a command should print, and the `data` of one it did print.
 */
export function okEnvelope(command: string, data: unknown): { apiVersion: string; command: string; ok: true; data: unknown } {
  return { apiVersion: CLI_JSON_API_VERSION, command, ok: true, data };
}

interface ParsedEnvelope {
  apiVersion: string;
  command: string;
  ok: boolean;
  data?: unknown;
  error?: { kind: string; code: string; message: string; hint?: string };
  results?: { target: string; ok: boolean; data?: unknown; error?: { kind: string; code: string; message: string; hint?: string } }[];
}

export function parseEnvelope(stdout: string): ParsedEnvelope {
  const env = JSON.parse(stdout) as ParsedEnvelope;
  if (env.apiVersion !== CLI_JSON_API_VERSION) throw new Error(`not a ${CLI_JSON_API_VERSION} envelope: ${stdout.slice(0, 200)}`);
  return env;
}

/** The `data` of a success envelope; throws (with the error) on a failure one, so a test fails with the reason. */
export function jsonData<T = unknown>(stdout: string): T {
  const env = parseEnvelope(stdout);
  if (!env.ok || !('data' in env)) throw new Error(`expected a success envelope with data, got: ${stdout.slice(0, 500)}`);
  return env.data as T;
}
