import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient, AGENT_VSOCK_PORT, type AgentHealth } from '../../../src/guest/agent-client.js';
import { agentScriptPath, debianAssetPath, minimalAssetPath, vsockToolPath } from '../../../src/images/assets.js';

const src = join(import.meta.dirname, '../../../src/guest/assets');
const TOOL = vsockToolPath();

const has = (tool: string, args = ['--version']): boolean => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
/** strace with fault injection, allowed to trace here (some containers forbid ptrace). */
const haveStrace = has('strace', ['-qq', '-o', '/dev/null', 'true']);
const havePython = has('python3');

/**
 * The committed guest binary is exactly what its assembly source builds, and
 * it behaves: usage errors, the back-off on a failed setup, the listen loop
 * (fork, stdin/stdout, fds, signals, reaping) and the connect relay.
 *
 * This host must never open a vsock socket (its CID 2 is someone else's
 * hypervisor), so every run goes through strace with its socket() faulted:
 * either to fail, or to "return" fd 3, an AF_UNIX socket handed in by the
 * test, with bind/listen/connect faulted to succeed without running. The
 * code after that (accept4, fork, dup2, execve, poll, read, write, shutdown)
 * is the real thing on a real socket. The vsock calls themselves run in a
 * real guest (test/integration/guest/agent-vsock.test.ts).
 */
