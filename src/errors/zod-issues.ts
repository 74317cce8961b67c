/**
 * Validation issues (zod's) as plain sentences, the one translator for every
 * place a user can see one: config.toml, RPC params reaching the CLI, the
 * dashboard's request bodies, the helper's refusals. zod's own text ("Invalid
 * input: expected number, received string") names types a user never wrote;
 * this says what the key wants and what it got: `memory: expected a size like
 * "2G", got the string "lots"`.
 *
 * Schemas may carry their own wording: a message starting with "is " or
 * "must " ("is not an IPv4 CIDR like ...") is used as written, and a custom
 * issue with `params.expected` is phrased "expected X, got Y", one with
 * `params.verbatim` keeps its message, and `params.hint` becomes the error's hint.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** A path as a user writes it: `vm_defaults.memory`, `file_sync[0].owner`; '' for the root. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** The value at `path` inside `root`, undefined when it is not there. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'a table of keys',
  array: 'a list',
  date: 'a date',
  null: 'nothing (null)',
  undefined: 'nothing',
};

/** "the string \"lots\"", "the number 1.5", "true", "a list of 3 items": what a user sent, in their terms. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  if (typeof value === 'object') return 'a table of keys';
  return `a ${typeof value}`;
}

function noun(expected: string): string {
  return TYPE_NOUNS[expected] ?? expected;
}

function limitText(origin: string, bound: number | bigint, inclusive: boolean, side: 'min' | 'max'): string {
  const n = Number(bound);
  if (origin === 'string') {
    if (side === 'min' && n <= 1) return 'must not be empty';
    return `must be ${side === 'min' ? 'at least' : 'at most'} ${n} character${n === 1 ? '' : 's'} long`;
  }
  if (origin === 'array' || origin === 'set') {
    if (side === 'min' && n <= 1) return 'must not be an empty list';
    return `must have ${side === 'min' ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}`;
  }
  if (side === 'min') return inclusive ? `must be at least ${n}` : n === 0 ? 'must be more than 0' : `must be more than ${n}`;
  return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
}

/** Own wording in a schema: used as written. */
function isOwnWording(message: string): boolean {
  return /^(is|must|expected) /.test(message);
}

/**
 * One issue as a sentence without its path: "expected a whole number, got the string \"2\"".
 * `input` is the whole value that was validated (zod does not keep it in the issue by default).
 */
export function describeIssue(issue: Issue, input: unknown): string {
  const got = describeValue(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return `is missing; expected ${noun(issue.expected)}`;
      return `expected ${noun(issue.expected)}, got ${got}`;
    case 'too_small':
      return `${limitText(issue.origin, issue.minimum, issue.inclusive ?? true, 'min')}, got ${got}`;
    case 'too_big':
      return `${limitText(issue.origin, issue.maximum, issue.inclusive ?? true, 'max')}, got ${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}, got ${got}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${got}`;
    case 'unrecognized_keys':
      return `has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union': {
      // Each alternative's type, e.g. "a number or a string" for a size given as `memory = true`.
      const alts = [...new Set(issue.errors.flatMap((errs) => errs.filter((e) => e.code === 'invalid_type' && e.path.length === 0).map((e) => noun((e as { expected: string }).expected))))];
      return alts.length > 0 ? `expected ${alts.join(' or ')}, got ${got}` : `is not valid: got ${got}`;
    }
    case 'invalid_format':
      if (isOwnWording(issue.message)) return issue.message;
      return `is not in the expected format${issue.format === 'regex' ? '' : ` (${issue.format})`}: got ${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${Number(issue.divisor)}, got ${got}`;
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return `has an item that is not valid`;
    case 'custom': {
      const params = issue.params as { expected?: unknown; verbatim?: unknown } | undefined;
      if (typeof params?.expected === 'string') return `expected ${params.expected}, got ${got}`;
      if (params?.verbatim === true) return issue.message;
      return isOwnWording(issue.message) ? issue.message : `is not valid: got ${got}`;
    }
    default:
      return `is not valid: got ${got}`;
  }
}

/** `key: sentence`, or the bare sentence for the root. */
function describeIssueAt(issue: Issue, input: unknown, prefix = ''): string {
  const at = formatIssuePath([...(prefix ? [prefix] : []), ...issue.path]);
  return at ? `${at}: ${describeIssue(issue, input)}` : describeIssue(issue, input);
}

/** The first `max` issues, each `key: sentence`, joined by "; ". */
export function describeZodError(error: z.ZodError, input: unknown, max = 3): string {
  const lines = error.issues.slice(0, max).map((i) => describeIssueAt(i, input));
  const more = error.issues.length - max;
  return more > 0 ? `${lines.join('; ')} (and ${more} more)` : lines.join('; ');
}

/** A custom issue's own hint (`params.hint`), for the error's hint line. */
export function issueHint(issue: Issue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
  return typeof hint === 'string' ? hint : undefined;
}
