import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

/**
 * The Firecracker API description as a JSON Schema (test/fixtures/firecracker/api.schema.json,
 * written from ../shared/docs/firecracker-api.md), and a fake Firecracker and jailer that
 * enforce it (test/fixtures/firecracker/*.mjs).
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'firecracker');
export const FC_API_SCHEMA_PATH = join(FIXTURES, 'api.schema.json');

interface SchemaDoc {
  'x-endpoints': Record<string, string>;
}

const doc = JSON.parse(readFileSync(FC_API_SCHEMA_PATH, 'utf8')) as SchemaDoc;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addVocabulary(['x-endpoints']);
ajv.addSchema(doc, 'fc');

/** Why Firecracker would refuse this request's body, or undefined when the API description accepts it. */
export function fcBodyProblem(method: string, url: string, body: unknown): string | undefined {
  for (const [pattern, def] of Object.entries(doc['x-endpoints'])) {
    const [m, p] = pattern.split(' ') as [string, string];
    const match = new RegExp(`^${p.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`).exec(url);
    if (m !== method || !match) continue;
    const validate = ajv.getSchema(`fc#/definitions/${def}`)!;
    if (!validate(body)) return `${method} ${url}: ${ajv.errorsText(validate.errors)}`;
    const id = (body as { drive_id?: string; iface_id?: string }).drive_id ?? (body as { iface_id?: string }).iface_id;
    if (match[1] !== undefined && id !== match[1]) return `${method} ${url}: path id ${match[1]} is not the body's ${String(id)}`;
    return undefined;
  }
  return `${method} ${url}: not an endpoint banger may call`;
}

/** One line of the fake Firecracker's record. */
export interface FakeFcRecord {
  id: string;
  pid: number;
  uid: number;
  gid: number;
  jailed: boolean;
  event?: 'start' | 'exit';
  argv?: string[];
  root?: string;
  method?: string;
  url?: string;
  body?: unknown;
  status?: number;
  problem?: string;
}

export interface FakeJailerRecord {
  argv: string[];
  uid: number;
  root: string;
  cgroupVersion: string;
  cgroups: string[];
}

export interface FakeFirecracker {
  /** Root-owned 0755 (under /run), as the helper requires of the jailer's directory. */
  dir: string;
  /** `firecracker`: execs node on the fake (same pid). */
  firecracker: string;
  /** `jailer`: validates like the jailer, builds the chroot, drops to --uid/--gid and execs the fake Firecracker. */
  jailer: string;
  requests(): FakeFcRecord[];
  jailerRuns(): FakeJailerRecord[];
  cleanup(): void;
}

const lines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

/** Installs the fakes in a fresh root-owned directory under /run (needs root: the helper refuses a jailer anywhere writable by others). */
export function installFakeFirecracker(): FakeFirecracker {
  const dir = mkdtempSync('/run/banger-fakefc-');
  chmodSync(dir, 0o755);
  const node = process.execPath;
  for (const f of ['fake-firecracker.mjs', 'fake-jailer.mjs']) {
    copyFileSync(join(FIXTURES, f), join(dir, f));
    chmodSync(join(dir, f), 0o644);
  }
  const record = join(dir, 'firecracker.jsonl');
  const jailerRecord = join(dir, 'jailer.jsonl');
  for (const f of [record, jailerRecord]) {
    writeFileSync(f, '');
    // The jailed fake runs as the owner (another uid in owner mode) and appends here.
    chmodSync(f, 0o666);
  }
  const ajvFrom = createRequire(import.meta.url).resolve('ajv/package.json');
  writeFileSync(join(dir, 'fakes.json'), JSON.stringify({ schema: FC_API_SCHEMA_PATH, ajvFrom, record, jailerRecord }));
  chmodSync(join(dir, 'fakes.json'), 0o644);
  const firecracker = join(dir, 'firecracker');
  writeFileSync(firecracker, `#!/bin/sh\nexec ${node} ${join(dir, 'fake-firecracker.mjs')} "$@"\n`);
  chmodSync(firecracker, 0o755);
  const jailer = join(dir, 'jailer');
  writeFileSync(jailer, `#!/bin/sh\ncmd=$(FAKE_JAILER_PID=$$ ${node} ${join(dir, 'fake-jailer.mjs')} "$@") || exit $?\neval "exec $cmd"\n`);
  chmodSync(jailer, 0o755);
  return {
    dir,
    firecracker,
    jailer,
    requests: () => lines<FakeFcRecord>(record),
    jailerRuns: () => lines<FakeJailerRecord>(jailerRecord),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