describe('banger-vsock', () => {
  it('is a static x86-64 ELF of about a kilobyte, with no interpreter or dynamic section', () => {
    const bin = readFileSync(TOOL);
    expect(bin.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(bin[4]).toBe(2); // ELFCLASS64
    expect(bin.readUInt16LE(16)).toBe(2); // ET_EXEC
    expect(bin.readUInt16LE(18)).toBe(0x3e); // EM_X86_64
    const phoff = Number(bin.readBigUInt64LE(32));
    const types = Array.from({ length: bin.readUInt16LE(56) }, (_, i) => bin.readUInt32LE(phoff + i * bin.readUInt16LE(54)));
    expect(types).not.toContain(3); // PT_INTERP
    expect(types).not.toContain(2); // PT_DYNAMIC
    expect(bin.length).toBeLessThan(2048);
  });

  it.skipIf(!has('as') || !has('ld'))('rebuilds byte for byte from banger-vsock.S', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-vsock-'));
    try {
      execFileSync('as', ['-o', join(dir, 'v.o'), join(src, 'banger-vsock.S')]);
      execFileSync('ld', ['-static', '-s', '--build-id=none', '-z', 'noseparate-code', '-o', join(dir, 'v'), join(dir, 'v.o')]);
      expect(readFileSync(join(dir, 'v')).equals(readFileSync(TOOL))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what both profiles start on AGENT_VSOCK_PORT, serving the installed agent', () => {
    const cmd = `/usr/sbin/banger-vsock listen ${AGENT_VSOCK_PORT} /usr/lib/banger/agent --stdio`;
    expect(readFileSync(minimalAssetPath('inittab'), 'utf8').split('\n')).toContain(`::respawn:${cmd}`);
    const unit = readFileSync(debianAssetPath('banger-agent-vsock.service'), 'utf8').split('\n');
    expect(unit).toContain(`ExecStart=${cmd}`);
    expect(unit).toContain('Restart=always');
  });

  describe.skipIf(!haveStrace)('under strace fault injection (no vsock socket on this host)', () => {
    const cleanups: Array<() => void> = [];
    afterEach(() => {
      for (const c of cleanups.splice(0)) c();
    });

    /** Runs the tool with socket() failing (EAFNOSUPPORT, as without the vsock module). */
    function runNoVsock(args: string[]): { status: number | null; stderr: string; ms: number } {
      const t0 = Date.now();
      const r = spawnSync('strace', [...traced(['socket:error=EAFNOSUPPORT']), TOOL, ...args], { encoding: 'utf8', timeout: 10_000 });
      return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
    }

    it('refuses bad usage with EINVAL (22) and the usage line, before any socket', () => {
      const bad = [
        [],
        ['frob', '1', '2'],
        ['listen'],
        ['listen', '1024'],
        ['listen', '', '/bin/true'],
        ['listen', '10x24', '/bin/true'],
        ['listen', '-1', '/bin/true'],
        ['listen', '4294967296', '/bin/true'],
        ['listen', '99999999999999999999999', '/bin/true'],
        ['connect', '1'],
        ['connect', '1', '1024', 'extra'],
        ['connect', '0x1', '1024'],
        ['connect', '1', ' 1024'],
        ['listening', '1024', '/bin/true'],
      ];
      for (const args of bad) {
        // A run that reached socket() would exit 97 (EAFNOSUPPORT), not 22.
        const r = runNoVsock(args);
        expect({ args, status: r.status, stderr: r.stderr }).toEqual({
          args,
          status: 22,
          stderr: 'usage: banger-vsock listen PORT PROGRAM [ARG...] | banger-vsock connect CID PORT\n',
        });
      }
    });

    it('listen: a failed setup exits with the errno after a 2 s pause, so a respawning init does not spin', () => {
      const r = runNoVsock(['listen', '4294967295', '/bin/true']);
      expect(r.status).toBe(97); // EAFNOSUPPORT
      expect(r.ms).toBeGreaterThanOrEqual(1950);
      expect(r.ms).toBeLessThan(5000);
      // bind failing (port taken) is a setup failure too.
      const b = spawnSync('strace', [...traced(['socket:retval=3', 'bind:error=EADDRINUSE']), TOOL, 'listen', '1024', '/bin/true'], { timeout: 10_000 });
      expect(b.status).toBe(98);
      console.log(`banger-vsock: ${readFileSync(TOOL).length} bytes; setup failure exits after ${r.ms} ms`);
    });

    it('connect: a failure exits with the errno at once', () => {
      const r = runNoVsock(['connect', '1', '1024']);
      expect(r.status).toBe(97);
      expect(r.ms).toBeLessThan(1500);
      const refused = spawnSync('strace', [...traced(['socket:retval=3', 'connect:error=ECONNRESET']), TOOL, 'connect', '1', '1024'], { timeout: 10_000 });
      expect(refused.status).toBe(104);
    });

    /** An abstract AF_UNIX address: nothing to unlink, and Node's close() of its copy unlinks nothing either. */
    const abstract = (): string => `\0banger-vsock-test-${process.pid}-${randomBytes(4).toString('hex')}`;

    async function listenOn(addr: string, opts: { allowHalfOpen?: boolean } = {}, onConn?: (c: Socket) => void): Promise<Server> {
      const s = createServer({ allowHalfOpen: opts.allowHalfOpen ?? false }, onConn);
      await new Promise<void>((r) => s.listen(addr, r));
      return s;
    }

    /**
     * `banger-vsock listen 1024 PROGRAM...` whose socket is fd 3, a listening
     * AF_UNIX socket at a path. Python makes it and execs strace: Node can
     * hand a child a connected socket, not a listening one.
     */
    async function startListener(program: string[]): Promise<{ addr: string; toolPid: number; stderr: () => string }> {
      const dir = mkdtempSync(join(tmpdir(), 'bg-vsock-l-'));
      const addr = join(dir, 'l.sock');
      const bindAndExec = 'import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen(16)\nos.dup2(s.fileno(), 3)\nos.set_inheritable(3, True)\nos.execvp(sys.argv[2], sys.argv[2:])';
      const proc = spawn(
        'python3',
        ['-c', bindAndExec, addr, 'strace', ...traced(['socket:retval=3', 'bind,listen:retval=0']), TOOL, 'listen', String(AGENT_VSOCK_PORT), ...program],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const found: { toolPid?: number } = {};
      cleanups.push(() => {
        // The tool first: a killed strace detaches, and its tracee would run on.
        if (found.toolPid !== undefined) killQuietly(found.toolPid);
        proc.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      });
      // By name: strace forks short-lived children of its own to probe ptrace.
      const toolPid = (found.toolPid = await waitFor(() => childrenOf(proc.pid!, 'banger-vsock')[0], 5000, 'the traced banger-vsock'));
      await waitFor(() => (existsSync(addr) ? true : undefined), 5000, 'the listening socket');
      return { addr, toolPid, stderr: () => err };
    }

    it.skipIf(!havePython)('listen: each connection runs the agent with the connection as stdin and stdout; health and ports as over virtio-serial', async () => {
      const shell = existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : ['/bin/sh'];
      const l = await startListener([...shell, agentScriptPath(), '--stdio']);
      // A stand-in for Firecracker's hybrid socket is not needed: the bytes are the agent's from the first one.
      const a = await AgentClient.connect({ kind: 'virtio-serial', socketPath: l.addr });
      const b = await AgentClient.connect({ kind: 'virtio-serial', socketPath: l.addr });
      try {
        const t0 = performance.now();
        const h: AgentHealth = await a.health();
        const healthMs = performance.now() - t0;
        expect(h).toMatchObject({ status: 'ok', version: 1 });
        const tcp = createServer();
        await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
        try {
          const t1 = performance.now();
          const [ports, h2] = await Promise.all([b.ports(), b.health()]);
          const portsMs = performance.now() - t1;
          expect(h2.status).toBe('ok');
          expect(ports).toContainEqual(expect.objectContaining({ proto: 'tcp', address: '127.0.0.1', port: (tcp.address() as { port: number }).port, pid: process.pid }));
          console.log(`agent through banger-vsock listen (host, busybox sh): health ${healthMs.toFixed(0)} ms, ports ${portsMs.toFixed(0)} ms`);
        } finally {
          tcp.close();
        }
        // Two connections, two agents, both children of the listener.
        const agents = childrenOf(l.toolPid);
        expect(agents.length).toBe(2);
        await expect(a.call('reboot')).rejects.toThrow(/unknown method reboot/);
      } finally {
        a.close();
        b.close();
      }
      // Each agent ends at its connection's EOF, and the kernel reaps it (SA_NOCLDWAIT): no zombies.
      await waitFor(() => (childrenOf(l.toolPid).length === 0 ? true : undefined), 5000, 'the agents to exit and be reaped');
      expect(l.stderr()).toBe('');
    });

    it.skipIf(!havePython)('listen: the child has only the connection (fd 0 and 1) and stderr, and SIGCHLD is not left ignored', async () => {
      const script = 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done; grep "^SigIgn:" /proc/$$/status';
      const l = await startListener(['/bin/sh', '-c', script]);
      const out = await converse(l.addr, Buffer.alloc(0));
      const lines = out.toString().trim().split('\n');
      const fds = Object.fromEntries(lines.filter((x) => /^\d+ /.test(x)).map((x) => x.split(' ') as [string, string]));
      const listener = readlinkSync(`/proc/${l.toolPid}/fd/3`);
      expect(fds['0']).toMatch(/^socket:\[\d+\]$/);
      expect(fds['0']).not.toBe(listener);
      expect(fds['1']).toBe(fds['0']);
      expect(fds['2']).toBeDefined(); // the listener's stderr (here Node's socketpair)
      // The accepted fd is closed after the dup2s: the connection is only 0 and 1. (The
      // listener itself shows up here only because the faulted socket() never set its
      // SOCK_CLOEXEC; the guest test checks that an agent holds nothing else.)
      const otherSockets = Object.entries(fds).filter(([fd, target]) => !['0', '1', '2'].includes(fd) && target.startsWith('socket:'));
      expect(otherSockets.every(([, target]) => target === listener)).toBe(true);
      const sigIgn = BigInt(`0x${lines.find((x) => x.startsWith('SigIgn:'))!.split(/\s+/)[1]}`);
      expect(sigIgn & (1n << 16n)).toBe(0n); // SIGCHLD (17)
      // Many short connections in a row: every child reaped.
      for (let i = 0; i < 20; i++) await converse(l.addr, Buffer.alloc(0));
      await waitFor(() => (childrenOf(l.toolPid).length === 0 ? true : undefined), 5000, 'the children to be reaped');
      expect(readFileSync(`/proc/${l.toolPid}/stat`, 'utf8').split(') ')[1]![0]).toBe('S'); // idle in accept
    });

    it('connect: relays stdin to the socket (then shuts down its sending side) and the socket to stdout, 1 MiB each way', async () => {
      const addr = abstract();
      const input = randomBytes(1024 * 1024);
      const server = await listenOn(addr, { allowHalfOpen: true }, (c) => {
        const got: Buffer[] = [];
        c.on('data', (d: Buffer) => got.push(d));
        // The reply comes only after EOF: proves the half-close, and that the tool still reads.
        c.on('end', () => c.end(Buffer.concat([Buffer.concat(got).reverse(), Buffer.from('\nend\n')])));
      });
      cleanups.push(() => server.close());
      const sock = connect(addr);
      await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
      const proc = spawn('strace', [...traced(['socket:retval=3', 'connect:retval=0']), TOOL, 'connect', '1', String(AGENT_VSOCK_PORT)], {
        stdio: ['pipe', 'pipe', 'pipe', sock],
      });
      sock.destroy(); // the child's copy is the only one
      cleanups.push(() => proc.kill('SIGKILL'));
      const out: Buffer[] = [];
      let err = '';
      proc.stdout!.on('data', (d: Buffer) => out.push(d));
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      proc.stdin!.end(input);
      const code = await new Promise<number | null>((r) => proc.once('exit', r));
      expect(err).toBe('');
      expect(code).toBe(0);
      const all = Buffer.concat(out);
      expect(all.length).toBe(input.length + 5);
      expect(all.subarray(0, input.length).equals(Buffer.from(input).reverse())).toBe(true);
      expect(all.subarray(input.length).toString()).toBe('\nend\n');
    });
  });
});

/**
 * strace's arguments for a run of banger-vsock on this host: socket() is
 * always faulted, so no vsock socket can come into being. No `-e trace=`
 * filter: strace injects only into syscalls it traces (a filter without
 * them silently turns the injection off), and by default it traces all.
 */
function traced(inject: string[]): string[] {
  if (!inject.some((i) => i.startsWith('socket:'))) throw new Error('every run of banger-vsock on this host must fault socket()');
  return ['-qq', '-o', '/dev/null', ...inject.flatMap((i) => ['-e', `inject=${i}`])];
}

/** Sends DATA on a new connection to ADDR, half-closes, and collects everything until the peer closes. */
function converse(addr: string, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connect({ path: addr, allowHalfOpen: true });
    const got: Buffer[] = [];
    c.on('data', (d: Buffer) => got.push(d));
    c.on('error', reject);
    c.on('close', () => resolve(Buffer.concat(got)));
    c.end(data);
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Pids whose parent is PID (any state; zombies included), optionally only those named COMM. */
function childrenOf(pid: number, comm?: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid && (comm === undefined || name === comm)) out.push(Number(e));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

async function waitFor<T>(f: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
