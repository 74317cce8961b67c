import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { announcingPid, killCommand, runGuestCommand, type LocalIo } from '../../../../src/cli/guest/exec-run.js';

/** An SSH channel as ssh2 hands it out: a duplex with stderr, signal, close and setWindow, recording what it was sent. */
class FakeChannel extends Duplex {
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  readonly windows: [number, number][] = [];
  written = '';
  ended = false;
  constructor() {
    // Not a PassThrough: its end() would end the readable side too, as no SSH channel does.
    super({ allowHalfOpen: true, autoDestroy: false });
    this.on('finish', () => (this.ended = true));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written += chunk.toString();
    cb();
  }
  signal(name: string): void {
    this.signals.push(name);
  }
  close(): void {
    this.emit('close');
  }
  setWindow(rows: number, cols: number): void {
    this.windows.push([rows, cols]);
  }
  /** The guest command ends. */
  exit(code: number | null, signal?: string): void {
    this.emit('exit', code, signal);
    this.push(null);
    this.emit('close');
  }
}

function fakeClient(): { client: Client; calls: { line: string; pty?: unknown }[]; channel: Promise<FakeChannel> } {
  const calls: { line: string; pty?: unknown }[] = [];
  let give!: (c: FakeChannel) => void;
  const channel = new Promise<FakeChannel>((r) => (give = r));
  const client = {
    exec(line: string, a: unknown, b?: unknown) {
      const cb = (typeof a === 'function' ? a : b) as (err: Error | undefined, ch: FakeChannel) => void;
      calls.push({ line, ...(typeof a === 'object' && a !== null ? { pty: (a as { pty: unknown }).pty } : {}) });
      const ch = new FakeChannel();
      setImmediate(() => {
        cb(undefined, ch);
        if (calls.length === 1) give(ch);
      });
    },
  } as unknown as Client;
  return { client, calls, channel };
}

function fakeIo(opts: { tty?: boolean } = {}) {
  const stdin = Object.assign(new PassThrough(), { isTTY: opts.tty, rawModes: [] as boolean[], setRawMode(raw: boolean) { this.rawModes.push(raw); } });
  const stdout = Object.assign(new PassThrough(), { isTTY: opts.tty, rows: 30, columns: 100 });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const signals = new EventEmitter();
  const io: LocalIo = { stdin, stdout, stderr, signals: { on: (s, fn) => signals.on(s, fn), off: (s, fn) => signals.off(s, fn) } };
  return { io, stdin, stdout, signals, out: () => out, err: () => err };
}

