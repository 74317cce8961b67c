import { formatErrorLines, toBangerError, type BangerError } from '../errors/index.js';
import { errorEnvelope, serialize } from './envelope.js';

export interface ReportIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface ReportOptions {
  json: boolean;
  debug: boolean;
  /** The command path for the envelope (`vm start`); '' when no command was recognised. @default '' */
  command?: string;
}

/**
 * The CLI's single error rendering: `banger: <message>` and `  hint: <fix>` on
 * stderr (stack only with --debug), or the error envelope
 * (`{"apiVersion":…,"command":…,"ok":false,"error":{…}}`) on stdout with
 * --json. Returns the exit code: 2 for usage errors (UsageError's own), else the error's.
 */
export function reportError(err: unknown, opts: ReportOptions, io: ReportIo): number {
  const be: BangerError = toBangerError(err);
  if (opts.json) {
    io.stdout(serialize(errorEnvelope(opts.command ?? '', be)));
  } else {
    for (const line of formatErrorLines(be)) io.stderr(`${line}\n`);
  }
  // The stack goes to stderr in both modes: under --json stdout still holds one document.
  if (opts.debug) {
    const original = err instanceof Error ? err : be;
    if (original.stack) io.stderr(`${original.stack}\n`);
  }
  return be.exitCode;
}
