import type { Rng } from './prng.js';

/**
 * Generator of malformed JSON-RPC traffic for the daemon and helper sockets.
 * Each case is one write (usually one line) plus what a correct server may do
 * with it, so the test can check the reply as well as survival.
 */
export type Expect =
  /** A JSON-RPC error reply (or closing the connection, for traffic that is not text). */
  | 'error-or-close'
  /** Any well-formed reply (a batch may mix results and errors) or none (notifications). */
  | 'any-or-none';

export interface MalformedCase {
  kind: string;
  payload: Buffer;
  expect: Expect;
}

export interface GeneratorOptions {
  /** Method names that exist on this server (used with wrong params, never with valid ones). */
  knownMethods: readonly string[];
  /** Calls that are harmless when valid (read-only), used for batch abuse. */
  harmlessCall: { method: string; params?: unknown };
  /** Largest line the server accepts; huge-string cases go just under and well over it. */
  maxLineBytes: number;
  /** Methods never to send with valid-looking params (daemon.shutdown). */
  forbidden: readonly string[];
}

const line = (s: string | Buffer) => Buffer.concat([Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'), Buffer.from('\n')]);
const req = (id: unknown, method: unknown, params?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

const WEIRD_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', ' ', '\u0000', '../../etc/passwd', '$(reboot)', '`id`', ';rm -rf /',
  [], {}, [[[]]], { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, 'ü'.repeat(100), '\ud800',
];
const WEIRD_METHODS: readonly string[] = [
  '', ' ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'vm.', '.vm', 'vm..list', 'VM.LIST', 'vm.list ',
  'rpc.discover', 'system.exec', 'helper.exec', '../vm.list', 'vm.list\u0000', 'x'.repeat(10_000),
];

export function createMalformedGenerator(rng: Rng, opts: GeneratorOptions) {
  const weird = () => rng.pick(WEIRD_VALUES);
  const randomMethod = () => (rng.chance(0.5) ? rng.pick(WEIRD_METHODS) : rng.bytes(1 + rng.int(24)).toString('base64'));
  const knownNonForbidden = opts.knownMethods.filter((m) => !opts.forbidden.includes(m));
  const id = () => rng.pick<unknown>([1, rng.int(1e9), 'a', null, -5, 1.5]);

  const generators: Record<string, () => MalformedCase> = {
    'random-bytes': () => ({ kind: 'random-bytes', payload: line(rng.bytes(1 + rng.int(4096))), expect: 'error-or-close' }),
    'truncated-json': () => {
      const full = req(rng.int(1e6), rng.pick(opts.knownMethods), { name: 'x'.repeat(rng.int(50)) });
      return { kind: 'truncated-json', payload: line(full.slice(0, 1 + rng.int(full.length - 1))), expect: 'error-or-close' };
    },
    'not-an-object': () => ({ kind: 'not-an-object', payload: line(JSON.stringify(weird())), expect: 'error-or-close' }),
    'wrong-envelope-types': () => {
      const msg: Record<string, unknown> = { jsonrpc: rng.pick<unknown>(['2.0', '1.0', 2, null, undefined]), id: rng.pick<unknown>([{}, [], true, 1]), method: rng.pick<unknown>([123, null, {}, [], true, opts.knownMethods[0]]) };
      if (msg.jsonrpc === '2.0' && typeof msg.method === 'string') msg.id = {};
      return { kind: 'wrong-envelope-types', payload: line(JSON.stringify(msg)), expect: 'error-or-close' };
    },
    'wrong-param-types': () => {
      const method = rng.pick(knownNonForbidden);
      const params = rng.pick<unknown>([
        'a string', 42, [1, 2, 3], { name: weird() }, { name: 42 }, { name: ['x'] }, { name: 'x', extra: weird() }, { vcpu: -1, memoryMiB: 0 }, { topics: ['nope'] },
        { token: 42 }, { path: 7 }, { guestIP: [] },
      ]);
      return { kind: 'wrong-param-types', payload: line(req(id() ?? 1, method, params)), expect: 'error-or-close' };
    },
    'forbidden-with-bad-params': () => {
      // The one destructive method, always with params its schema refuses.
      const method = rng.pick(opts.forbidden.length ? opts.forbidden : opts.knownMethods);
      return { kind: 'forbidden-with-bad-params', payload: line(req(1, method, { now: weird() ?? 1 })), expect: 'error-or-close' };
    },
    'unknown-method': () => ({ kind: 'unknown-method', payload: line(req(rng.int(1e6), randomMethod(), rng.chance(0.5) ? {} : weird())), expect: 'error-or-close' }),
    'huge-string-under-limit': () => {
      const n = opts.maxLineBytes - 200 - rng.int(1000);
      return { kind: 'huge-string-under-limit', payload: line(req(1, rng.pick(knownNonForbidden), { name: 'A'.repeat(n) })), expect: 'error-or-close' };
    },
    'huge-string-over-limit': () => {
      const n = opts.maxLineBytes + 1 + rng.int(3 * 1024 * 1024);
      return { kind: 'huge-string-over-limit', payload: line(req(1, rng.pick(knownNonForbidden), { name: 'B'.repeat(n) })), expect: 'error-or-close' };
    },
    'huge-method-name': () => ({ kind: 'huge-method-name', payload: line(req(1, 'm'.repeat(Math.floor(opts.maxLineBytes / 2)))), expect: 'error-or-close' }),
    'deep-nesting-params': () => {
      const depth = 1000 + rng.int(200_000);
      const open = rng.chance(0.5) ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
      const body = `{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(rng.pick(knownNonForbidden))},"params":{"name":${open}1${close}}}`;
      return { kind: 'deep-nesting-params', payload: line(body.length < opts.maxLineBytes ? body : body.slice(0, opts.maxLineBytes - 1)), expect: 'error-or-close' };
    },
    'deep-nesting-id': () => {
      const depth = 1000 + rng.int(100_000);
      return { kind: 'deep-nesting-id', payload: line(`{"jsonrpc":"2.0","id":${'['.repeat(depth)}${']'.repeat(depth)},"method":"x"}`), expect: 'error-or-close' };
    },
    'deep-nesting-unclosed': () => ({ kind: 'deep-nesting-unclosed', payload: line('['.repeat(1 + rng.int(500_000))), expect: 'error-or-close' }),
    'batch-empty': () => ({ kind: 'batch-empty', payload: line('[]'), expect: 'error-or-close' }),
    'batch-junk': () => ({ kind: 'batch-junk', payload: line(JSON.stringify(Array.from({ length: 1 + rng.int(50) }, () => weird()))), expect: 'error-or-close' }),
    'batch-nested': () => ({ kind: 'batch-nested', payload: line(JSON.stringify([[JSON.parse(req(1, opts.harmlessCall.method, opts.harmlessCall.params))]])), expect: 'error-or-close' }),
    'batch-flood': () => {
      // Thousands of harmless calls in one line: the server must answer them all without tipping over.
      const n = 100 + rng.int(5000);
      const calls = Array.from({ length: n }, (_, i) => JSON.parse(req(i, opts.harmlessCall.method, opts.harmlessCall.params)) as unknown);
      return { kind: 'batch-flood', payload: line(JSON.stringify(calls)), expect: 'any-or-none' };
    },
    'batch-mixed': () => {
      const items = [JSON.parse(req(1, opts.harmlessCall.method, opts.harmlessCall.params)), weird(), JSON.parse(req(2, randomMethod())), { jsonrpc: '2.0', method: opts.harmlessCall.method }];
      return { kind: 'batch-mixed', payload: line(JSON.stringify(items)), expect: 'any-or-none' };
    },
    'nul-bytes-raw': () => {
      const s = Buffer.from(req(1, rng.pick(knownNonForbidden), { name: 'ab' }));
      const pos = 1 + rng.int(s.length - 2);
      return { kind: 'nul-bytes-raw', payload: line(Buffer.concat([s.subarray(0, pos), Buffer.from([0]), s.subarray(pos)])), expect: 'error-or-close' };
    },
    'nul-bytes-escaped': () => ({ kind: 'nul-bytes-escaped', payload: line(req(1, rng.pick(knownNonForbidden), { name: 'a\u0000b', path: '/tmp/\u0000x' })), expect: 'error-or-close' }),
    'invalid-utf8': () => {
      const bad = rng.pick([Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xe2, 0x28, 0xa1])]);
      const head = Buffer.from(`{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(rng.pick(knownNonForbidden))},"params":{"name":"`);
      return { kind: 'invalid-utf8', payload: line(Buffer.concat([head, bad, Buffer.from('"}}')])), expect: 'error-or-close' };
    },
    'prototype-pollution': () => ({
      kind: 'prototype-pollution',
      payload: line(`{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(rng.pick(knownNonForbidden))},"params":{"__proto__":{"name":"x","polluted":true},"constructor":{"prototype":{"polluted":true}}}}`),
      expect: 'error-or-close',
    }),
    'crlf-and-whitespace': () => ({ kind: 'crlf-and-whitespace', payload: Buffer.from(`\r\n \t \r\n${req(1, randomMethod())}\r\n`), expect: 'error-or-close' }),
  };

  const weights: [string, number][] = [
    ['random-bytes', 12], ['truncated-json', 12], ['not-an-object', 6], ['wrong-envelope-types', 8], ['wrong-param-types', 14],
    ['forbidden-with-bad-params', 2], ['unknown-method', 10], ['huge-string-under-limit', 1], ['huge-string-over-limit', 1],
    ['huge-method-name', 1], ['deep-nesting-params', 3], ['deep-nesting-id', 2], ['deep-nesting-unclosed', 2], ['batch-empty', 2],
    ['batch-junk', 4], ['batch-nested', 2], ['batch-flood', 1], ['batch-mixed', 3], ['nul-bytes-raw', 4], ['nul-bytes-escaped', 3],
    ['invalid-utf8', 4], ['prototype-pollution', 3], ['crlf-and-whitespace', 2],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);

  return {
    kinds: Object.keys(generators),
    /** One case; every kind appears at least once in any run of `count >= kinds` (the first ones go in order). */
    make(index: number): MalformedCase {
      if (index < weights.length) return generators[weights[index]![0]]!();
      let r = rng.int(total);
      for (const [k, w] of weights) {
        if (r < w) return generators[k]!();
        r -= w;
      }
      return generators['random-bytes']!();
    },
  };
}
