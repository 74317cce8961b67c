import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildDist } from '../../helpers/build.js';
import { requiresNetns } from '../../helpers/host-caps.js';
import { CLI_MAIN, REPO_ROOT, isAlive, waitGone } from '../../helpers/rig.js';
import { NetnsDaemon, type NetnsDaemonOptions } from '../../helpers/netns-daemon.js';

/**
 * The browser tier's harness (issue 16): a real bangerd with stand-in VMs
 * (NetnsDaemon), the real `banger ui` from dist/, and Debian's Chromium driven
 * by playwright-core. Nothing is mocked; every piece is a process this file
 * started and `cleanup()` ends.
 */

export const CHROMIUM = process.env.BANGER_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'ui');
const UI_ASSETS = [join(REPO_ROOT, 'dist', 'ui', 'assets', 'app.js'), join(REPO_ROOT, 'dist', 'ui', 'assets', 'app.css')];

/** null when Chromium can be launched, else what is missing (for `gated`). */
export function requiresChromium(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return null;
  } catch {
    return `needs Chromium at ${CHROMIUM} (apt-get install chromium, or set BANGER_TEST_CHROMIUM)`;
  }
}

/** Network namespaces (the stand-in daemon) and Chromium. */
export function requiresBrowserTier(): string | null {
  return requiresNetns() ?? requiresChromium();
}

/**
 * Compiles dist/ unless `npm run test:browser` already did (it sets
 * BROWSER_DIST_BUILT), then checks the two halves of the dashboard are in it:
 * `banger ui` in the CLI and the browser bundle.
 */
export function ensureUiDist(): void {
  // The browser bundle has its own build script (npm run build runs it too).
  const script = join(REPO_ROOT, 'scripts', 'build-ui.mjs');
  if (process.env.BROWSER_DIST_BUILT !== '1') {
    buildDist();
    if (existsSync(script)) spawnSyncOrThrow(process.execPath, [script]);
    process.env.BROWSER_DIST_BUILT = '1';
  }
  const missing = UI_ASSETS.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`the dashboard bundle is missing (${missing.join(', ')}): run npm run build (scripts/build-ui.mjs)`);
}

