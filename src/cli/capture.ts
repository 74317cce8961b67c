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