describe('runGuestCommand', () => {
  it('streams output and resolves with the exit status; without stdin the guest reads EOF at once', async () => {
    const { client, calls, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'exec true', local.io, { pty: false, stdin: false });
    const ch = await channel;
    expect(calls).toEqual([{ line: announcingPid('exec true') }]);
    expect(ch.ended).toBe(true);
    ch.stderr.write('warn\n');
    ch.push('hello\n');
    ch.exit(7);
    expect(await done).toBe(7);
    expect(local.out()).toBe('hello\n');
    expect(local.err()).toBe('warn\n');
  });

  it('passes stdin and its EOF with stdin on', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'cat', local.io, { pty: false, stdin: true });
    const ch = await channel;
    local.stdin.end('data\n');
    await new Promise((r) => setImmediate(r));
    expect(ch.written).toBe('data\n');
    expect(ch.ended).toBe(true);
    ch.exit(0);
    expect(await done).toBe(0);
  });

  it('maps a signal death to 128+N and a lost connection to 255', async () => {
    for (const [code, signal, want] of [[null, 'INT', 130], [null, 'TERM', 143]] as const) {
      const { client, channel } = fakeClient();
      const done = runGuestCommand(client, 'x', fakeIo().io, { pty: false, stdin: false });
      (await channel).exit(code, signal);
      expect(await done).toBe(want);
    }
    const { client, channel } = fakeClient();
    const done = runGuestCommand(client, 'x', fakeIo().io, { pty: false, stdin: false });
    (await channel).close();
    expect(await done).toBe(255);
  });

  it('with a PTY and a terminal: raw mode on, window size sent and resized, raw mode restored at the end', async () => {
    const { client, calls, channel } = fakeClient();
    const local = fakeIo({ tty: true });
    const done = runGuestCommand(client, 'top', local.io, { pty: true, stdin: true, term: 'xterm' });
    const ch = await channel;
    expect(calls[0]!.pty).toEqual({ term: 'xterm', rows: 30, cols: 100 });
    expect(local.stdin.rawModes).toEqual([true]);
    Object.assign(local.stdout, { rows: 40, columns: 120 });
    local.stdout.emit('resize');
    expect(ch.windows).toEqual([[40, 120]]);
    ch.exit(0);
    expect(await done).toBe(0);
    expect(local.stdin.rawModes).toEqual([true, false]);
    expect(local.stdout.listenerCount('resize')).toBe(0);
  });

  it('restores raw mode when the connection drops too', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo({ tty: true });
    const done = runGuestCommand(client, 'sh', local.io, { pty: true, stdin: true });
    (await channel).close();
    expect(await done).toBe(255);
    expect(local.stdin.rawModes).toEqual([true, false]);
  });

  it('a PTY without stdin leaves the terminal cooked, so Ctrl-C is a local SIGINT that is forwarded', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo({ tty: true });
    const done = runGuestCommand(client, 'top', local.io, { pty: true, stdin: false });
    const ch = await channel;
    expect(local.stdin.rawModes).toEqual([]);
    local.signals.emit('SIGINT');
    expect(ch.signals).toEqual(['INT']);
    ch.exit(null, 'INT');
    expect(await done).toBe(130);
  });

  it('forwards SIGINT and SIGTERM; a second one kills it (SIGKILL), closes the channel and exits 128+N; handlers are removed after', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'sleep 100', local.io, { pty: false, stdin: false, signalNoticeMs: 5 });
    const ch = await channel;
    local.signals.emit('SIGTERM');
    expect(ch.signals).toEqual(['TERM']);
    await new Promise((r) => setTimeout(r, 20));
    expect(local.err()).toMatch(/sent SIGTERM to the guest command; send it again to kill it/);
    local.signals.emit('SIGTERM');
    expect(await done).toBe(143);
    expect(local.signals.listenerCount('SIGINT') + local.signals.listenerCount('SIGTERM') + local.signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('SIGHUP is forwarded and the channel closed soon after even if the command lives on', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'sleep 100', local.io, { pty: false, stdin: false, signalNoticeMs: 5 });
    const ch = await channel;
    local.signals.emit('SIGHUP');
    expect(ch.signals).toEqual(['HUP']);
    expect(await done).toBe(129);
  });

  it('takes the PID line off stderr and signals the command over a second channel with kill', async () => {
    const { client, calls, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'exec sleep 100', local.io, { pty: false, stdin: false });
    const ch = await channel;
    ch.stderr.write('banger-pid:');
    ch.stderr.write('4242\nreal stderr\n');
    await new Promise((r) => setImmediate(r));
    expect(local.err()).toBe('real stderr\n');
    local.signals.emit('SIGINT');
    expect(ch.signals).toEqual([]);
    expect(calls[1]!.line).toBe(killCommand(4242, 'SIGINT'));
    ch.exit(null, 'INT');
    expect(await done).toBe(130);
  });

  it('with a PTY the PID line comes on stdout, with \\r\\n, and is taken off there', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo({ tty: true });
    const done = runGuestCommand(client, 'tty', local.io, { pty: true, stdin: false });
    const ch = await channel;
    ch.push('banger-pid:77\r\n/dev/pts/0\r\n');
    ch.exit(0);
    expect(await done).toBe(0);
    expect(local.out()).toBe('/dev/pts/0\r\n');
  });

  it('passes on a first line that is not the PID line', async () => {
    const { client, channel } = fakeClient();
    const local = fakeIo();
    const done = runGuestCommand(client, 'x', local.io, { pty: false, stdin: false });
    const ch = await channel;
    ch.stderr.write('banger-pi');
    ch.stderr.end('e is not a pid\n');
    await new Promise((r) => setImmediate(r));
    ch.exit(1);
    expect(await done).toBe(1);
    expect(local.err()).toBe('banger-pie is not a pid\n');
  });
});

describe('the PID line and kill, in a real shell', () => {
  it('announces the PID of the exec-ed command on stderr first', () => {
    const out = execFileSync('/bin/sh', ['-c', `exec 2>&1; ${announcingPid('exec sh -c \'echo "$$"\'')}`], { encoding: 'utf8' });
    const [first, second] = out.trim().split('\n');
    expect(first).toBe(`banger-pid:${second}`);
  });

  it('kill reaches the whole process group the session leads (a snippet and its children)', async () => {
    // detached: setsid, as sshd and dropbear do for a session's process.
    const job = spawn('/bin/sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = await new Promise<number>((r) => job.stdout.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    const ended = new Promise<string | null>((r) => job.on('exit', (_c, sig) => r(sig)));
    execFileSync('/bin/sh', ['-c', killCommand(job.pid!, 'SIGTERM')]);
    expect(await ended).toBe('SIGTERM');
    // Dead: gone, or a zombie waiting for whoever reaps orphans here.
    const state = () => {
      try {
        return readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1]![0];
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 50 && !['gone', 'Z'].includes(state()!); i++) await new Promise((r) => setTimeout(r, 20));
    expect(['gone', 'Z']).toContain(state());
  });

  it('kill reaches the children of a process that leads no group (dropbear without a PTY), through /proc', async () => {
    // Not detached: the shell shares vitest's group, so `kill -SIG -PID` fails and the tree walk must do it.
    const job = spawn('/bin/sh', ['-c', 'sh -c "sleep 61 & echo \\$!; wait" & wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchild = await new Promise<number>((r) => job.stdout.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    const ended = new Promise<string | null>((r) => job.on('exit', (_c, sig) => r(sig)));
    execFileSync('/bin/sh', ['-c', killCommand(job.pid!, 'SIGTERM')]);
    expect(await ended).toBe('SIGTERM');
    const state = () => {
      try {
        return readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(') ')[1]![0];
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 50 && !['gone', 'Z'].includes(state()!); i++) await new Promise((r) => setTimeout(r, 20));
    expect(['gone', 'Z']).toContain(state());
  });
});
