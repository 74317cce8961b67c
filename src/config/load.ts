import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { describeIssue, formatIssuePath, InvalidInputError, issueHint } from '../errors/index.js';
import { codeFrame, locateKey, type Position } from './locate.js';
import { ConfigSchema, type Config } from './schema.js';

/** Reads a file's text, or undefined when it does not exist (injectable for tests). */
export type ReadText = (path: string) => string | undefined;

const readTextFile: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

/**
 * Loads `config.toml`. A missing file means all defaults. Bad TOML, an unknown
 * key or a bad value is an InvalidInputError naming the file, line and column,
 * the key and what it wants (see parseConfig).
 */
export function loadConfig(path: string, read: ReadText = readTextFile): Config {
  const text = read(path);
  if (text === undefined) return ConfigSchema.parse({});
  return parseConfig(text, path);
}

/**
 * Parses config text; `path` is used only in error messages. An error's message is
 * `FILE:LINE:COLUMN: what is wrong` on its first line (the form editors and terminals
 * jump to), then the offending line with a caret under the column.
 */
export function parseConfig(text: string, path = 'config.toml'): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message is "Invalid TOML document: <reason>" and then its own code block; keep the reason.
    const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '').trim();
    const pos = { line: err.line, column: err.column };
    throw new InvalidInputError(`${where(path, pos)}: not valid TOML: ${reason}\n${codeFrame(text, pos)}`, {
      code: 'config.toml',
      hint: `fix the syntax at line ${pos.line} of ${path}`,
    });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw configError(parsed.error, raw, text, path);
  return parsed.data;
}

function where(path: string, pos: Position | undefined): string {
  return pos ? `${path}:${pos.line}:${pos.column}` : path;
}

function configError(error: z.ZodError, raw: unknown, text: string, path: string): InvalidInputError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => formatIssuePath([...issue.path, k]));
    const pos = locateKey(text, [...issue.path, issue.keys[0]!], 'key');
    return new InvalidInputError(`${where(path, pos)}: unknown key ${keys.map((k) => `"${k}"`).join(', ')}${frame(text, pos)}`, {
      code: 'config.unknown_key',
      hint: 'remove it or fix the spelling; see docs/ARCHITECTURE.md for the keys',
    });
  }
  const key = formatIssuePath(issue.path) || '(the file)';
  const pos = locateKey(text, issue.path);
  return new InvalidInputError(`${where(path, pos)}: ${key}: ${describeIssue(issue, raw)}${frame(text, pos)}`, {
    code: 'config.invalid',
    hint: issueHint(issue) ?? `fix the value of ${key} in ${path}`,
  });
}

function frame(text: string, pos: Position | undefined): string {
  return pos ? `\n${codeFrame(text, pos)}` : '';
}
