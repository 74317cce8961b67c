import { formatErrorLines, toBangerError, UsageError, type BangerError } from '../errors/index.js';

export interface ReportIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * The CLI's single error rendering: `banger: <message>` and `  hint: <fix>` on
 * stderr (stack only with --debug), or `{"ok":false,"error":{...}}` on stdout
 * with --json. Returns the exit code (usage 2, everything else from the error).
 */
export function reportError(err: unknown, opts: { json: boolean; debug: boolean }, io: ReportIo): number {
  const be: BangerError = toBangerError(err);
  if (opts.json) {
    io.stdout(`${JSON.stringify({ ok: false, error: be.toJSON() })}\n`);
  } else {
    for (const line of formatErrorLines(be)) io.stderr(`${line}\n`);
    if (opts.debug) {
      const original = err instanceof Error ? err : be;
      if (original.stack) io.stderr(`${original.stack}\n`);
    }
  }
  return be instanceof UsageError ? 2 : be.exitCode;
}
