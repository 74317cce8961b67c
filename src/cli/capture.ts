import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors/index.js';

/**
 * Under --json a guest command's output cannot share stdout with the one
 * JSON document, so `vm exec`, `vm ssh NAME -- CMD` and `vm run` collect it
 * here and return it in `data.stdout` / `data.stderr` (UTF-8; docs/cli/json.md).
 */
export interface Capture {
  stream: Writable & { isTTY: false };
  text(): string;
}

export function createCapture(): Capture {
  const decoder = new StringDecoder('utf8');
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
        done();
      },
    }),
    { isTTY: false as const },
  );
  return { stream, text: () => text + decoder.end() };
}

/** A PTY merges stdout and stderr and adds terminal control: it cannot be captured apart, so -t and --json conflict. */
export function refuseTtyWithJson(json: boolean, tty: boolean | undefined, command: string): void {
  if (json && tty === true) {
    throw new UsageError('-t (a PTY) cannot be combined with --json', {
      code: 'usage.json_unsupported',
      hint: `drop -t to get the command's stdout and stderr in the JSON document, or drop --json: ${command}`,
    });
  }
}

/** A guest command's two outputs, collected for the --json document. */
export interface CapturedOutput {
  stdout: Capture;
  stderr: Capture;
}

/** Collectors for the guest command's output under --json; undefined when it goes to the terminal. */
export function captureUnderJson(json: boolean): CapturedOutput | undefined {
  return json ? { stdout: createCapture(), stderr: createCapture() } : undefined;
}

/** Where the guest command writes: the collectors under --json, else this process's stdout and stderr. */
export function guestOutputs(captured: CapturedOutput | undefined) {
  return { stdout: captured?.stdout.stream ?? process.stdout, stderr: captured?.stderr.stream ?? process.stderr };
}

/** Which local ends are terminals; a captured stdout is not one (so no PTY is asked for). */
export function localTerminals(captured: CapturedOutput | undefined): { stdinIsTTY: boolean; stdoutIsTTY: boolean } {
  return { stdinIsTTY: process.stdin.isTTY === true, stdoutIsTTY: captured ? false : process.stdout.isTTY === true };
}

/** The collected text for `data`, or nothing when the output went to the terminal. */
export function capturedData(captured: CapturedOutput | undefined): { stdout?: string; stderr?: string } {
  return captured ? { stdout: captured.stdout.text(), stderr: captured.stderr.text() } : {};
}
