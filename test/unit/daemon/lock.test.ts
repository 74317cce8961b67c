import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, readPid, type LockProbe } from '../../../src/daemon/index.js';
import { BusyError } from '../../../src/errors/index.js';
import { createTempRoot, type TempRoot } from '../../helpers/index.js';

let temp: TempRoot;
let path: string;
beforeEach(() => {
  temp = createTempRoot();
  path = join(temp.root, 'bangerd.lock');
});
afterEach(() => temp.remove());

const probe = (alive: boolean, answers: boolean): LockProbe => ({
  isDaemonAlive: () => alive,
  socketAnswers: () => Promise.resolve(answers),
});

describe('acquireLock', () => {
  it('creates the lock with our pid and removes it on release', async () => {
    const lock = await acquireLock(path, probe(false, false), 1234);
    expect(readFileSync(path, 'utf8')).toBe('1234\n');
    lock.release();
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a stale lock whose pid is dead (kill -9)', async () => {
    writeFileSync(path, '999999\n');
    const lock = await acquireLock(path, probe(false, false), 1234);
    expect(readPid(path)).toBe(1234);
    lock.release();
  });

  it('takes over an unreadable lock', async () => {
    writeFileSync(path, 'garbage');
    (await acquireLock(path, probe(true, true), 1234)).release();
  });

  it('refuses when a live daemon answers on the socket', async () => {
    writeFileSync(path, '777\n');
    await expect(acquireLock(path, probe(true, true), 1234)).rejects.toThrow(/already running \(pid 777\)/);
    expect(readPid(path)).toBe(777);
  });

  it('refuses when the holder is alive but not answering yet', async () => {
    writeFileSync(path, '777\n');
    await expect(acquireLock(path, probe(true, false), 1234)).rejects.toThrow(BusyError);
  });

  it('release leaves a lock that another process took over', async () => {
    const lock = await acquireLock(path, probe(false, false), 1234);
    writeFileSync(path, '555\n');
    lock.release();
    expect(readPid(path)).toBe(555);
  });
});

describe('DaemonLock.reassert', () => {
  it('keeps a held lock, re-creates a vanished one, and yields to a new holder', async () => {
    const lock = await acquireLock(path, probe(false, false), 1234);
    expect(lock.reassert()).toBe(true);
    rmSync(path);
    expect(lock.reassert()).toBe(true);
    expect(readPid(path)).toBe(1234);
    writeFileSync(path, '555\n');
    expect(lock.reassert()).toBe(false);
  });
});