function spawnSyncOrThrow(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'pipe', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(r.stderr)}`);
}

/** The running `banger ui`: its printed URL (with the token), port, pid. */
export interface UiProcess {
  /** As printed: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  port: number;
  origin: string;
  pid: number;
  output(): string;
  /** SIGINT (as a user's Ctrl-C), then SIGKILL if it lingers. */
  stop(): Promise<void>;
}

export interface StartUiOptions {
  env: Record<string, string | undefined>;
  /** Run inside this network namespace (the smoke rig's); by default on the host's network. */
  netns?: string;
  timeoutMs?: number;
}

/** Starts `banger ui --json --port 0` from dist/ and waits for its one envelope line, data `{url, host, port}`. */
export async function startUi(opts: StartUiOptions): Promise<UiProcess> {
  const argv = [CLI_MAIN, 'ui', '--json', '--port', '0'];
  const child: ChildProcess = opts.netns
    ? spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...argv], { env: opts.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, argv, { env: opts.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const output = () => `stdout:\n${out}\nstderr:\n${err}`;
  const stop = async () => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || !isAlive(pid)) return;
    child.kill('SIGINT');
    if (!(await waitGone(pid, 10_000))) {
      child.kill('SIGKILL');
      await waitGone(pid, 5000);
    }
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    for (const line of out.split('\n')) {
      const printed = parseUiLine(line);
      if (printed) {
        const origin = new URL(printed.url).origin;
        return { ...printed, origin, pid: child.pid!, output, stop };
      }
    }
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`banger ui did not print {url, port} (exit ${child.exitCode ?? child.signalCode ?? 'none'}):\n${output()}`);
}

function parseUiLine(line: string): { url: string; port: number } | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  try {
    // The CLI's --json envelope (docs/cli/json.md): the server's address is its data.
    const v = (JSON.parse(t) as { data?: { url?: unknown; port?: unknown } }).data ?? {};
    if (typeof v.url === 'string' && typeof v.port === 'number') return { url: v.url, port: v.port };
  } catch {
    // an incomplete line
  }
  return null;
}

export interface LaunchedBrowser {
  browser: Browser;
  /** Removes the wrapper script (if any); call after browser.close(). */
  dispose(): void;
}

/**
 * Debian's Chromium, headless; --no-sandbox only as root (Chromium refuses to
 * run its sandbox as root). With `netns`, Chromium runs inside that namespace
 * (through a wrapper script, `ip netns exec`), so it reaches the namespace's
 * 127.0.0.1 and the guests' bridge.
 */
export async function launchChromium(opts: { netns?: string } = {}): Promise<LaunchedBrowser> {
  let executablePath = CHROMIUM;
  let wrapperDir: string | undefined;
  if (opts.netns) {
    wrapperDir = mkdtempSync(join(tmpdir(), 'bgui-chromium-'));
    executablePath = join(wrapperDir, 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${opts.netns}' '${CHROMIUM}' "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const dispose = () => {
    if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
  };
  try {
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      timeout: 60_000,
    });
    return { browser, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** A browser context already holding the UI's cookie (the printed token URL was opened once). */
export async function authedContext(browser: Browser, ui: UiProcess, viewport = { width: 1400, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  try {
    const res = await page.goto(ui.url, { waitUntil: 'domcontentloaded' });
    if (!res || res.status() >= 400) throw new Error(`opening ${ui.url} answered ${res?.status()}`);
    // The token leaves the address bar (303 to the same URL without it).
    if (new URL(page.url()).searchParams.has('token')) throw new Error(`the token URL did not redirect: ${page.url()}`);
  } finally {
    await page.close();
  }
  return context;
}

/** A new tab at `path` (client-side routes: /, /vms/NAME, /images, /machines), once the app says it is connected. */
export async function openPage(context: BrowserContext, ui: UiProcess, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${ui.origin}${path}`, { waitUntil: 'domcontentloaded' });
  await page.locator('[data-testid=daemon-status][data-state=connected]').waitFor({ timeout: 15_000 });
  return page;
}

/** Saves test-artifacts/ui/NAME.png (the directory is git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Resident set size of a process in KiB (/proc/PID/status VmRSS), or null when it is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Polls an async check until it is true or the deadline passes; returns its last answer. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * One stand-in daemon, one `banger ui`, one Chromium with an authenticated
 * context. `start()` cleans up what it made if any step fails; `cleanup()`
 * ends everything (browser, ui, daemon, namespace) and never throws.
 */
export class UiHarness {
  d!: NetnsDaemon;
  ui!: UiProcess;
  browser!: Browser;
  context!: BrowserContext;
  private disposeBrowser: (() => void) | undefined;

  static async start(daemon: NetnsDaemonOptions = {}): Promise<UiHarness> {
    const h = new UiHarness();
    try {
      ensureUiDist();
      h.d = new NetnsDaemon({ tempPrefix: 'bgui-', netnsTag: 'ui', ...daemon });
      await h.d.start();
      h.ui = await startUi({ env: h.d.temp.env });
      const launched = await launchChromium();
      h.browser = launched.browser;
      h.disposeBrowser = launched.dispose;
      h.context = await authedContext(h.browser, h.ui);
      return h;
    } catch (e) {
      await h.cleanup();
      throw e;
    }
  }

  open(path = '/'): Promise<Page> {
    return openPage(this.context, this.ui, path);
  }

  async cleanup(): Promise<void> {
    const steps: Array<() => Promise<void> | void> = [
      async () => this.browser && (await this.browser.close()),
      () => this.disposeBrowser?.(),
      async () => this.ui && (await this.ui.stop()),
      async () => this.d && (await this.d.cleanup()),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (e) {
        console.warn(`ui harness cleanup: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * The few DOM members the functions run in the page use: the test tsconfig
 * has no DOM lib (the functions are serialized into the page; only types cross).
 */
export interface DomEl {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  parentElement: DomEl | null;
  querySelectorAll(selector: string): ArrayLike<DomEl>;
  /** SVG elements: the element-to-screen matrix. */
  getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
}
export interface DomWindow {
  __bgTestMark?: number;
}
