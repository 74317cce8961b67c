import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomSuffix } from '../../helpers/host-caps.js';

/** Null when tmux is on PATH, else the missing capability in words. */
export function requiresTmux(): string | null {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'pipe' });
    return null;
  } catch {
    return 'needs tmux (Debian package tmux)';
  }
}

/**
 * One detached tmux session on its own server (`-L` with a random name), so
 * tests never touch a user's tmux or each other's. The pane stays after the
 * program exits (remain-on-exit) so a test can read its last screen and exit
 * status. `kill()` ends the server; call it in afterAll.
 */
export class TmuxSession {
  readonly socketName = `banger-tui-${randomSuffix(8)}`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'bgr-tmux-'));
  private readonly conf = join(this.dir, 'tmux.conf');
  private readonly statusFile = join(this.dir, 'exit-status');
  private readonly sttyFile = join(this.dir, 'stty-after-exit');
  private started = false;
  private socketPath: string | undefined;

  constructor(private readonly env: Record<string, string | undefined>) {
    writeFileSync(this.conf, ['set -g remain-on-exit on', 'set -g history-limit 2000', 'set -g status off', ''].join('\n'));
  }

  private tmux(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-L', this.socketName, '-f', this.conf, ...args], { env: this.env as NodeJS.ProcessEnv, timeout: 10_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`tmux ${args[0]} failed: ${stderr || err.message}`)) : resolve(stdout),
      );
    });
  }

  /** Starts `argv` in a `cols`×`rows` pane; a wrapper records its exit status in a file. */
  /**
   * `holdSecs` keeps the pane's shell alive that long after the program exits, as the user's shell
   * would be: tmux 3.3 can report the cursor hidden once a pane is dead, whatever the program left.
   */
  async start(argv: string[], cols = 120, rows = 30, holdSecs = 0): Promise<void> {
    this.started = true;
    // tmux (3.3) sometimes marks a pane dead without ever filling pane_dead_status, so the
    // status is taken from a file the wrapper writes; argv still reaches exec without a shell parse.
    // The terminal modes the program left behind are recorded first, so they are there once the status is.
    const wrapper = ['sh', '-c', '"$@"; s=$?; stty -a > "$STTY_FILE" 2>&1; echo $s > "$STATUS_FILE"; sleep "$HOLD_SECS"', 'sh', ...argv];
    const env = ['-e', `STATUS_FILE=${this.statusFile}`, '-e', `STTY_FILE=${this.sttyFile}`, '-e', `HOLD_SECS=${holdSecs}`];
    await this.tmux(['new-session', '-d', '-s', 'main', '-x', String(cols), '-y', String(rows), ...env, '--', ...wrapper]);
    this.socketPath = (await this.tmux(['display-message', '-p', '#{socket_path}'])).trim();
  }

  /** The visible screen as plain text. */
  screen(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-t', 'main']);
  }

  /** The visible screen with its SGR escapes (colour, inverse), as tmux holds them. */
  screenWithEscapes(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-e', '-t', 'main']);
  }

  /** Sends keys by tmux name (`Down`, `Enter`, `Escape`) or literal characters. */
  async send(...keys: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows)]);
  }

  /** Whether the program exited, and its exit code (128+N for a signal, as sh reports it). */
  async paneState(): Promise<{ dead: boolean; status: number | null; signal: number | null }> {
    const out = (await this.tmux(['list-panes', '-t', 'main', '-F', '#{pane_dead}'])).trim();
    let status: number | null = null;
    try {
      const text = readFileSync(this.statusFile, 'utf8').trim();
      if (text !== '') status = Number(text);
    } catch {
      // not exited yet
    }
    const signal = status !== null && status > 128 ? status - 128 : null;
    return { dead: out === '1' || status !== null, status, signal };
  }

  /** A tmux format (e.g. `#{alternate_on}`) expanded for the pane; it stays readable after the program exits. */
  async format(fmt: string): Promise<string> {
    return (await this.tmux(['display-message', '-p', '-t', 'main', fmt])).trim();
  }

  /** Pid of the program the wrapper shell started (its only child). */
  async programPid(): Promise<number> {
    const shPid = Number(await this.format('#{pane_pid}'));
    const kids = readFileSync(`/proc/${shPid}/task/${shPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (kids.length !== 1) throw new Error(`pane shell ${shPid} has children [${kids.join(' ')}], expected exactly one`);
    return Number(kids[0]);
  }

  /** `stty -a` of the pane's terminal after the program exited, or null while it runs. */
  ttyModesAfterExit(): string | null {
    try {
      return readFileSync(this.sttyFile, 'utf8');
    } catch {
      return null;
    }
  }

  /** Waits until the program exited and the wrapper recorded its status; returns the final pane state. */
  async waitExited(timeoutMs: number): Promise<{ dead: boolean; status: number | null; signal: number | null }> {
    const deadline = Date.now() + timeoutMs;
    let state = await this.paneState();
    while (state.status === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await this.paneState();
    }
    return state;
  }

  /** Polls the screen until `pred` holds; throws with the last screen after `timeoutMs`. */
  async waitFor(pred: (screen: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tmux screen never showed ${what} within ${timeoutMs} ms; last screen:\n${last}`);
  }

  /** Kills this test's tmux server (and the program in it) and removes its config. Idempotent. */
  async kill(): Promise<void> {
    if (this.started) await this.tmux(['kill-server']).catch(() => undefined);
    this.started = false;
    // A killed server can leave its socket file behind.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
