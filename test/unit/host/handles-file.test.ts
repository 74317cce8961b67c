import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HANDLES_VERSION, createHandlesStore, parseHandles, readHandlesFile, writeHandlesFile } from '../../../src/host/handles-file.js';
import { handlesPath } from '../../../src/host/layout.js';
import { tempLayout } from '../../helpers/test-layout.js';

let t: ReturnType<typeof tempLayout>;
beforeEach(() => {
  t = tempLayout('banger-handles-');
});
afterEach(() => t.cleanup());

const full = { tapDevice: 'bgtap3', baseLoop: '/dev/loop4', cowLoop: '/dev/loop5', dmName: 'banger-x', dmDev: '/dev/dm-2', apiSockPath: '/run/x/api.sock', pid: 4242, pidStartTime: 987654 };

describe('handles.json', () => {
  it('round-trips every field, versioned, mode 0600, with no temp file left', () => {
    const store = createHandlesStore(t.layout);
    expect(store.write('vm1', full)).toBe(true);
    const p = handlesPath(t.layout, 'vm1');
    expect(JSON.parse(readFileSync(p, 'utf8')).version).toBe(HANDLES_VERSION);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(p)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(store.read('vm1')).toEqual({ handles: full });
  });

  it('overwrites atomically: a second write replaces the first whole', () => {
    const p = handlesPath(t.layout, 'vm1');
    writeHandlesFile(p, full);
    writeHandlesFile(p, { tapDevice: 'bgtap9' });
    expect(readHandlesFile(p)).toEqual({ handles: { tapDevice: 'bgtap9' } });
  });

  it('tells missing, unparseable and invalid apart', () => {
    const store = createHandlesStore(t.layout);
    expect(store.read('nope')).toEqual({ handles: null, reason: 'is missing' });
    const p = handlesPath(t.layout, 'bad');
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, '{"version": 1, "pid": ');
    expect(store.read('bad')).toEqual({ handles: null, reason: 'is not valid JSON' });
    writeFileSync(p, JSON.stringify({ version: 1, pid: -3 }));
    expect(store.read('bad')).toEqual({ handles: null, reason: 'has an invalid pid' });
  });

  it.each([
    [[], 'is not a JSON object'],
    [null, 'is not a JSON object'],
    [{ pid: 1 }, 'has version undefined, expected 1'],
    [{ version: 2 }, 'has version 2, expected 1'],
    [{ version: 1, tapDevice: '' }, 'has an invalid tapDevice'],
    [{ version: 1, tapDevice: 7 }, 'has an invalid tapDevice'],
    [{ version: 1, pid: 1.5 }, 'has an invalid pid'],
    [{ version: 1, pidStartTime: '9' }, 'has an invalid pidStartTime'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(parseHandles(raw)).toEqual({ handles: null, reason });
  });

  it('ignores unknown fields (forward compatible) and remove is idempotent', () => {
    expect(parseHandles({ version: 1, tapDevice: 'bgtap1', future: true })).toEqual({ handles: { tapDevice: 'bgtap1' } });
    const store = createHandlesStore(t.layout);
    store.write('vm1', full);
    expect(store.remove('vm1')).toBe(true);
    expect(existsSync(handlesPath(t.layout, 'vm1'))).toBe(false);
    expect(store.remove('vm1')).toBe(true);
  });

  it('write never throws: it reports failure through onError and returns false', () => {
    const errors: unknown[] = [];
    const p = handlesPath(t.layout, 'vm1');
    // A file where the VM directory should be makes mkdir fail.
    mkdirSync(dirname(dirname(p)), { recursive: true });
    writeFileSync(dirname(p), 'not a dir');
    const store = createHandlesStore(t.layout, (err) => errors.push(err));
    expect(store.write('vm1', full)).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
