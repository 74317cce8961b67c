import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { InvalidInputError } from '../errors/index.js';
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
 * key or a bad value is an InvalidInputError naming the key and the file.
 */
export function loadConfig(path: string, read: ReadText = readTextFile): Config {
  const text = read(path);
  if (text === undefined) return ConfigSchema.parse({});
  return parseConfig(text, path);
}

/** Parses config text; `path` is used only in error messages. */
export function parseConfig(text: string, path = 'config.toml'): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new InvalidInputError(`${path} is not valid TOML: ${first}`, {
      code: 'config.toml',
      hint: `fix the syntax in ${path}`,
    });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw configError(parsed.error, path);
  return parsed.data;
}

function configError(error: z.ZodError, path: string): InvalidInputError {
  const issue = error.issues[0]!;
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    return new InvalidInputError(`unknown key ${keys.map((k) => `"${k}"`).join(', ')} in ${path}`, {
      code: 'config.unknown_key',
      hint: `remove it or fix the spelling; see docs/ARCHITECTURE.md for the keys`,
    });
  }
  const message = issue.message.startsWith('is ') ? issue.message : `is invalid: ${issue.message}`;
  return new InvalidInputError(`config key "${at || '(root)'}" in ${path} ${message}`, {
    code: 'config.invalid',
    hint: `fix the value in ${path}`,
  });
}
